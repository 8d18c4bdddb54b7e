"""The Client Services CLI (in process: `picodsc.cli.main`), exact output and exit codes, on SQLite.

Time comes from PICODSC_NOW under PICODSC_TESTING=1; secrets only from stdin."""

import io
import re
import sqlite3
import sys

import pytest
from picodsc.cli import main
from picodsc.sls import FixedClock, Identity, Service
from sls_fixtures import PASSWORD, PIN, T0, TokenSpec

TOKEN = TokenSpec("E6614103E72B8F2A", 0x31)
SPARE = TokenSpec("A0B1C2D3E4F50617", 0x32)
ALICE_ID = '{"date_of_birth": "1980-02-29", "citizenship": "US", "residence": "US", "ssn": "078-05-1120"}'


@pytest.fixture
def env(tmp_path, monkeypatch):
    db = tmp_path / "sls.sqlite3"
    monkeypatch.setenv("PICODSC_TESTING", "1")
    monkeypatch.setenv("PICODSC_NOW", str(T0))
    monkeypatch.setenv("PICODSC_KEY_FILE", str(tmp_path / "picodsc.key"))
    monkeypatch.setenv("PICODSC_DATABASE_URL", f"sqlite:///{db}")
    return db


def run(capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.fixture
def cli(capsys, monkeypatch, env):
    return lambda *argv, stdin="": run(capsys, monkeypatch, *argv, stdin=stdin)


def service(env, t=T0):
    return Service.open(f"sqlite:///{env}", clock=FixedClock(t))


def token_session(svc, username, token):
    step = svc.login_password(username, PASSWORD, address="127.0.0.1")
    return svc.login_answer(step.transaction, token.answer(step.challenge), address="127.0.0.1").token


def setup_alice(cli, tmp_path):
    assert cli("user", "add", "alice", "--account", "U1234567", "--primary", "--password-stdin",
               "--identity-stdin", stdin=PASSWORD + "\n" + ALICE_ID + "\n") == (
        0, "user alice added to account U1234567 (primary)\n", "")
    for tok in (TOKEN, SPARE):
        (tmp_path / "t.pskc").write_bytes(tok.pskc())
        assert cli("import", str(tmp_path / "t.pskc"), "--pin-stdin", stdin=PIN + "\n") == (
            0, tok.serial + "\n", "")
    assert cli("device", "assign", "--user", "alice", "--serial", TOKEN.serial) == (
        0, f"token {TOKEN.serial} assigned to alice\n", "")


def test_user_add_show_and_errors(cli, tmp_path):
    setup_alice(cli, tmp_path)
    assert cli("user", "show", "alice") == (0, (
        "user:          alice\n"
        "account:       U1234567\n"
        "primary:       yes\n"
        "sls:           participating\n"
        "credential:    token-dsc+\n"
        "locked:        no\n"
        "failures:      0\n"
        "identity:      on file\n"
        f"device:        {TOKEN.serial} token-dsc+ active\n"), "")
    assert cli("user", "add", "bob", "--account", "U1", "--password-stdin") == (
        2, "", "error: expected the password on stdin (one line)\n")
    assert cli("user", "add", "Bob", "--account", "U1", "--password-stdin",
               stdin="pw long enough 1\n")[0] == 2
    code, out, err = cli("user", "add", "bob", "--account", "U1", stdin="pw long enough 1\n")
    assert (code, out) == (2, "") and "--password-stdin" in err
    assert cli("user", "show", "zed") == (1, "", "error: user 'zed' not found\n")
    assert cli("user", "add", "carol", "--account", "U1", "--password-stdin", "--identity-stdin",
               stdin="pw long enough 1\n{\"ssn\": 5}\n")[0:2] == (2, "")


def test_lockout_shown_and_unlocked(cli, env, tmp_path):
    setup_alice(cli, tmp_path)
    svc = service(env)
    try:
        for _ in range(10):
            with pytest.raises(Exception, match="Invalid user name password combination"):
                svc.login_password("alice", "wrong password", address="10.0.0.1")
    finally:
        svc.close()
    code, out, _ = cli("user", "show", "alice")
    assert "locked:        until 2026-01-02 00:00:00 UTC\nfailures:      10\n" in out
    assert cli("user", "unlock", "alice") == (0, "user alice unlocked\n", "")
    code, out, _ = cli("user", "show", "alice")
    assert "locked:        no\nfailures:      0\n" in out


def test_temp_passcode_last_line(cli, tmp_path):
    setup_alice(cli, tmp_path)
    code, out, err = cli("temp-passcode", "issue", "--user", "alice")
    lines = out.splitlines()
    assert (code, err, len(lines)) == (0, "", 2)
    assert lines[0] == "temporary passcode for alice (full access 2 days, then portal only 10 days):"
    assert re.fullmatch(r"[A-Z2-9]{10}", lines[1])
    code, out, _ = cli("user", "show", "alice")
    assert "temp passcode: issued 2026-01-01 00:00:00 UTC\n" in out and lines[1] not in out


def test_replacement_ship_and_maintenance(cli, env, monkeypatch, tmp_path):
    setup_alice(cli, tmp_path)
    (tmp_path / "r.pskc").write_bytes(TokenSpec("0011223344556677", 0x33).pskc())
    assert cli("import", str(tmp_path / "r.pskc")) == (0, "0011223344556677\n", "")
    svc = service(env)
    try:
        svc.request_replacement(token_session(svc, "alice", TOKEN), "5820")
    finally:
        svc.close()
    assert cli("replacement", "ship", "--user", "alice", "--serial", "0011223344556677") == (
        0, "replacement 0011223344556677 shipped to alice; auto-activates 2026-01-22 00:00:00 UTC\n", "")
    assert cli("maintenance") == (0, "maintenance: 0 activated, 0 notices, 0 purged\n", "")
    monkeypatch.setenv("PICODSC_NOW", str(T0 + 21 * 86400))
    code, out, err = cli("maintenance")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "activated replacement of alice"
    assert out.splitlines()[-1].startswith("maintenance: 1 activated, ")
    code, out, _ = cli("maintenance")  # idempotent
    assert out.startswith("maintenance: 0 activated, 0 notices, ")


def test_sharing_list_and_approve(cli, env, tmp_path):
    setup_alice(cli, tmp_path)
    assert cli("user", "add", "bob", "--account", "U7654321", "--password-stdin", "--identity-stdin",
               stdin=PASSWORD + "\n" + ALICE_ID + "\n")[0] == 0
    assert cli("sharing", "list") == (0, "no pending sharing requests\n", "")
    svc = service(env)
    try:
        bob = svc.login_password("bob", PASSWORD, address="127.0.0.1").session.token  # no device yet
        req = svc.request_sharing(bob, "alice")
    finally:
        svc.close()
    assert req.status == "pending"
    assert cli("sharing", "list") == (
        0, f"{req.id}  bob -> alice's {TOKEN.serial}  requested 2026-01-01 00:00:00 UTC\n", "")
    assert cli("sharing", "approve", str(req.id)) == (0, f"sharing request {req.id} approved\n", "")
    assert cli("sharing", "list") == (0, "no pending sharing requests\n", "")
    code, out, _ = cli("user", "show", "bob")
    assert f"device:        {TOKEN.serial} token-dsc+ active (shared from alice)\n" in out


def test_audit_verify_names_the_changed_row(cli, env, tmp_path):
    setup_alice(cli, tmp_path)
    code, out, err = cli("audit", "verify")
    assert (code, err) == (0, "") and re.fullmatch(r"audit log intact: (\d+) rows\n", out)
    rows = int(out.split()[3])
    with sqlite3.connect(env) as db:
        db.execute("UPDATE audit SET actor = 'mallory' WHERE id = 2")
    assert cli("audit", "verify") == (1, "audit log broken at row 2: changed (1 rows before it intact)\n", "")
    with sqlite3.connect(env) as db:
        db.execute("UPDATE audit SET actor = 'cli' WHERE id = 2")
        db.execute(f"DELETE FROM audit WHERE id = {rows}")
    assert cli("audit", "verify") == (
        1, f"audit log broken at row {rows}: removed ({rows - 1} rows before it intact)\n", "")


def test_time_only_under_the_testing_guard(cli, monkeypatch):
    monkeypatch.delenv("PICODSC_TESTING")
    assert cli("maintenance") == (2, "", "error: PICODSC_NOW: is honoured only with PICODSC_TESTING=1\n")


def test_identity_is_never_printed(cli, tmp_path):
    setup_alice(cli, tmp_path)
    code, out, _ = cli("user", "show", "alice")
    assert "078-05-1120" not in out and "1980" not in out
    assert repr(Identity("1980-02-29", "US", "US", ssn="078-05-1120")) == "Identity(<sealed>)"
