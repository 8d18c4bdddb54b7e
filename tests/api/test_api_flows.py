"""The portal-side actions through the JSON API on a real Service (SQLite, fixed clock, Flask test
client): the online card, reactivation, replacement, sharing, opt-out, withdrawal limits, sessions.
argon2 runs at cheap parameters here (the rules do not depend on its cost)."""

import pytest
from argon2 import PasswordHasher, Type
from picodsc.sls import FixedClock, Service, users
from picodsc.web import create_app
from sls_fixtures import PASSWORD, T0, TokenSpec

TOKEN = TokenSpec("E6614103E72B8F2A", 0x31)
DSC = TokenSpec("A0B1C2D3E4F50617", 0x32, suite="OCRA-1:HOTP-SHA256-8:QN06")
DAY = 86400


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch):
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1,
                                                         type=Type.ID))


@pytest.fixture
def world(tmp_path):
    clock = FixedClock(T0)
    svc = Service.open(f"sqlite:///{tmp_path / 'sls.sqlite3'}", clock=clock, key_file=tmp_path / "k")
    for name, account, primary, tok in (("alice", "U1", True, TOKEN), ("bob", "U1", False, None),
                                        ("dave", "U2", True, DSC)):
        svc.add_user(name, account=account, password=PASSWORD, primary=primary)
        if tok is not None:
            svc.import_pskc(tok.pskc(), pin=tok.pin)
            svc.assign_device(name, tok.serial)
    yield svc, clock, create_app(svc, testing=True).test_client()
    svc.close()


def login(c, username, answer_for):
    r = c.post("/api/v1/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.json
    if "session" in r.json:
        return r.json
    body = {"transaction": r.json["transaction"], "answer": answer_for(r.json)}
    r = c.post("/api/v1/login/answer", json=body)
    assert r.status_code == 200, r.json
    return r.json


def with_token(tok):
    return lambda step: tok.answer(step["challenge"])


def bearer(grant):
    return {"Authorization": f"Bearer {grant['session']}"}


def cell(card, position):
    return card["grid"][card["rows"].index(position[0])][card["cols"].index(position[1:])]


def test_temporary_passcode_card_then_reactivation(world):
    svc, clock, c = world
    passcode = svc.issue_temp_passcode("alice")
    grant = login(c, "alice", lambda step: passcode)
    clock.advance(2 * DAY + 1)  # passcode now portal-only: enough to print and activate the card
    grant = login(c, "alice", lambda step: passcode)
    assert grant["access"] == "portal-only"
    card = c.get("/api/v1/card", headers=bearer(grant)).json
    assert card["status"] == "new" and len(card["grid"]) == len(card["rows"])
    a, b = card["activation_positions"]
    r = c.post("/api/v1/card/activate", json={"answers": {a: cell(card, a), b: "XXX"}}, headers=bearer(grant))
    assert (r.status_code, r.json) == (401, {"error": "Login failed"})
    r = c.post("/api/v1/card/activate", json={"answers": {a: cell(card, a), b: cell(card, b)}},
               headers=bearer(grant))
    assert (r.status_code, r.data) == (204, b"")

    card_grant = login(c, "alice", lambda step: "".join(cell(card, p) for p in step["positions"]))
    assert card_grant["access"] == "full"
    me = c.get("/api/v1/me", headers=bearer(card_grant)).json
    assert (me["credential"], me["full_until"]) == ("card", clock.now() + 21 * DAY)

    # Reactivation with the permanent token: the card and the passcode end, and so does its session.
    r = c.post("/api/v1/reactivation", headers=bearer(card_grant))
    assert r.status_code == 200 and r.json["method"] == "token"
    r = c.post("/api/v1/reactivation/answer", headers=bearer(card_grant),
               json={"transaction": r.json["transaction"], "answer": TOKEN.answer(r.json["challenge"])})
    assert (r.status_code, r.data) == (204, b"")
    assert c.get("/api/v1/me", headers=bearer(card_grant)).status_code == 401
    token_grant = login(c, "alice", with_token(TOKEN))
    assert c.get("/api/v1/me", headers=bearer(token_grant)).json["credential"] == "token-dsc+"


def test_withdrawal_limit_names_the_limit_and_changes_nothing(world):
    svc, clock, c = world
    grant = login(c, "dave", with_token(DSC))  # DSC (no PIN): 1M USD per day
    r = c.post("/api/v1/withdrawals", json={"amount_cents": 100_000_000}, headers=bearer(grant))
    assert r.status_code == 201 and r.json["limits"]["left_day_cents"] == 0
    r = c.post("/api/v1/withdrawals", json={"amount_cents": 1}, headers=bearer(grant))
    assert r.status_code == 403
    assert (r.json["limit_name"], r.json["period"], r.json["limit_cents"], r.json["left_cents"]) == (
        "Digital Security Card", "day", 100_000_000, 0)
    assert "Digital Security Card" in r.json["error"]
    assert c.get("/api/v1/me", headers=bearer(grant)).json["limits"]["used_day_cents"] == 100_000_000


def test_bad_bodies_change_nothing_on_a_real_service(world):
    svc, clock, c = world
    grant = login(c, "alice", with_token(TOKEN))
    before = (len(svc.audit_rows()), svc.user_info("alice"))
    for path, body in (("/api/v1/login", {"username": "alice"}), ("/api/v1/login", {"username": "alice",
                       "password": 5}), ("/api/v1/withdrawals", {"amount_cents": "100"}),
                       ("/api/v1/withdrawals", {"amount_cents": 100, "to": "mallory"}),
                       ("/api/v1/replacement", {}), ("/api/v1/sharing", {"owner": ["bob"]})):
        r = c.post(path, json=body, headers=bearer(grant))
        assert r.status_code == 400 and r.json["error"]
    r = c.post("/api/v1/withdrawals", data="amount_cents=100", headers=bearer(grant),
               content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    assert (len(svc.audit_rows()), svc.user_info("alice")) == before


def test_replacement_pin_rules_and_request(world):
    svc, clock, c = world
    grant = login(c, "alice", with_token(TOKEN))
    r = c.post("/api/v1/replacement", json={"pin": "1234"}, headers=bearer(grant))
    assert r.status_code == 400 and "PIN" in r.json["error"] and "1234" not in r.json["error"]
    r = c.post("/api/v1/replacement", json={"pin": "5820"}, headers=bearer(grant))
    assert (r.status_code, r.json["status"], r.json["username"]) == (201, "requested", "alice")
    assert c.post("/api/v1/replacement", json={"pin": "5820"}, headers=bearer(grant)).status_code == 409


def test_sharing_and_opt_out_by_the_primary_user_only(world):
    svc, clock, c = world
    bob = login(c, "bob", None)  # no device yet: password alone
    r = c.post("/api/v1/sharing", json={"owner": "alice"}, headers=bearer(bob))
    assert (r.status_code, r.json["status"], r.json["serial"]) == (201, "approved", TOKEN.serial)
    bob = login(c, "bob", with_token(TOKEN))  # same device, bob's own login
    r = c.put("/api/v1/sls", json={"participating": False}, headers=bearer(bob))
    assert r.status_code == 403 and r.json["primary"] == "alice" and "alice" in r.json["error"]
    alice = login(c, "alice", with_token(TOKEN))
    r = c.put("/api/v1/sls", json={"participating": False}, headers=bearer(alice))
    assert (r.status_code, r.json) == (200, {"participating": False})
    r = c.post("/api/v1/login", json={"username": "bob", "password": PASSWORD})  # password alone now
    assert (r.status_code, sorted(r.json), r.json["access"]) == (200, ["access", "session"], "full")
    me = c.get("/api/v1/me", headers=bearer(r.json)).json
    assert (me["credential"], me["limits"]["day_cents"]) == ("none", 5_000_000)  # "None": 50K USD


def test_sessions_time_out_and_log_out(world):
    svc, clock, c = world
    grant = login(c, "alice", with_token(TOKEN))
    clock.advance(15 * 60 - 1)
    assert c.get("/api/v1/me", headers=bearer(grant)).status_code == 200  # idle < 15 min: alive, touched
    clock.advance(15 * 60 - 1)
    assert c.get("/api/v1/me", headers=bearer(grant)).status_code == 200
    assert (c.post("/api/v1/logout", headers=bearer(grant)).status_code) == 204
    r = c.get("/api/v1/me", headers=bearer(grant))
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    grant = login(c, "alice", with_token(TOKEN))
    clock.advance(15 * 60)  # idle 15 min: over
    assert c.get("/api/v1/me", headers=bearer(grant)).status_code == 401
