"""Browser tests: Playwright (Python) driving Debian's Chromium against the Client Portal.

Chromium is ``/usr/bin/chromium`` (package ``chromium``; ``make test`` installs it when missing and
running as root). Without it, or without Playwright, every test here skips with one line, unless
``PICODSC_REQUIRE_BROWSER=1`` (``.ci/run`` sets it): then they fail.

Fixtures: ``browser`` (one Chromium per session), ``portal`` (the service on a fake clock, served by
``picodsc serve`` — gunicorn, the real server — on a free port, plus the same database opened in the test
process to set up users and to check what changed), ``token`` (an emulated token: the real firmware
under MicroPython, seeded and imported into the service), ``page`` (a fresh browser context: no cookies).
"""

import itertools
import os
import sqlite3
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1] / "api")]  # helpers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
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
SHOTS_ENV = "PICODSC_SCREENSHOTS"  # `make screenshots` sets it: then the README's pictures are rewritten


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(page, name)``: the whole page as PNG, into docs/portal-<name>.png under
    ``make screenshots``, else into the test's temporary directory (a test run leaves docs/ alone)."""
    where = DOCS if os.environ.get(SHOTS_ENV) == "1" else tmp_path

    def shoot(page, name):
        path = where / f"portal-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        return path

    return shoot


# --- the portal under `picodsc serve` ----------------------------------------------------------------
T0 = 1_780_000_000  # 2026-05-28 20:26:40 UTC, a Thursday


class Portal:
    """A running ``picodsc serve`` (tests/api's process helper) on a fake clock, and the same database
    opened here (to set up users and to look at what changed)."""

    def __init__(self, tmp):
        from api_server import Server
        from picodsc.sls import FileClock, Service

        self.dir = tmp
        self.clock_file = tmp / "now"
        self.set_time(T0)
        self.db = tmp / "sls.sqlite3"
        self.url = f"sqlite:///{self.db}"
        self.key = tmp / "picodsc.key"
        env = dict(os.environ, PICODSC_TESTING="1", PICODSC_KEY_FILE=str(self.key))
        env.pop("PICODSC_PORTAL_INSECURE_LOCALHOST", None)  # the real cookie flags
        self.service = Service.open(self.url, clock=FileClock(self.clock_file), key_file=self.key)
        self.server = Server(
            self.url,
            workers=2,
            fake_clock=self.clock_file,
            env=env,
            log=tmp / "serve.log",
            extra=("--maintenance-every", "0"),
        )
        try:
            self.server.start()
        except Exception:
            self.service.close()
            raise
        self.base = f"http://127.0.0.1:{self.server.port}"

    def set_time(self, t):
        self.now = t
        self.clock_file.write_text(str(t))

    def advance(self, seconds):
        self.set_time(self.now + seconds)

    def snapshot(self):
        """Every row of every table (what "nothing changed in the database" compares)."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"'))) for t in tables}
        finally:
            con.close()

    def server_log(self):
        return self.server.log_text()

    def close(self):
        self.server.stop()
        self.service.close()


@pytest.fixture(scope="session")
def portal(tmp_path_factory):
    """One server for all browser tests (users are new in each test; a test that moves the clock
    moves it back)."""
    need_browser()
    p = Portal(tmp_path_factory.mktemp("portal"))
    yield p
    p.close()


_users = itertools.count(1)


@pytest.fixture
def make_user(portal, tmp_path):
    """``make_user(token=True)`` -> a new primary user (own account), with its own emulated token
    (the real firmware, seeded and imported: ``Service.import_pskc`` + ``assign_device``) or none;
    ``suite`` without ``P`` makes a DSC (no PIN) instead of a DSC+."""
    from emulated_token import EmulatedToken
    from picodsc.ocra import DEFAULT_SUITE

    made = []

    def make(token=True, account=None, name=None, primary=True, suite=DEFAULT_SUITE):
        name, password = name or f"user{next(_users)}", "correct horse battery staple"
        portal.service.add_user(name, account=account or f"ACC{name}", password=password, primary=primary)
        tok = None
        if token:
            tok = EmulatedToken(tmp_path / f"{name}.img", suite=suite)
            made.append(tok)
            portal.service.import_pskc(tok.pskc, pin=tok.pin)
            portal.service.assign_device(name, tok.serial)
        return SimpleNamespace(name=name, password=password, token=tok)

    yield make
    for tok in made:
        tok.close()
