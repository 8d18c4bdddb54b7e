"""The SLS pages in Chromium against `picodsc serve`, with emulated tokens answering: reactivation
(temporary credentials void, their session ended), replacement request, device sharing (approved,
`Less secure device`), opt-out/in by the primary user only, a keyboard-only login, phone width."""

import re

from playwright.sync_api import expect
from portal_steps import log_in_with_passcode, log_in_with_token

DSC = "OCRA-1:HOTP-SHA256-8:QN06"  # no PIN: a DSC, one level below the DSC+


def log_in_with_password_only(page, portal, u):
    page.goto(portal.base + "/login")
    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    assert page.url == portal.base + "/"


def test_reactivation_voids_the_passcode_and_ends_its_session(page, portal, make_user):
    u = make_user()
    passcode = portal.service.issue_temp_passcode(u.name)
    log_in_with_passcode(page, portal, u, passcode)
    assert page.locator("#credential").inner_text() == "Temporary passcode"
    page.goto(portal.base + "/security/reactivate")
    page.fill("input[name=answer]", u.token.respond(page.locator("#challenge").inner_text()))
    page.click("button:has-text('Reactivate')")
    assert page.url == portal.base + "/login?ended=reactivated"
    assert "Your security device is active again" in page.locator(".banner").inner_text()

    page.fill("input[name=username]", u.name)  # the passcode no longer works: the token is asked
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    assert page.locator("#challenge").count() == 1
    page.fill("input[name=answer]", u.token.respond(page.locator("#challenge").inner_text()))
    page.click("button:has-text('Log in')")
    assert page.locator("#credential").inner_text() == "Digital Security Card+ (token with PIN)"


def test_a_wrong_reactivation_answer_changes_nothing(page, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    page.goto(portal.base + "/security/reactivate")
    challenge = page.locator("#challenge").inner_text()
    right = u.token.respond(challenge)
    page.fill("input[name=answer]", f"{(int(right) + 1) % 10**8:08d}")
    page.click("button:has-text('Reactivate')")
    assert "not accepted: nothing was changed" in page.locator(".banner").inner_text()
    assert page.locator("#challenge").inner_text() != challenge  # a fresh challenge to answer


def test_replacement_request_shows_the_estimated_auto_activation(page, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    page.click("nav >> text=Secure Login System")
    page.click("a:has-text('Request a replacement')")
    page.fill("input[name=pin]", "1234")
    page.fill("input[name=pin_confirm]", "1234")
    page.click("button:has-text('Request the replacement')")
    assert page.locator("#pin-error").inner_text()  # a weak PIN: the domain's policy, at the field
    page.fill("input[name=pin]", "5820")
    page.fill("input[name=pin_confirm]", "5820")
    page.click("button:has-text('Request the replacement')")
    assert page.locator("#status").inner_text() == "requested"
    assert re.fullmatch(
        r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d\d:\d\d E[SD]T", page.locator("#auto-activation").inner_text()
    )
    info = portal.service.user_info(u.name).replacement
    assert info is not None and info.status == "requested"


def test_sharing_approved_in_one_account_then_login_with_the_owners_token(page, portal, make_user):
    owner = make_user()
    requester = make_user(token=False, account=f"ACC{owner.name}", primary=False)
    log_in_with_password_only(page, portal, requester)  # no device yet: the password alone
    page.goto(portal.base + "/security/sharing")
    page.fill("input[name=owner]", owner.name)
    page.click("button:has-text('Share the device')")
    assert page.locator(".banner.ok").inner_text().startswith("Approved")
    page.click("button:has-text('Log out')")
    page.fill("input[name=username]", requester.name)
    page.fill("input[name=password]", requester.password)
    page.click("button:has-text('Log in')")
    page.fill("input[name=answer]", owner.token.respond(page.locator("#challenge").inner_text()))
    page.click("button:has-text('Log in')")
    assert page.locator("h1").inner_text() == f"Welcome, {requester.name}"


def test_sharing_a_less_secure_device_is_refused(page, portal, make_user):
    owner = make_user(suite=DSC)
    requester = make_user(account=f"ACC{owner.name}", primary=False)  # holds a DSC+
    log_in_with_token(page, portal, requester)
    page.goto(portal.base + "/security/sharing")
    before = portal.snapshot()
    page.fill("input[name=owner]", owner.name)
    page.click("button:has-text('Share the device')")
    assert page.locator("#owner-error").inner_text() == (
        "Less secure device: pick the user holding the most secure device."
    )
    assert portal.snapshot() == before


def test_opt_out_and_in_by_the_primary_user_only(page, context, portal, make_user):
    primary = make_user()
    other = make_user(account=f"ACC{primary.name}", primary=False)
    log_in_with_token(page, portal, other)
    page.goto(portal.base + "/security/sls")
    assert page.locator("#not-primary").is_visible()
    page.click("button:has-text('Opt out')")
    assert f"log in as user {primary.name}" in page.locator(".banner.error").inner_text()
    assert page.locator("#sls-status").inner_text() == "participating"
    page.click("button:has-text('Log out')")

    log_in_with_token(page, portal, primary)
    page.goto(portal.base + "/security/sls")
    page.click("button:has-text('Opt out')")
    assert page.locator("#sls-status").inner_text() == "opted out"
    page.click("button:has-text('Opt back in')")
    assert page.locator("#sls-status").inner_text() == "participating"


def test_keyboard_only_login(page, portal, make_user):
    u = make_user()
    page.goto(portal.base + "/login")
    expect(page.locator("input[name=username]")).to_be_focused()  # autofocus: type at once
    page.keyboard.type(u.name)
    page.keyboard.press("Tab")
    page.keyboard.type(u.password)
    page.keyboard.press("Enter")
    challenge = page.locator("#challenge").inner_text()
    expect(page.locator("input[name=answer]")).to_be_focused()
    page.keyboard.type(u.token.respond(challenge))
    page.keyboard.press("Enter")
    page.wait_for_url(portal.base + "/")
    page.keyboard.press("Tab")  # every control is reachable: links and buttons, in order
    names = []
    for _ in range(8):
        names.append(page.evaluate("document.activeElement.textContent.trim()"))
        page.keyboard.press("Tab")
    assert names[:5] == [
        "picodsc Client Portal",
        "Home",
        "Security code card",
        "Withdraw",
        "Secure Login System",
    ]
    assert "Log out" in names


def test_pages_fit_a_phone_width(browser, portal, make_user):
    u = make_user()
    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = ctx.new_page()
        page.goto(portal.base + "/login")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        log_in_with_token(page, portal, u)
        for path in ("/", "/withdraw", "/security", "/security/replacement"):
            page.goto(portal.base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    finally:
        ctx.close()


def test_a_withdrawal_over_the_limit_is_refused_naming_the_limit(page, portal, make_user):
    u = make_user(suite=DSC)  # a DSC: 1M USD a day, 1.5M over 5 business days
    log_in_with_token(page, portal, u)
    assert page.locator("#credential").inner_text() == "Digital Security Card (token)"
    page.goto(portal.base + "/withdraw")
    page.fill("input[name=amount]", "1000000.01")
    page.click("button:has-text('Continue')")
    page.fill("input[name=answer]", u.token.respond(page.locator("#challenge").inner_text()))
    before = portal.snapshot()
    page.click("button:has-text('Confirm withdrawal')")
    assert page.locator(".banner.error").inner_text() == (
        "Refused: the Digital Security Card limit allows 1,000,000.00 USD per day; "
        "1,000,000.00 USD is left. Nothing was withdrawn."
    )
    after = portal.snapshot()
    assert after["withdrawals"] == before["withdrawals"]
