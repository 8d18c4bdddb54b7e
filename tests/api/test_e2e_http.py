"""End to end over HTTP: users made by the admin CLI, a real `picodsc serve` (gunicorn, 2 workers) on
a fake clock file, which the test moves across the temporary passcode's boundaries to the second."""

import re

from sls_fixtures import PASSWORD, T0, TokenSpec, add_user_with_token, cli

DAY = 86400
TOKEN = TokenSpec("E6614103E72B8F2A", 0x31)


def test_login_me_withdraw_and_temporary_passcode_over_http(tmp_path, testing_env, start_server):
    db = f"sqlite:///{tmp_path / 'sls.sqlite3'}"
    add_user_with_token(testing_env, db, tmp_path, "alice", "U1234567", TOKEN)
    clock = tmp_path / "clock"
    clock.write_text(f"{T0 + 60}\n")
    server = start_server(db, workers=2, fake_clock=clock)
    call = server.call
    secrets = [PASSWORD]

    # Step 1: the seed's messages, exact.
    assert call("POST", "/api/v1/login", {"username": "alice", "password": "wrong password"})[:2] == (
        401, {"error": "Invalid user name password combination"})
    assert call("POST", "/api/v1/login", {"username": "Alice", "password": PASSWORD})[:2] == (
        401, {"error": "Invalid user name password combination"})
    assert call("POST", "/api/v1/login", {"username": "al ice", "password": PASSWORD})[:2] == (
        400, {"error": "BAD CHARACTER"})

    # Two steps with the token (DSC+: suite with P).
    status, step, _ = call("POST", "/api/v1/login", {"username": "alice", "password": PASSWORD})
    assert status == 200 and step["method"] == "token" and re.fullmatch(r"\d{6}", step["challenge"])
    assert sorted(step) == ["challenge", "method", "transaction"]
    answer = TOKEN.answer(step["challenge"])
    answer_body = {"transaction": step["transaction"], "answer": answer}
    status, grant, _ = call("POST", "/api/v1/login/answer", answer_body)
    assert (status, sorted(grant), grant["access"]) == (200, ["access", "session"], "full")
    secrets += [grant["session"], answer]
    # The transaction is single use.
    assert call("POST", "/api/v1/login/answer", answer_body)[:2] == (401, {"error": "Login failed"})

    status, me, _ = call("GET", "/api/v1/me", token=grant["session"])
    assert status == 200
    assert (me["username"], me["account"], me["access"], me["credential"], me["level"]) == (
        "alice", "U1234567", "full", "token-dsc+", "Digital Security Card+")
    assert (me["limits"]["day_cents"], me["limits"]["five_day_cents"]) == (None, None)  # unlimited
    status, w, _ = call("POST", "/api/v1/withdrawals", {"amount_cents": 250_000_00}, token=grant["session"])
    assert (status, w["amount_cents"]) == (201, 250_000_00)
    assert call("GET", "/api/v1/me", token="not-a-session")[0] == 401

    # Client Services issues a temporary passcode one hour later: printed alone on the last line.
    t1 = T0 + 3600
    r = cli(testing_env, "temp-passcode", "issue", "--user", "alice", "--database", db, now=t1)
    assert r.returncode == 0, r.stderr
    passcode = r.stdout.splitlines()[-1]
    assert re.fullmatch(r"[A-Z2-9]{10}", passcode) and r.stdout.count(passcode) == 1
    secrets.append(passcode)

    def login_with_passcode(entry):
        status, step, _ = call("POST", "/api/v1/login", {"username": "alice", "password": PASSWORD})
        assert (status, step["method"], sorted(step)) == (200, "passcode", ["method", "transaction"])
        return call("POST", "/api/v1/login/answer", {"transaction": step["transaction"], "answer": entry})[:2]

    clock.write_text(f"{t1 + 2 * DAY}\n")  # the last second of full access
    assert login_with_passcode(passcode.lower()) == (401, {"error": "Login failed"})  # upper case only
    status, grant = login_with_passcode(passcode)
    assert (status, grant["access"]) == (200, "full")

    clock.write_text(f"{t1 + 2 * DAY + 1}\n")  # portal only for 10 more days
    status, grant = login_with_passcode(passcode)
    assert (status, grant["access"]) == (200, "portal-only")
    secrets.append(grant["session"])
    status, body, _ = call("POST", "/api/v1/withdrawals", {"amount_cents": 100}, token=grant["session"])
    assert status == 403 and body["error"]
    status, me, _ = call("GET", "/api/v1/me", token=grant["session"])
    assert (status, me["access"], me["credential"], me["full_until"], me["portal_until"]) == (
        200, "portal-only", "passcode", t1 + 2 * DAY, t1 + 12 * DAY)

    clock.write_text(f"{t1 + 12 * DAY + 1}\n")  # over: step 1 asks for the permanent device again
    status, step, _ = call("POST", "/api/v1/login", {"username": "alice", "password": PASSWORD})
    assert (status, step["method"]) == (200, "token")
    assert "session" not in step

    # Nothing secret in the server's log (access log: method, path, status), and the fake clock shouted.
    server.stop()
    log = server.log_text()
    assert "FAKE CLOCK" in log and '"POST /api/v1/login/answer" 200' in log
    for secret in secrets:
        assert secret not in log
