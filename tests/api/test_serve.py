"""`picodsc serve`: refusals before anything starts, and a real gunicorn with several workers."""

import subprocess

import pytest
from api_server import PICODSC


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
