"""Browser tests: Playwright (Python) driving Debian's Chromium against the Client Portal.

Chromium is ``/usr/bin/chromium`` (package ``chromium``; ``make test`` installs it when missing and
running as root). Without it, or without Playwright, every test here skips with one line, unless
``PICODSC_REQUIRE_BROWSER=1`` (``.ci/run`` sets it): then they fail.

Fixtures: ``browser`` (one Chromium per session), ``portal`` (the service on a fake clock, served by
``picodsc serve`` — gunicorn, the real server — on a free port, plus the same database opened in the test
process to set up users and to check what changed), ``token`` (an emulated token: the real firmware
under MicroPython, seeded and imported into the service), ``page`` (a fresh browser context: no cookies).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REQUIRE_ENV = "PICODSC_REQUIRE_BROWSER"


def _missing():
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (`make test` installs it when run as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


def need_browser():
    reason = _missing()
    if reason:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1000, "height": 800})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


DOCS = Path(__file__).resolve().parents[2] / "docs"


def screenshot(page, name):
    """A screenshot for the README (docs/portal-<name>.png), full page."""
    page.screenshot(path=str(DOCS / f"portal-{name}.png"), full_page=True)
