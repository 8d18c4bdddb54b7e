"""A catalogue of bad input for every form of the portal, typed into Chromium against `picodsc serve`:
over-long fields, unicode digits, spaces, HTML/script in names, missing fields, replayed forms. Each
gets a clear message next to its field (or on the page), never a 5xx, and the database is unchanged
(every row of every table compared)."""

import re

import pytest
from portal_steps import log_in_with_token

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
OVER_LONG = "a" * 5000


def fill(page, field, value):
    """Type ``value`` into ``field`` as a user would, past the field's maxlength (servers see such posts)."""
    loc = page.locator(f"input[name={field}]")
    loc.evaluate("e => e.removeAttribute('maxlength')")
    loc.fill(value)


def submit(page, button):
    """Click ``button``; returns the HTTP status of the page it led to."""
    with page.expect_navigation() as nav:
        page.click(f"button:has-text('{button}')")
    return nav.value.status


def field_error(page, field):
    return page.locator(f"#{field}-error").inner_text()


def no_markup_from_input(page):
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0


LOGIN_CASES = [
    (
        {"username": OVER_LONG, "password": "x"},
        "username",
        400,
        "Too long: the user name has at most 64 characters.",
    ),
    (
        {"username": "١٢٣", "password": "x"},
        "username",
        400,
        "BAD CHARACTER: letters and digits only, no spaces or symbols.",
    ),
    (
        {"username": "ali ce", "password": "x"},
        "username",
        400,
        "BAD CHARACTER: letters and digits only, no spaces or symbols.",
    ),
    (
        {"username": SCRIPT, "password": "x"},
        "username",
        400,
        "BAD CHARACTER: letters and digits only, no spaces or symbols.",
    ),
    ({"username": "", "password": "x"}, "username", 400, "Enter your user name."),
    ({"username": "bob", "password": ""}, "password", 400, "Enter your password."),
    (
        {"username": "bob", "password": OVER_LONG},
        "password",
        400,
        "Too long: the password has at most 1024 characters.",
    ),
]


def test_login_form(page, portal):
    page.goto(portal.base + "/login")
    before = portal.snapshot()
    for form, field, status, message in LOGIN_CASES:
        for name, value in form.items():
            fill(page, name, value)
        assert submit(page, "Log in") == status, form
        assert field_error(page, field) == message
        no_markup_from_input(page)
    assert portal.snapshot() == before


ANSWER_CASES = [
    ("1234 5678", "No spaces: type the code as one run of characters."),
    ("١٢٣٤٥٦٧٨", "Only the digits 0-9."),
    ("", "Enter your code."),
    (OVER_LONG, "Too long: the code has at most 64 characters."),
    ("<b>1234</b>", "Type the 8 digits your token shows (digits 0-9 only)."),
    ("1234567", "Type the 8 digits your token shows (digits 0-9 only)."),
]


def test_answer_form(page, portal, make_user):
    u = make_user()
    page.goto(portal.base + "/login")
    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    challenge = page.locator("#challenge").inner_text()
    before = portal.snapshot()
    for value, message in ANSWER_CASES:
        fill(page, "answer", value)
        assert submit(page, "Log in") == 400, value
        assert field_error(page, "answer") == message
        assert page.locator("#challenge").inner_text() == challenge  # the same step, nothing used up
        no_markup_from_input(page)
    assert portal.snapshot() == before
    page.fill("input[name=answer]", u.token.respond(challenge))  # and the right answer still works
    page.click("button:has-text('Log in')")
    assert page.url == portal.base + "/"


@pytest.fixture
def logged_in(page, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    assert page.url == portal.base + "/"
    return u


AMOUNT = "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."


AMOUNT_CASES = [
    ("1,000", AMOUNT),
    ("١٠٠", AMOUNT),
    (" 100", AMOUNT),
    ("12.345", AMOUNT),
    ("<b>1</b>", AMOUNT),
    ("-5", AMOUNT),
    ("", "Enter your amount."),
    ("0", "The amount must be more than zero."),
    (OVER_LONG, "Too long: the amount has at most 20 characters."),
]


def test_withdraw_form(page, portal, logged_in):
    page.goto(portal.base + "/withdraw")
    before = portal.snapshot()
    for value, message in AMOUNT_CASES:
        fill(page, "amount", value)
        assert submit(page, "Continue") == 400, value
        assert field_error(page, "amount") == message
        no_markup_from_input(page)
    assert portal.snapshot() == before


def test_replacement_form(page, portal, logged_in):
    page.goto(portal.base + "/security/replacement")
    before = portal.snapshot()
    for pin, again, field, message in (
        ("12a4", "12a4", "pin", "The PIN is exactly 4 digits (0-9)."),
        ("١٢٣٤", "١٢٣٤", "pin", "The PIN is exactly 4 digits (0-9)."),
        ("12 4", "12 4", "pin", "The PIN is exactly 4 digits (0-9)."),
        ("", "", "pin", "Enter your PIN."),
        ("40711", "40711", "pin", "Too long: the PIN has at most 4 characters."),
        ("4071", "4072", "pin_confirm", "The two PINs differ: type the same 4 digits twice."),
        ("4071", "", "pin_confirm", "The two PINs differ: type the same 4 digits twice."),
    ):
        fill(page, "pin", pin)
        fill(page, "pin_confirm", again)
        assert submit(page, "Request the replacement") == 400
        assert field_error(page, field) == message
    assert portal.snapshot() == before


def test_sharing_form(page, portal, logged_in):
    page.goto(portal.base + "/security/sharing")
    before = portal.snapshot()
    for owner, message in (
        (IMG, "BAD CHARACTER: letters and digits only."),
        (SCRIPT, "BAD CHARACTER: letters and digits only."),
        ("ow ner", "BAD CHARACTER: letters and digits only."),
        ("", "Enter your device owner's user name."),
        (OVER_LONG, "Too long: the device owner's user name has at most 64 characters."),
    ):
        fill(page, "owner", owner)
        assert submit(page, "Share the device") == 400, owner
        assert field_error(page, "owner") == message
        no_markup_from_input(page)
    assert portal.snapshot() == before


def test_card_activation_form(page, portal, make_user):
    u = make_user()
    log_in_with_token(page, portal, u)
    portal.service.issue_temp_passcode(u.name)  # the card comes with the temporary credentials
    page.goto(portal.base + "/card")
    assert page.locator("input[name=first]").count() == 1
    before = portal.snapshot()
    for first, second in (("A B", "ABC"), (SCRIPT, "ABC"), ("", ""), (OVER_LONG, "ABC"), ("١٢٣", "ABC")):
        fill(page, "first", first)
        fill(page, "second", second)
        assert submit(page, "Activate") == 400
        assert field_error(page, "first")
        no_markup_from_input(page)
    assert portal.snapshot() == before


def test_replayed_forms_are_refused_and_change_nothing(page, context, portal, logged_in):
    u = logged_in
    page.goto(portal.base + "/withdraw")
    page.fill("input[name=amount]", "100")
    page.click("button:has-text('Continue')")
    page.fill("input[name=answer]", u.token.respond(page.locator("#challenge").inner_text()))
    form = {
        n: page.locator(f"#main input[name={n}]").input_value()
        for n in ("csrf_token", "transaction", "amount_cents", "method", "answer")
    }
    page.click("button:has-text('Confirm withdrawal')")
    assert page.locator("#done").is_visible()
    before = portal.snapshot()
    r = context.request.post(portal.base + "/withdraw/confirm", form=form, max_redirects=0)
    assert r.status == 400 and "This form has expired" in r.text()
    assert portal.snapshot() == before

    # the login answer replayed after the login: refused too
    page.click("button:has-text('Log out')")
    page.fill("input[name=username]", u.name)
    page.fill("input[name=password]", u.password)
    page.click("button:has-text('Log in')")
    page.fill("input[name=answer]", u.token.respond(page.locator("#challenge").inner_text()))
    form = {n: page.locator(f"#main input[name={n}]").input_value() for n in ("csrf_token", "answer")}
    page.click("button:has-text('Log in')")
    assert page.url == portal.base + "/"
    before = portal.snapshot()
    r = context.request.post(portal.base + "/login/answer", form=form, max_redirects=0)
    assert r.status == 400
    assert portal.snapshot() == before
    assert re.search(r"Welcome, " + u.name, page.content())
