"""The end-to-end login a reviewer looks for first, in Chromium against `picodsc serve`.

The browser logs in with user name and password; the test reads the challenge off the page, types
PIN and challenge on the emulated token (the real firmware under MicroPython), reads the response off
its decoded OLED screen and types it into the page: home. Then a withdrawal confirmed with a fresh
device answer (step-up), then logout — and the back button does not bring the session back.
Along the way: the cookie's flags, and a new session id after each step.
"""


from portal_steps import COOKIE, cookie, log_in_with_token


def test_login_with_the_emulated_token_withdraw_with_step_up_logout(page, context, portal, make_user):
    u = make_user()
    page.goto(portal.base + "/login")
    first = cookie(context)
    assert (first["httpOnly"], first["secure"], first["sameSite"], first["path"]) == (
        True,
        True,
        "Strict",
        "/",
    )
    assert first["value"].startswith("a:")

    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    challenge = page.locator("#challenge").inner_text()
    after_password = cookie(context)
    assert after_password["value"].startswith("t:") and after_password["value"] != first["value"]

    response = u.token.respond(challenge)  # keys on the emulated token, digits off its screen
    page.fill("input[name=answer]", response)
    page.click("button:has-text('Log in')")
    assert page.url == portal.base + "/"
    assert page.locator("h1").inner_text() == f"Welcome, {u.name}"
    assert page.locator("#credential").inner_text() == "Digital Security Card+ (token with PIN)"
    session = cookie(context)
    assert session["value"].startswith("s:") and session["value"] not in (
        first["value"],
        after_password["value"],
    )
    assert (session["httpOnly"], session["secure"], session["sameSite"]) == (True, True, "Strict")

    # withdrawal: amount, then a fresh device answer
    page.click("nav >> text=Withdraw")
    page.fill("input[name=amount]", "2500.50")
    page.click("button:has-text('Continue')")
    assert page.locator("#confirm-amount").inner_text() == "2,500.50 USD"
    step_up = page.locator("#challenge").inner_text()
    assert step_up != challenge
    page.fill("input[name=answer]", u.token.respond(step_up))
    page.click("button:has-text('Confirm withdrawal')")
    assert page.locator("#done").inner_text() == "Withdrawal of 2,500.50 USD accepted."
    stepped = cookie(context)
    assert stepped["value"].startswith("s:") and stepped["value"] != session["value"]  # rotated after step-up
    page.goto(portal.base + "/")
    assert page.locator("#left-1").inner_text() == "Unlimited"  # DSC+: the seed's table

    # logout, then the back button
    page.click("button:has-text('Log out')")
    assert page.url == portal.base + "/login?ended=logout"
    assert "You have logged out." in page.locator(".banner").inner_text()
    page.go_back()
    assert page.url.startswith(portal.base + "/login")
    assert "Welcome" not in page.content()
    # the old session id is dead on the server too, not only forgotten by the browser
    context.add_cookies(
        [
            {
                "name": COOKIE,
                "value": stepped["value"],
                "domain": "127.0.0.1",
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )
    page.goto(portal.base + "/")
    assert page.url == portal.base + "/login?ended=session"


def test_screenshots_for_the_readme(page, portal, make_user, screenshot):
    u = make_user(name="alice")
    log_in_with_token(page, portal, u, screenshot=screenshot)
    assert page.url == portal.base + "/"
    screenshot(page, "home")
