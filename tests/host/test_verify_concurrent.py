"""Concurrent verify processes lose no failure count (BEGIN IMMEDIATE read-modify-write)."""

import multiprocessing

from picodsc.ocra import pin_hash
from picodsc.registry import Registry
from picodsc.verifier import WRONG, Verifier

SERIAL = "E6614103E72B8F2A"
SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
PROCS = 8


def _hammer(args):
    path, key_file, rounds, max_failures = args
    reasons = []
    with Registry(path, key_file, clock=lambda: 1_700_000_000.0) as reg:
        ver = Verifier(reg, max_failures=max_failures)
        for _ in range(rounds):
            c = ver.challenge(SERIAL)
            reasons.append(ver.verify(SERIAL, c, "00000000").reason)
    return reasons


def _setup(tmp_path):
    path, key_file = tmp_path / "r.sqlite3", tmp_path / "r.key"
    with Registry(path, key_file) as reg:
        reg.add_token(SERIAL, SUITE, bytes(32), pin_hash(SUITE, "4711"))
    return path, key_file


def _run(tmp_path, rounds, max_failures):
    path, key_file = _setup(tmp_path)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(PROCS) as pool:
        out = pool.map(_hammer, [(path, key_file, rounds, max_failures)] * PROCS)
    with Registry(path, key_file) as reg:
        return [r for rs in out for r in rs], reg.load(SERIAL)


def test_every_failure_counted(tmp_path):
    # "00000000" matches a random challenge with probability 1e-8: every answer is wrong.
    reasons, tok = _run(tmp_path, rounds=25, max_failures=10_000)
    assert reasons == [WRONG] * (PROCS * 25)
    assert len(tok.failures) == PROCS * 25 and tok.locked_until is None


def test_concurrent_lockout_at_exactly_10(tmp_path):
    reasons, tok = _run(tmp_path, rounds=3, max_failures=10)
    assert reasons.count(WRONG) == 10
    assert sum(r.startswith("token locked until") for r in reasons) == PROCS * 3 - 10
    assert len(tok.failures) == 10 and tok.locked_until == 1_700_000_000.0 + 24 * 3600
