"""picodsc challenge / verify / pin-change / export / provision arguments, as a user runs them."""

import os

import pskc
import pytest
from picodsc.registry import Registry
from support.commands import picodsc
from support.token import DAY, KEY, PIN, SERIAL, SUITE, T0
from support.token import response as _response


@pytest.fixture
def env(cli_env):
    return cli_env


def run(env, *args, input=None, **extra):
    return picodsc(*args, env=dict(env, **extra), input=input, timeout=60)


def verify(env, challenge, resp, **extra):
    return run(env, "verify", "--serial", SERIAL, "--challenge", challenge, "--response", resp, **extra)


def response(challenge, pin=PIN):
    return _response(challenge, pin)


def test_challenge_verify_replay(env):
    rc, out, err = run(env, "challenge", "--serial", SERIAL)
    assert rc == 0 and err == ""
    c = out.strip()
    assert out == c + "\n" and len(c) == 6 and c.isdigit()
    assert verify(env, c, response(c)) == (0, "OK\n", "")
    rc, out, _ = run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response", response(c))
    assert (rc, out) == (1, "FAIL: challenge already used\n")


def test_wrong_and_expired(env):
    c = run(env, "challenge", "--serial", SERIAL)[1].strip()
    rc, out, _ = run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response", response(c, "9051"))
    assert (rc, out) == (1, "FAIL: wrong response\n")
    c = run(env, "challenge", "--serial", SERIAL)[1].strip()
    rc, out, _ = run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response", response(c),
                     PICODSC_NOW=str(T0 + 121))
    assert (rc, out) == (1, "FAIL: unknown or expired challenge\n")


@pytest.mark.parametrize("args,message", [
    (["verify", "--serial", SERIAL, "--challenge", "12345x", "--response", "12345678"], "challenge must be"),
    (["verify", "--serial", SERIAL, "--challenge", "123456", "--response", "1234"], "must be 8 digits"),
    (["verify", "--serial", SERIAL, "--challenge", "123456"], "Missing option '--response'"),
    (["verify", "--serial", "not-hex", "--challenge", "123456", "--response", "12345678"], "bad serial"),
    (["challenge"], "Missing option '--serial'"),
    (["export", "--serial", SERIAL, "--format", "csv"], "'csv' is not 'pskc'"),
    (["provision", "--port", "/dev/null", "--pin", "1234"], "PIN too weak"),
    (["provision", "--port", "/dev/null", "--pin", "12"], "PIN must be 4 digits"),
    (["provision", "--port", "/dev/null", "--suite", "OCRA-1:HOTP-SHA1-6:QN08-T1M", "--pin", "4711"],
     "no clock"),
    (["provision", "--port", "/dev/null", "--suite", "OCRA-1:HOTP-MD5-6:QN08", "--pin", "4711"],
     "unknown hash 'MD5'"),
    (["deploy", "--port", "/dev/null", "--board", "toaster"], "unknown board"),
])
def test_bad_arguments_exit_2(env, args, message):
    rc, out, err = run(env, *args)
    assert rc == 2 and message in err and "Traceback" not in err, err
    assert out == ""


def test_unknown_token_exit_1(env):
    rc, out, err = run(env, "challenge", "--serial", "0123456789ABCDEF")
    assert (rc, out, err) == (1, "", "error: unknown token 0123456789ABCDEF\n")


def test_bad_arguments_consume_nothing(env):
    c = run(env, "challenge", "--serial", SERIAL)[1].strip()
    assert run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response", "x")[0] == 2
    assert verify(env, c, response(c))[:2] == (0, "OK\n")


def test_lockout_and_time_travel(env, tmp_path):
    with Registry(tmp_path / "r.sqlite3", clock=lambda: T0) as reg:  # 10 failures, fast, in-process
        from picodsc.verifier import Verifier

        ver = Verifier(reg)
        for _ in range(10):
            ver.verify(SERIAL, ver.challenge(SERIAL), "00000000")
    c = run(env, "challenge", "--serial", SERIAL)[1].strip()
    rc, out, _ = run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response", response(c))
    assert (rc, out) == (1, "FAIL: token locked until 2023-11-15 22:13:20 UTC\n")
    later = str(T0 + DAY + 1)
    c = run(env, "challenge", "--serial", SERIAL, PICODSC_NOW=later)[1].strip()
    assert run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response", response(c),
               PICODSC_NOW=later)[:2] == (0, "OK\n")


def test_pin_change_scripted(env):
    c = run(env, "challenge", "--serial", SERIAL)[1].strip()
    rc, out, err = run(env, "pin-change", "--serial", SERIAL, "--challenge", c, "--response",
                       response(c, "8362"), "--pin-stdin", input="8362\n")
    assert (rc, out) == (0, "OK\n") and "8362" not in err
    c = run(env, "challenge", "--serial", SERIAL)[1].strip()
    assert run(env, "verify", "--serial", SERIAL, "--challenge", c, "--response",
               response(c, "8362"))[:2] == (0, "OK\n")
    rc, _, err = run(env, "pin-change", "--serial", SERIAL, "--challenge", c, "--response", "12345678",
                     "--pin-stdin", input="2580\n")
    assert rc == 2 and "PIN too weak" in err and "2580" not in err


def test_pin_change_interactive_in_process(env, monkeypatch):
    from click.testing import CliRunner
    from picodsc.cli import _register, cli

    _register()
    runner = CliRunner(env=env)

    # The response depends on the printed challenge: answer from a wrapped prompt.
    import click

    real_prompt = click.prompt
    printed = {}

    def fake_prompt(text, **kw):
        if text.startswith("Response"):
            return response(printed["c"], "8362")
        return real_prompt(text, **kw)

    real_echo = click.echo

    def spy_echo(message=None, **kw):
        if isinstance(message, str) and message.startswith("challenge: "):
            printed["c"] = message.split()[1]
        return real_echo(message, **kw)

    monkeypatch.setattr(click, "prompt", fake_prompt)
    monkeypatch.setattr(click, "echo", spy_echo)
    result = runner.invoke(cli, ["pin-change", "--serial", SERIAL], input="8362\n8362\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "OK"
    assert "8362" not in result.output.replace(response(printed["c"], "8362"), "")


def test_export_pskc(env, tmp_path):
    out_file = tmp_path / "token.pskc"
    rc, out, err = run(env, "export", "--serial", SERIAL, "--format", "pskc", "--output", str(out_file))
    assert rc == 0 and out == ""
    assert "holds the token's secret" in err and KEY.hex() not in err
    assert out_file.stat().st_mode & 0o777 == 0o600
    key = pskc.PSKC(str(out_file)).keys[0]
    assert (key.serial, key.secret, key.algorithm_suite) == (SERIAL, KEY, SUITE)
    assert key.algorithm == "urn:ietf:params:xml:ns:keyprov:pskc:ocra"
    assert (key.response_length, key.challenge_max_length, key.challenge_encoding) == (8, 6, "DECIMAL")
    # Another verifier (oath) gets the same answer from the exported data.
    from oath import _ocra

    q = "314159"
    assert _ocra.str2ocrasuite(key.algorithm_suite)(key.secret, Q=q, P=PIN) == response(q)


def test_loose_key_file_refused(env, tmp_path):
    os.chmod(tmp_path / "picodsc.key", 0o644)
    rc, out, err = run(env, "challenge", "--serial", SERIAL)
    assert rc == 1 and "loose permissions" in err and "Traceback" not in err
