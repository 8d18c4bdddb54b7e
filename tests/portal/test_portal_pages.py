"""The Client Portal's HTTP layer alone (web/portal.py) with a stand-in service (tests/api/api_stub.py).

What is checked here needs no browser and no database: CSRF on every form, the cookie and its flags,
security headers, format errors that never reach the service, and the one mapping of domain errors to
pages (the seed's messages and hints, status codes). The real service behind a real browser:
tests/browser/.
"""

import re
import sys
from pathlib import Path

import pytest
from picodsc.sls import errors as E
from picodsc.sls.views import (
    CardView,
    Limits,
    LoginStep,
    MeView,
    Notice,
    Prompt,
    ReplacementInfo,
    SessionGrant,
    SessionView,
    SharingRequest,
)
from picodsc.web import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from api_stub import StubService  # noqa: E402

HTTPS = "https://127.0.0.1"
COOKIE = "__Host-picodsc_portal"
NOW = 1_780_000_000.0
LIMITS = Limits(
    level="Digital Security Card+",
    day_cents=None,
    five_day_cents=None,
    used_day_cents=250_050,
    used_five_day_cents=250_050,
    left_day_cents=None,
    left_five_day_cents=None,
)
DSC_LIMITS = Limits(
    level="Digital Security Card",
    day_cents=100_000_000,
    five_day_cents=150_000_000,
    used_day_cents=0,
    used_five_day_cents=0,
    left_day_cents=100_000_000,
    left_five_day_cents=150_000_000,
)


def session_view(access="full", credential="token-dsc+"):
    return SessionView(
        username="alice",
        access=access,
        credential=credential,
        level="Digital Security Card+",
        created_at=NOW,
        expires_at=NOW + 900,
        fresh_until=0,
    )


def me_view(access="full", credential="token-dsc+", limits=LIMITS, **kw):
    fields = dict(
        username="alice",
        account="ACC1",
        primary=True,
        participating=True,
        access=access,
        credential=credential,
        level=limits.level,
        full_until=None,
        portal_until=None,
        limits=limits,
    )
    fields.update(kw)
    return MeView(**fields)


GRANT = SessionGrant(
    token="S" * 43, access="full", username="alice", credential="token-dsc+", expires_at=NOW + 900
)
STEP = LoginStep(transaction="T" * 43, method="token", challenge="123456")
PROMPT = Prompt(transaction="P" * 43, method="token", challenge="654321")
CARD = CardView(
    rows=tuple("ABCDEF"),
    cols=tuple("123456"),
    grid=tuple(tuple(f"{r}{c}Q" for c in "123456") for r in "ABCDEF"),
    status="new",
    activation_positions=("B2", "E5"),
)


def csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def errors(html):
    return [m for m in re.findall(r'<p class="error"[^>]*>([^<]*)</p>', html) if m]


def banner(html):
    m = re.search(r'<div class="banner [a-z]+" role="[a-z]+">([^<]*)</div>', html)
    return m.group(1) if m else None


class Browser:
    """A test client that keeps the cookie and the last page's CSRF token, like a browser."""

    def __init__(self, service, config=None, base=HTTPS):
        self.service = service
        self.app = create_app(service, testing=True)
        self.app.config.update(config or {})
        self.client = self.app.test_client()
        self.base = base
        self.token = None

    def get(self, path):
        r = self.client.get(path, base_url=self.base)
        if r.mimetype == "text/html" and "csrf_token" in r.text:
            self.token = csrf(r.text)
        return r

    def post(self, path, data, token=True):
        data = dict(data)
        if token:
            data.setdefault("csrf_token", self.token)
        r = self.client.post(path, data=data, base_url=self.base)
        if "csrf_token" in r.text:
            self.token = csrf(r.text)
        return r

    def cookie(self):
        host = self.base.split("://")[1].split(":")[0]
        c = self.client.get_cookie(COOKIE, domain=host) or self.client.get_cookie(
            "picodsc_portal", domain=host
        )
        return c.value if c else None

    def calls(self):
        return [name for name, _, _ in self.service.calls]


def logged_in(service=None, **results):
    service = service or StubService(
        **{
            "login_password": STEP,
            "login_answer": GRANT,
            "session": session_view(),
            "me": me_view(),
            **results,
        }
    )
    b = Browser(service)
    b.get("/login")
    b.post("/login", {"username": "alice", "password": "pw"})
    b.post("/login/answer", {"answer": "12345678"})
    assert b.cookie() == "s:" + GRANT.token
    b.get("/")  # where the redirect goes: its forms carry the session's CSRF token
    service.calls.clear()
    return b


# --- cookie, CSRF, headers -------------------------------------------------------------------------------
def test_login_page_cookie_flags_and_headers():
    b = Browser(StubService())
    r = b.get("/login")
    assert r.status_code == 200
    set_cookie = r.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=a:")
    assert {"Secure", "HttpOnly", "Path=/", "SameSite=Strict"} <= {p.strip() for p in set_cookie.split(";")}
    assert "Max-Age" not in set_cookie and "Domain" not in set_cookie
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "<script" not in r.text and not re.search(r"\son[a-z]+=", r.text)  # no script, no handlers
    for name in ("username", "password"):
        assert re.search(rf'<label for="{name}">', r.text) and f'name="{name}"' in r.text
    assert b.calls() == []


def test_the_session_id_changes_at_each_step():
    b = Browser(StubService(login_password=STEP, login_answer=GRANT, session=session_view(), me=me_view()))
    b.get("/login")
    anonymous = b.cookie()
    r = b.post("/login", {"username": "alice", "password": "pw"})
    assert r.status_code == 200 and "123456" in r.text and 'inputmode="numeric"' in r.text
    between = b.cookie()
    assert between.startswith("t:" + STEP.transaction) and between != anonymous
    r = b.post("/login/answer", {"answer": "12345678"})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert b.cookie() == "s:" + GRANT.token
    assert b.service.calls[-1] == ("login_answer", (STEP.transaction, "12345678"), {"address": "127.0.0.1"})


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/login/answer",
        "/logout",
        "/withdraw",
        "/withdraw/confirm",
        "/card/activate",
        "/security/reactivate",
        "/security/replacement",
        "/security/sharing",
        "/security/sls",
    ],
)
@pytest.mark.parametrize("token", [None, "", "forged", "x" * 500])
def test_post_without_a_valid_csrf_token_is_400_and_calls_nothing(path, token):
    b = logged_in()
    data = {"username": "alice", "password": "pw", "answer": "12345678", "amount": "10"}
    if token is not None:
        data["csrf_token"] = token
    r = b.post(path, data, token=False)
    assert r.status_code == 400
    assert "This form has expired" in r.text and "Nothing was changed." in r.text
    assert b.calls() == []


def test_a_form_replayed_after_the_step_changed_is_refused():
    b = Browser(StubService(login_password=STEP, login_answer=GRANT, session=session_view(), me=me_view()))
    b.get("/login")
    old = b.token
    b.post("/login", {"username": "alice", "password": "pw"})
    b.service.calls.clear()
    r = b.post("/login", {"username": "alice", "password": "pw", "csrf_token": old})
    assert r.status_code == 400 and b.calls() == []


def test_plain_http_cookie_only_for_the_demo_on_loopback():
    demo = Browser(StubService(), {"PORTAL_INSECURE_LOCALHOST": True}, base="http://127.0.0.1:8000")
    r = demo.get("/login")
    assert r.headers["Set-Cookie"].startswith("picodsc_portal=a:") and "Secure" not in r.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in r.headers
    other_host = Browser(StubService(), {"PORTAL_INSECURE_LOCALHOST": True}, base="http://192.0.2.7:8000")
    assert "Secure" in other_host.get("/login").headers["Set-Cookie"]
    not_demo = Browser(StubService(), base="http://127.0.0.1:8000")
    assert "Secure" in not_demo.get("/login").headers["Set-Cookie"]


# --- login messages (the seed's) ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"password": "pw"}, "username", "Enter your user name."),
        ({"username": "", "password": "pw"}, "username", "Enter your user name."),
        ({"username": "alice"}, "password", "Enter your password."),
        (
            {"username": "a" * 65, "password": "pw"},
            "username",
            "Too long: the user name has at most 64 characters.",
        ),
        (
            {"username": "alice", "password": "p" * 1025},
            "password",
            "Too long: the password has at most 1024 characters.",
        ),
        (
            {"username": "al\x00ice", "password": "pw"},
            "username",
            "The user name cannot contain control characters.",
        ),
    ],
)
def test_login_format_errors_next_to_the_field_never_reach_the_service(form, field, message):
    b = Browser(StubService())
    b.get("/login")
    r = b.post("/login", form)
    assert r.status_code == 400
    assert errors(r.text) == [message]
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text)
    assert b.calls() == []


def test_bad_character_next_to_the_user_name():
    b = Browser(StubService(login_password=E.BadCharacter()))
    b.get("/login")
    r = b.post("/login", {"username": "<script>alert(1)</script>", "password": "pw"})
    assert r.status_code == 400
    assert errors(r.text) == ["BAD CHARACTER: letters and digits only, no spaces or symbols."]
    assert "<script>alert" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_invalid_combination_with_the_caps_lock_hint():
    b = Browser(StubService(login_password=E.InvalidCredentials()))
    b.get("/login")
    r = b.post("/login", {"username": "Alice", "password": "pw"})
    assert r.status_code == 401
    assert banner(r.text) == "Invalid user name password combination"
    assert "the user name is case sensitive and lower case" in r.text


def test_login_failed_with_the_seed_hints_and_a_fresh_start():
    b = Browser(StubService(login_password=STEP, login_answer=E.LoginFailed()))
    b.get("/login")
    b.post("/login", {"username": "alice", "password": "pw"})
    r = b.post("/login/answer", {"answer": "87654321"})
    assert r.status_code == 401 and banner(r.text) == "Login failed"
    assert "letters are upper case" in r.text and "there are no spaces between characters" in r.text
    assert b.cookie().startswith("a:")


def test_throttled_is_429_with_retry_after():
    b = Browser(StubService(login_password=E.Throttled(120, "login attempts")))
    b.get("/login")
    r = b.post("/login", {"username": "alice", "password": "pw"})
    assert r.status_code == 429 and r.headers["Retry-After"] == "120"
    assert "Try again in 120 seconds." in r.text


@pytest.mark.parametrize(
    "answer, message",
    [
        ("1234 5678", "No spaces: type the code as one run of characters."),
        ("١٢٣٤٥٦٧٨", "Only the digits 0-9."),
        ("１２３４５６７８", "Only the digits 0-9."),
        ("1234567", "Type the 8 digits your token shows (digits 0-9 only)."),
        ("123456789", "Type the 8 digits your token shows (digits 0-9 only)."),
        ("1234567a", "Type the 8 digits your token shows (digits 0-9 only)."),
        ("", "Enter your code."),
        ("9" * 65, "Too long: the code has at most 64 characters."),
    ],
)
def test_token_answer_format_errors_keep_the_challenge_and_call_nothing(answer, message):
    b = Browser(StubService(login_password=STEP))
    b.get("/login")
    b.post("/login", {"username": "alice", "password": "pw"})
    b.service.calls.clear()
    r = b.post("/login/answer", {"answer": answer})
    assert r.status_code == 400 and errors(r.text) == [message]
    assert '<output id="challenge">123456</output>' in r.text
    assert b.calls() == [] and b.cookie().startswith("t:")


def test_card_and_passcode_steps():
    card = LoginStep(transaction="T" * 43, method="card", positions=("B3", "F6"))
    b = Browser(StubService(login_password=card, login_answer=GRANT))
    b.get("/login")
    r = b.post("/login", {"username": "alice", "password": "pw"})
    assert '<output id="position-1">B3</output>' in r.text and '<output id="position-2">F6</output>' in r.text
    assert b.post("/login/answer", {"answer": "K7QM4P"}).status_code == 303
    passcode = LoginStep(transaction="T" * 43, method="passcode")
    b = Browser(StubService(login_password=passcode, login_answer=E.LoginFailed()))
    b.get("/login")
    r = b.post("/login", {"username": "alice", "password": "pw"})
    assert "Temporary passcode" in r.text
    r = b.post("/login/answer", {"answer": "abcd1234"})  # lower case: the domain says no, not the form
    assert r.status_code == 401 and b.service.calls[-1][1] == ("T" * 43, "abcd1234")


def test_opted_out_user_logs_in_with_the_password_alone():
    b = Browser(StubService(login_password=LoginStep(session=GRANT), session=session_view(), me=me_view()))
    b.get("/login")
    r = b.post("/login", {"username": "alice", "password": "pw"})
    assert r.status_code == 303 and b.cookie() == "s:" + GRANT.token


# --- pages after login ------------------------------------------------------------------------------------
def test_home_shows_credential_expiry_limits_and_notices():
    b = logged_in(
        StubService(
            login_password=STEP,
            login_answer=GRANT,
            session=session_view(credential="passcode"),
            me=me_view(
                credential="passcode",
                limits=DSC_LIMITS,
                full_until=NOW + 3600,
                portal_until=NOW + 12 * 86400,
                notices=(Notice("auto-activation", "Your device activates soon.", NOW),),
            ),
        )
    )
    r = b.get("/")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Temporary passcode" in r.text
    assert "Full access until" in r.text and "May 28, 2026 17:26 EDT" in r.text  # NOW + 1 h, New York
    assert "Portal-only access until" in r.text and "Jun 9, 2026 16:26 EDT" in r.text
    assert "1,000,000.00 USD" in r.text and "1,500,000.00 USD" in r.text
    assert "Your device activates soon." in r.text


def test_without_a_session_pages_go_to_login():
    b = Browser(StubService(session=E.SessionInvalid()))
    for path in ("/", "/card", "/card.png", "/withdraw", "/security", "/security/sls"):
        r = b.get(path)
        assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    b = logged_in()
    b.service.results["session"] = E.SessionInvalid("idle timeout")
    r = b.get("/")
    assert r.status_code == 303 and r.headers["Location"] == "/login?ended=session"
    assert b.cookie().startswith("a:")


def test_portal_only_reaches_the_card_pages_only():
    svc = StubService(
        login_password=STEP,
        login_answer=GRANT,
        session=session_view("portal-only", "passcode"),
        me=me_view("portal-only", "passcode"),
        card_view=CARD,
    )
    b = logged_in(svc)
    for path in ("/withdraw", "/security", "/security/replacement", "/security/sharing", "/security/sls"):
        r = b.get(path)
        assert r.status_code == 403, path
        assert "Portal-only access" in r.text and "activate it" in r.text
    r = b.post("/withdraw", {"amount": "10"})
    assert r.status_code == 403 and "withdraw" not in b.calls() and "step_up_start" not in b.calls()
    assert b.get("/card").status_code == 200
    assert b.get("/card.png").mimetype == "image/png"
    assert b.get("/card.pdf").mimetype == "application/pdf"
    assert "Portal-only access" in b.get("/").text


def test_card_page_and_activation():
    b = logged_in(card_view=CARD)
    r = b.get("/card")
    assert "Code at B2" in r.text and "Code at E5" in r.text and "<td>C4Q</td>" in r.text
    r = b.post("/card/activate", {"first": "B2Q", "second": "E5Q"})
    assert r.status_code == 200
    assert ("card_activate", ("S" * 43, {"B2": "B2Q", "E5": "E5Q"}), {}) in b.service.calls
    b.service.results["card_activate"] = E.LoginFailed()
    r = b.post("/card/activate", {"first": "B2Q", "second": "XXX"})
    assert r.status_code == 400 and "do not match the card" in r.text
    b.service.calls.clear()
    r = b.post("/card/activate", {"first": "B2 Q", "second": "<b>"})
    assert r.status_code == 400 and len(errors(r.text)) == 2 and "card_activate" not in b.calls()


@pytest.mark.parametrize(
    "amount, message",
    [
        ("", "Enter your amount."),
        ("0", "The amount must be more than zero."),
        ("1,000", "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."),
        ("12.345", "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."),
        ("-5", "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."),
        ("١٠٠", "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."),
        (" 100", "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."),
        ("9" * 21, "Too long: the amount has at most 20 characters."),
        ("1e6", "Type an amount in USD like 2500 or 2500.50 (digits only, no separators)."),
    ],
)
def test_withdraw_amount_errors_start_no_step_up(amount, message):
    b = logged_in()
    r = b.post("/withdraw", {"amount": amount})
    assert r.status_code == 400 and errors(r.text) == [message]
    assert "step_up_start" not in b.calls()


def test_withdraw_step_up_then_limit_message():
    b = logged_in(
        step_up_start=PROMPT,
        rotate_session="R" * 43,
        withdraw=E.LimitExceeded("Digital Security Card", "day", 100_000_000, 5_000),
    )
    r = b.post("/withdraw", {"amount": "1000000"})
    assert r.status_code == 200 and '<output id="challenge">654321</output>' in r.text
    r = b.post(
        "/withdraw/confirm",
        {
            "transaction": PROMPT.transaction,
            "amount_cents": "100000000",
            "method": "token",
            "answer": "11112222",
        },
    )
    assert r.status_code == 403
    assert banner(r.text) == (
        "Refused: the Digital Security Card limit allows 1,000,000.00 USD per day; "
        "50.00 USD is left. Nothing was withdrawn."
    )
    assert ("step_up_finish", ("S" * 43, PROMPT.transaction, "11112222"), {}) in b.service.calls
    assert ("withdraw", ("R" * 43, 100_000_000), {"require_fresh": True}) in b.service.calls
    assert b.cookie() == "s:" + "R" * 43


def test_sls_settings_name_the_primary_user():
    b = logged_in(me=me_view(primary=False))
    r = b.get("/security/sls")
    assert "Only the account's primary user can change the security settings." in r.text
    b.service.results["set_sls_participation"] = E.NotPrimaryUser("bob")
    r = b.post("/security/sls", {"participate": "no"})
    assert r.status_code == 403 and "log in as user bob" in r.text


def test_sharing_less_secure_device_and_pending():
    b = logged_in(request_sharing=E.LessSecureDevice())
    r = b.post("/security/sharing", {"owner": "bob"})
    assert r.status_code == 409
    assert errors(r.text) == ["Less secure device: pick the user holding the most secure device."]
    b.service.results["request_sharing"] = SharingRequest(1, "alice", "bob", "S1", "pending", NOW)
    r = b.post("/security/sharing", {"owner": "bob"})
    assert r.status_code == 200 and "Pending" in banner(r.text)


def test_replacement_pin_checks_and_estimate():
    b = logged_in(
        request_replacement=ReplacementInfo("alice", "requested", NOW, auto_activate_at=NOW + 30 * 86400)
    )
    for form, message in (
        ({"pin": "12a4", "pin_confirm": "12a4"}, "The PIN is exactly 4 digits (0-9)."),
        ({"pin": "4071", "pin_confirm": "4072"}, "The two PINs differ: type the same 4 digits twice."),
        ({"pin": "١٢٣٤", "pin_confirm": "١٢٣٤"}, "The PIN is exactly 4 digits (0-9)."),
    ):
        r = b.post("/security/replacement", form)
        assert r.status_code == 400 and errors(r.text) == [message]
    assert "request_replacement" not in b.calls()
    b.service.results["request_replacement"] = E.InvalidInput("pin", "too easy to guess")
    r = b.post("/security/replacement", {"pin": "1234", "pin_confirm": "1234"})
    assert r.status_code == 400 and errors(r.text) == ["too easy to guess"]
    b.service.results["request_replacement"] = ReplacementInfo(
        "alice", "requested", NOW, auto_activate_at=NOW + 30 * 86400
    )
    r = b.post("/security/replacement", {"pin": "4071", "pin_confirm": "4071"})
    assert r.status_code == 200 and "Jun 27, 2026 16:26 EDT" in r.text


def test_a_refusal_after_the_step_up_still_hands_over_the_rotated_session():
    b = logged_in(step_up_start=PROMPT, rotate_session="R" * 43, withdraw=E.AccessDenied("step-up needed"))
    b.post("/withdraw", {"amount": "10"})
    r = b.post(
        "/withdraw/confirm",
        {"transaction": PROMPT.transaction, "amount_cents": "1000", "method": "token", "answer": "11112222"},
    )
    assert r.status_code == 403 and banner(r.text) == "Refused: step-up needed. Nothing was withdrawn."
    assert b.cookie() == "s:" + "R" * 43


def test_an_unexpected_refusal_is_a_page_not_a_500():
    b = logged_in(card_view=E.Conflict("no card for this user"))
    r = b.get("/card")
    assert r.status_code == 409 and "no card for this user. Nothing was changed." in r.text
