"""`picodsc serve`: refusals before anything starts, and a real gunicorn with several workers."""

import subprocess
import time

import pytest
from api_server import PICODSC
from sls_fixtures import PASSWORD, T0, TokenSpec, add_user_with_token, cli

DAY = 86400


def run(argv, env):
    return subprocess.run([PICODSC, *argv], env=env, capture_output=True, text=True, timeout=60)


def test_fake_clock_refused_without_testing(tmp_path, testing_env):
    clock = tmp_path / "clock"
    clock.write_text("1767225600\n")
    env = dict(testing_env)
    del env["PICODSC_TESTING"]
    r = run(["serve", "--fake-clock", str(clock), "--database", f"sqlite:///{tmp_path / 'db'}"], env)
    assert (r.returncode, r.stdout, r.stderr) == (
        2, "", "error: --fake-clock is refused unless PICODSC_TESTING=1 (tests only)\n")
    assert not (tmp_path / "db").exists()


def test_fake_clock_file_must_hold_epoch_seconds(tmp_path, testing_env):
    clock = tmp_path / "clock"
    clock.write_text("tomorrow\n")
    r = run(["serve", "--fake-clock", str(clock), "--database", f"sqlite:///{tmp_path / 'db'}"], testing_env)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"error: fake clock {clock}: must be epoch seconds (a finite number)\n"


@pytest.mark.parametrize("bind", ["8080", "localhost", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", ":80"])
def test_bad_bind_refused(bind, tmp_path, testing_env):
    r = run(["serve", "--bind", bind, "--database", f"sqlite:///{tmp_path / 'db'}"], testing_env)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"error: --bind must be HOST:PORT (e.g. 127.0.0.1:8080), got {bind!r}\n"


def test_the_server_runs_due_events_itself(tmp_path, testing_env, start_server):
    """No cron: a shipped replacement auto-activates 21 days later because the server's workers run
    the maintenance (here every 0.5 s of real time, on the fake clock)."""
    db = f"sqlite:///{tmp_path / 'sls.sqlite3'}"
    token = TokenSpec("E6614103E72B8F2A", 0x31)
    add_user_with_token(testing_env, db, tmp_path, "alice", "U1234567", token)
    spare = TokenSpec("0011223344556677", 0x33)
    (tmp_path / "spare.pskc").write_bytes(spare.pskc())
    assert cli(testing_env, "import", str(tmp_path / "spare.pskc"), "--database", db).returncode == 0
    clock = tmp_path / "clock"
    clock.write_text(f"{T0}\n")
    server = start_server(db, fake_clock=clock, extra=["--maintenance-every", "0.5"])
    status, step, _ = server.call("POST", "/api/v1/login", {"username": "alice", "password": PASSWORD})
    status, grant, _ = server.call("POST", "/api/v1/login/answer", {
        "transaction": step["transaction"], "answer": token.answer(step["challenge"])})
    status, body, _ = server.call("POST", "/api/v1/replacement", {"pin": "5820"}, token=grant["session"])
    assert (status, body["status"]) == (201, "requested")
    r = cli(testing_env, "replacement", "ship", "--user", "alice", "--serial", spare.serial, "--database", db)
    assert r.returncode == 0, r.stderr

    def replacement_line():
        out = cli(testing_env, "user", "show", "alice", "--database", db, now=T0 + 21 * DAY).stdout
        return next(line for line in out.splitlines() if line.startswith("replacement:"))

    assert replacement_line().startswith("replacement:   shipped 0011223344556677")
    clock.write_text(f"{T0 + 21 * DAY}\n")
    deadline = time.monotonic() + 60
    while "active" not in replacement_line() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert replacement_line().startswith("replacement:   active 0011223344556677")
