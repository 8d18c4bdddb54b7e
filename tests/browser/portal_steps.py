"""Steps the browser tests share: log in (token, passcode), the portal's cookie."""

import re

COOKIE = "__Host-picodsc_portal"


def cookie(context):
    found = [c for c in context.cookies() if c["name"] == COOKIE]
    assert len(found) == 1, context.cookies()
    return found[0]


def log_in_with_token(page, portal, u, screenshot=None):
    page.goto(portal.base + "/login")
    if screenshot:
        screenshot(page, "login")
    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    challenge = page.locator("#challenge").inner_text()
    assert re.fullmatch(r"[0-9]{6}", challenge)
    field = page.locator("input[name=answer]")
    assert field.get_attribute("inputmode") == "numeric"
    assert field.get_attribute("autocomplete") == "off"
    assert field.get_attribute("maxlength") == "8"
    if screenshot:
        screenshot(page, "challenge")
    page.fill("input[name=answer]", u.token.respond(challenge))
    page.click("button:has-text('Log in')")
    return challenge


def log_in_with_passcode(page, portal, u, passcode):
    page.goto(portal.base + "/login")
    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    assert page.locator("label[for=answer]").inner_text() == "Temporary passcode"
    page.fill("input[name=answer]", passcode)
    page.click("button:has-text('Log in')")
