"""Test data for the API tests: users and tokens made through the admin CLI, OCRA answers."""

import hashlib
import subprocess
from types import SimpleNamespace

from api_server import PICODSC
from picodsc import pskc_export
from picodsc.ocra import Prepared, parse_suite

T0 = 1_767_225_600  # 2026-01-01 00:00:00 UTC
SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
PIN = "4739"
PASSWORD = "correct horse battery"


class TokenSpec:
    def __init__(self, serial, seed_byte, suite=SUITE, pin=PIN):
        self.serial = serial
        self.secret = bytes([seed_byte]) * 32
        self.suite = suite
        self.pin = pin
        parsed = parse_suite(suite)
        pin_hash = hashlib.new(parsed.pin_hash_name, pin.encode()).digest() if parsed.pin_hash_name else None
        self.ocra = Prepared(parsed, self.secret, pin_hash)

    def answer(self, challenge):
        return self.ocra.response(challenge)

    def pskc(self):
        return pskc_export.build(SimpleNamespace(serial=self.serial, suite=self.suite, secret=self.secret,
                                                 counter=0))


def cli(env, *argv, stdin="", now=T0):
    """Run `picodsc ARGV` at time ``now`` (PICODSC_NOW under PICODSC_TESTING=1)."""
    return subprocess.run([PICODSC, *argv], input=stdin, env=dict(env, PICODSC_NOW=str(now)),
                          capture_output=True, text=True, timeout=120)


def add_user_with_token(env, db, tmp_path, username, account, token, *, primary=True, now=T0):
    r = cli(env, "user", "add", username, "--account", account, *(["--primary"] if primary else []),
            "--password-stdin", "--database", db, stdin=PASSWORD + "\n", now=now)
    assert r.returncode == 0, r.stderr
    path = tmp_path / f"{token.serial}.pskc"
    path.write_bytes(token.pskc())
    r = cli(env, "import", str(path), "--pin-stdin", "--database", db, stdin=token.pin + "\n", now=now)
    assert (r.returncode, r.stdout) == (0, token.serial + "\n"), r.stderr
    r = cli(env, "device", "assign", "--user", username, "--serial", token.serial, "--database", db, now=now)
    assert (r.returncode, r.stdout) == (0, f"token {token.serial} assigned to {username}\n"), r.stderr
