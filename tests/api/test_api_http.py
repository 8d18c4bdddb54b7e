"""The HTTP layer alone (Flask test client, a stub service): bodies checked before the service is
called, the one error mapping, bearer sessions, the OpenAPI document. Exact statuses and bodies."""

import json

import pytest
from api_stub import StubService
from picodsc import sls
from picodsc.sls import LoginStep, Prompt, SessionGrant
from picodsc.web import create_app

GRANT = SessionGrant(token="s3ss10n-t0ken", access="full", username="alice", credential="token-dsc+",
                     expires_at=2e9)
AUTH = {"Authorization": "Bearer s3ss10n-t0ken"}
NO_SESSION = "missing session: send Authorization: Bearer <session>"


def client(**results):
    service = StubService(**results)
    return create_app(service, testing=True).test_client(), service


def test_login_token_step():
    c, service = client(login_password=LoginStep(transaction="tx1", method="token", challenge="123456"))
    r = c.post("/api/v1/login", json={"username": "alice", "password": "pw"})
    assert (r.status_code, r.json) == (200, {"transaction": "tx1", "method": "token", "challenge": "123456"})
    assert service.calls == [("login_password", ("alice", "pw"), {"address": "127.0.0.1"})]
    assert r.headers["Cache-Control"] == "no-store"


def test_login_card_step_and_opted_out_session():
    c, _ = client(login_password=LoginStep(transaction="tx2", method="card", positions=("B3", "F1")))
    r = c.post("/api/v1/login", json={"username": "bob", "password": "pw"})
    assert (r.status_code, r.json) == (200, {"transaction": "tx2", "method": "card",
                                             "positions": ["B3", "F1"]})
    c, _ = client(login_password=LoginStep(session=GRANT))
    r = c.post("/api/v1/login", json={"username": "carol", "password": "pw"})
    assert (r.status_code, r.json) == (200, {"session": "s3ss10n-t0ken", "access": "full"})


def test_login_answer():
    c, service = client(login_answer=GRANT)
    r = c.post("/api/v1/login/answer", json={"transaction": "tx1", "answer": "12345678"})
    assert (r.status_code, r.json) == (200, {"session": "s3ss10n-t0ken", "access": "full"})
    assert service.calls == [("login_answer", ("tx1", "12345678"), {"address": "127.0.0.1"})]


@pytest.mark.parametrize(("exc", "status", "body"), [
    (sls.BadCharacter(), 400, {"error": "BAD CHARACTER"}),
    (sls.InvalidCredentials(), 401, {"error": "Invalid user name password combination"}),
    (sls.LoginFailed(), 401, {"error": "Login failed"}),
    (sls.SessionInvalid(), 401, {"error": "session expired or unknown"}),
    (sls.Throttled(30, "login attempts"), 429, {"error": "too many login attempts: retry in 30 s",
                                                "retry_after": 30}),
    (sls.AccessDenied("portal-only access"), 403, {"error": "portal-only access"}),
    (sls.LimitExceeded("Digital Security Card", "day", 100_000_000, 5_000), 403,
     {"error": "withdrawal limit exceeded: Digital Security Card allows 1,000,000.00 USD per day, "
               "50.00 USD left",
      "limit_name": "Digital Security Card", "period": "day", "limit_cents": 100_000_000,
      "left_cents": 5_000}),
    (sls.LessSecureDevice(), 409, {"error": "Less secure device"}),
    (sls.NotPrimaryUser("alice"), 403,
     {"error": "only the primary user can change the security settings: log in as user alice",
      "primary": "alice"}),
    (sls.NotFound("user zed"), 404, {"error": "user zed not found"}),
    (sls.Conflict("replacement already requested"), 409, {"error": "replacement already requested"}),
    (sls.InvalidInput("pin", "too weak"), 400, {"error": "pin: too weak", "field": "pin"}),
    (RuntimeError("secret detail 4711"), 500, {"error": "internal error"}),
])
def test_error_mapping(exc, status, body, caplog):
    c, _ = client(withdraw=exc)
    r = c.post("/api/v1/withdrawals", json={"amount_cents": 5}, headers=AUTH)
    assert (r.status_code, r.json) == (status, body)
    if status == 429:
        assert r.headers["Retry-After"] == "30"
    if status == 500:
        assert "4711" not in caplog.text and "RuntimeError" in caplog.text


def test_step_one_messages_are_exact():
    c, _ = client(login_password=sls.InvalidCredentials())
    r = c.post("/api/v1/login", json={"username": "alice", "password": "wrong"})
    assert (r.status_code, r.json) == (401, {"error": "Invalid user name password combination"})
    c, _ = client(login_password=sls.BadCharacter())
    r = c.post("/api/v1/login", json={"username": "al ice", "password": "x"})
    assert (r.status_code, r.json) == (400, {"error": "BAD CHARACTER"})


@pytest.mark.parametrize(("body", "content_type", "error"), [
    (None, None, "body must be JSON (Content-Type: application/json)"),
    ("username=alice&password=pw", "application/x-www-form-urlencoded",
     "body must be JSON (Content-Type: application/json)"),
    ("{", "application/json", "body must be a JSON object"),
    ("[]", "application/json", "body must be a JSON object"),
    ('"alice"', "application/json", "body must be a JSON object"),
    ("null", "application/json", "body must be a JSON object"),
    ('{"username": "alice"}', "application/json", "password: missing"),
    ('{"password": "hunter2"}', "application/json", "username: missing"),
    ('{"username": 7, "password": "hunter2"}', "application/json", "username: must be a string"),
    ('{"username": "alice", "password": ["hunter2"]}', "application/json", "password: must be a string"),
    ('{"username": "alice", "password": "hunter2", "otp": "1"}', "application/json", "unknown field: otp"),
    ('{"username": "' + "a" * 129 + '", "password": "hunter2"}', "application/json",
     "username: must be 0 to 128 characters"),
    ("\xff\xfe", "application/json", "body must be a JSON object"),
])
def test_bad_login_bodies_are_400_and_call_nothing(body, content_type, error):
    c, service = client()
    kwargs = {} if body is None else {"data": body.encode("latin-1"), "content_type": content_type}
    r = c.post("/api/v1/login", **kwargs)
    assert (r.status_code, r.json) == (400, {"error": error})
    assert service.calls == []
    assert b"hunter2" not in r.data


@pytest.mark.parametrize(("path", "body", "error"), [
    ("/api/v1/withdrawals", {"amount_cents": "5"}, "amount_cents: must be an integer"),
    ("/api/v1/withdrawals", {"amount_cents": 5.0}, "amount_cents: must be an integer"),
    ("/api/v1/withdrawals", {"amount_cents": True}, "amount_cents: must be an integer"),
    ("/api/v1/withdrawals", {"amount_cents": 0}, "amount_cents: must be 1 to 1000000000000000"),
    ("/api/v1/withdrawals", {"amount_cents": -100}, "amount_cents: must be 1 to 1000000000000000"),
    ("/api/v1/withdrawals", {"amount_cents": 10**16}, "amount_cents: must be 1 to 1000000000000000"),
    ("/api/v1/withdrawals", {}, "amount_cents: missing"),
    ("/api/v1/login/answer", {"transaction": "", "answer": "1"}, "transaction: must be 1 to 128 characters"),
    ("/api/v1/login/answer", {"transaction": "t", "answer": 12345678}, "answer: must be a string"),
    ("/api/v1/card/activate", {"answers": ["K7P"]}, "answers: must be an object of at most 4 entries"),
    ("/api/v1/card/activate", {"answers": {"B3": 7}},
     "answers: every entry must be a string of at most 16 characters"),
    ("/api/v1/replacement", {"pin": 4711}, "pin: must be a string"),
    ("/api/v1/sharing", {"owner": None}, "owner: must be a string"),
    ("/api/v1/step-up", {"x": 1}, "unknown field: x"),
])
def test_bad_fields_are_400_and_call_nothing(path, body, error):
    c, service = client()
    r = c.post(path, json=body, headers=AUTH)
    assert (r.status_code, r.json) == (400, {"error": error})
    assert service.calls == []


def test_sls_setting_takes_a_boolean():
    c, service = client()
    r = c.put("/api/v1/sls", json={"participating": "no"}, headers=AUTH)
    assert (r.status_code, r.json) == (400, {"error": "participating: must be true or false"})
    assert service.calls == []
    r = c.put("/api/v1/sls", json={"participating": False}, headers=AUTH)
    assert (r.status_code, r.json) == (200, {"participating": False})
    assert service.calls == [("set_sls_participation", ("s3ss10n-t0ken", False), {})]


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic YWxpY2U6cHc=",
                                    "bearer" + " x" * 300, "Bearer t\u00f6ken"])
def test_missing_or_malformed_bearer_is_401(header):
    c, service = client()
    headers = {} if header is None else {"Authorization": header}
    r = c.get("/api/v1/me", headers=headers)
    assert (r.status_code, r.json) == (401, {"error": NO_SESSION})
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="picodsc"'
    assert service.calls == []


def test_session_actions_pass_the_bearer_token():
    prompt = Prompt(transaction="tx9", method="token", challenge="654321")
    c, service = client(step_up_start=prompt, reactivate_start=prompt)
    assert c.post("/api/v1/step-up", headers=AUTH).json == {"transaction": "tx9", "method": "token",
                                                            "challenge": "654321"}
    r = c.post("/api/v1/reactivation/answer", json={"transaction": "tx9", "answer": "87654321"}, headers=AUTH)
    assert (r.status_code, r.data) == (204, b"")
    r = c.post("/api/v1/logout", headers=AUTH)
    assert (r.status_code, r.data) == (204, b"")
    assert service.calls == [("step_up_start", ("s3ss10n-t0ken",), {}),
                             ("reactivate_finish", ("s3ss10n-t0ken", "tx9", "87654321"), {}),
                             ("logout", ("s3ss10n-t0ken",), {})]


def test_unknown_path_and_method_are_json():
    c, _ = client()
    r = c.get("/api/v1/nothing")
    assert (r.status_code, r.json) == (404, {"error": "not found"})
    r = c.get("/api/v1/login")
    assert (r.status_code, r.json) == (405, {"error": "method not allowed"})


def test_oversized_body_is_413():
    c, service = client()
    r = c.post("/api/v1/login", data=b"{" + b" " * (65 * 1024) + b"}", content_type="application/json")
    assert (r.status_code, r.json) == (413, {"error": "request entity too large"})
    assert service.calls == []


def test_openapi_document_matches_the_routes():
    c, _ = client()
    r = c.get("/api/v1/openapi.json")
    doc = r.json
    assert r.status_code == 200 and doc["openapi"] == "3.1.0"
    assert sorted((p, m) for p, ops in doc["paths"].items() for m in ops) == sorted([
        ("/api/v1/login", "post"), ("/api/v1/login/answer", "post"), ("/api/v1/logout", "post"),
        ("/api/v1/me", "get"), ("/api/v1/withdrawals", "post"), ("/api/v1/step-up", "post"),
        ("/api/v1/step-up/answer", "post"), ("/api/v1/card", "get"), ("/api/v1/card/activate", "post"),
        ("/api/v1/reactivation", "post"), ("/api/v1/reactivation/answer", "post"),
        ("/api/v1/replacement", "post"), ("/api/v1/sharing", "post"), ("/api/v1/sls", "put"),
    ])
    login = doc["paths"]["/api/v1/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"] == {
        "type": "object", "additionalProperties": False, "required": ["username", "password"],
        "properties": {"username": {"type": "string", "minLength": 0, "maxLength": 128},
                       "password": {"type": "string", "minLength": 0, "maxLength": 1024}}}
    assert sorted(login["responses"]) == ["200", "400", "401", "429"]
    assert "security" not in login
    assert doc["paths"]["/api/v1/me"]["get"]["security"] == [{"session": []}]
    json.dumps(doc)  # plain JSON all the way down


def test_client_address_through_trusted_proxies_only():
    step = LoginStep(transaction="tx1", method="token", challenge="123456")
    body = {"username": "alice", "password": "pw"}
    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        service = StubService(login_password=step)
        c = create_app(service, testing=True, trusted_proxies=proxies).test_client()
        r = c.post("/api/v1/login", json=body, headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
        assert r.status_code == 200
        assert service.calls == [("login_password", ("alice", "pw"), {"address": expected})]
