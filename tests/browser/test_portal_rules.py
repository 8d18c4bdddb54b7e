"""The portal's rules in Chromium against `picodsc serve`: CSRF, portal-only access, the online card
(downloaded as PNG and PDF, its values read off the files log in), session timeouts, security headers."""

import re

from card_reader import read_pdf, read_png
from portal_steps import COOKIE, cookie, log_in_with_passcode, log_in_with_token

HOUR = 3600
DAY = 24 * HOUR




def test_post_without_csrf_token_is_400_and_changes_nothing(page, context, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    before = portal.snapshot()
    for path, form in (
        ("/withdraw", {"amount": "10"}),
        ("/security/sls", {"participate": "no"}),
        ("/logout", {}),
        ("/login", {"username": u.name, "password": u.password}),
    ):
        r = context.request.post(portal.base + path, form=form, max_redirects=0)
        assert r.status == 400, path
        assert "This form has expired" in r.text()
        r = context.request.post(portal.base + path, form={**form, "csrf_token": "A" * 43}, max_redirects=0)
        assert r.status == 400, path
    assert portal.snapshot() == before
    page.goto(portal.base + "/")
    assert page.locator("h1").inner_text() == f"Welcome, {u.name}"  # still logged in: logout was refused


def test_temporary_passcode_portal_only_after_two_days_cannot_withdraw(page, context, portal, make_user):
    u = make_user()
    passcode = portal.service.issue_temp_passcode(u.name)
    assert re.fullmatch(r"[A-Z0-9]+", passcode)
    portal.advance(2 * DAY + 1)  # past the 2 days of full access
    try:
        log_in_with_passcode(page, portal, u, passcode)
        assert page.url == portal.base + "/"
        assert page.locator(".panel.warn h2").inner_text() == "Portal-only access"
        assert page.locator("#credential").inner_text() == "Temporary passcode"
        assert page.locator("nav >> text=Withdraw").count() == 0
        page.goto(portal.base + "/card")  # the first view makes the card
        before = portal.snapshot()
        r = page.goto(portal.base + "/withdraw")
        assert r.status == 403
        assert page.locator("h1").inner_text() == "Portal-only access"
        assert "opens only the online security code card pages" in page.locator("#reason").inner_text()
        page.click("text=Go to your security code card")
        assert page.url == portal.base + "/card"
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.content()).group(1)
        r = context.request.post(
            portal.base + "/withdraw", form={"amount": "10", "csrf_token": token}, max_redirects=0
        )
        assert r.status == 403 and "Portal-only access" in r.text()
        for path in ("/security", "/security/replacement", "/security/sharing", "/security/sls"):
            assert page.goto(portal.base + path).status == 403, path
        assert portal.snapshot() == before
    finally:
        portal.advance(-(2 * DAY + 1))


def test_card_png_and_pdf_downloads_read_back_activate_and_log_in(
    page, context, portal, make_user, screenshot
):
    u = make_user(name="carol")
    log_in_with_passcode(page, portal, u, portal.service.issue_temp_passcode(u.name))
    assert page.locator("#access").inner_text() == "Full (portal and trading)"
    page.click("nav >> text=Security code card")
    rows = page.locator("#card tbody th").all_inner_texts()
    cols = page.locator("#card thead th").all_inner_texts()
    code_len = len(page.locator("#card tbody td").first.inner_text())
    with page.expect_download() as png_dl:
        page.click("text=Download PNG")
    with page.expect_download() as pdf_dl:
        page.click("text=Download PDF")
    assert png_dl.value.suggested_filename == "security-code-card.png"
    png_codes = read_png(open(png_dl.value.path(), "rb").read(), rows, cols, code_len)
    pdf_codes = read_pdf(open(pdf_dl.value.path(), "rb").read(), rows, cols)
    assert png_codes == pdf_codes and len(png_codes) == len(rows) * len(cols)
    screenshot(page, "card")

    first, second = (
        page.locator(f"label[for={n}]").inner_text().removeprefix("Code at ") for n in ("first", "second")
    )
    page.fill("input[name=first]", png_codes[first])
    page.fill("input[name=second]", png_codes[second])
    page.click("button:has-text('Activate')")
    assert page.locator(".banner.ok").inner_text() == "Your online security code card is active."
    page.click("button:has-text('Log out')")

    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    a, b = page.locator("#position-1").inner_text(), page.locator("#position-2").inner_text()
    assert a != b
    page.fill("input[name=answer]", png_codes[a] + png_codes[b])
    page.click("button:has-text('Log in')")
    assert page.url == portal.base + "/"
    assert page.locator("#credential").inner_text() == "Online security code card"
    assert page.locator("#access").inner_text() == "Full (portal and trading)"


def test_idle_timeout_ends_the_session(page, context, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    start = portal.now
    try:
        portal.advance(15 * 60 - 1)
        page.goto(portal.base + "/")
        assert page.url == portal.base + "/"  # touched: idle counts from here
        portal.advance(15 * 60 + 1)
        page.goto(portal.base + "/")
        assert page.url == portal.base + "/login?ended=session"
        assert "Your session has ended." in page.locator(".banner").inner_text()
        assert cookie(context)["value"].startswith("a:")
    finally:
        portal.set_time(start)


def test_security_headers_on_every_page(page, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    for path in ("/", "/card", "/withdraw", "/security", "/login"):
        r = page.goto(portal.base + path)
        h = r.headers
        assert h["cache-control"] == "no-store", path
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src" not in h["content-security-policy"]  # default-src 'none': no script at all
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
    assert COOKIE.startswith("__Host-")
