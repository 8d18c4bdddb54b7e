"""Concurrent verify processes lose no failure count (BEGIN IMMEDIATE read-modify-write)."""

import multiprocessing

from picodsc.registry import Registry
from picodsc.verifier import WRONG, Verifier
from support.token import DAY, SERIAL, T0

PROCS = 8


def _hammer(args):
    path, key_file, rounds, max_failures = args
    reasons = []
    with Registry(path, key_file, clock=lambda: float(T0)) as reg:
        ver = Verifier(reg, max_failures=max_failures)
        for _ in range(rounds):
            c = ver.challenge(SERIAL)
            reasons.append(ver.verify(SERIAL, c, "00000000").reason)
    return reasons


def _run(registry, rounds, max_failures):
    registry.close()
    path, key_file = registry.path, registry.key_file
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(PROCS) as pool:
        out = pool.map(_hammer, [(path, key_file, rounds, max_failures)] * PROCS)
    with Registry(path, key_file) as reg:
        return [r for rs in out for r in rs], reg.load(SERIAL)


def test_every_failure_counted(registry):
    # "00000000" matches a random challenge with probability 1e-8: every answer is wrong.
    reasons, tok = _run(registry, rounds=25, max_failures=10_000)
    assert reasons == [WRONG] * (PROCS * 25)
    assert len(tok.failures) == PROCS * 25 and tok.locked_until is None


def test_concurrent_lockout_at_exactly_10(registry):
    reasons, tok = _run(registry, rounds=3, max_failures=10)
    assert reasons.count(WRONG) == 10
    assert sum(r.startswith("token locked until") for r in reasons) == PROCS * 3 - 10
    assert len(tok.failures) == 10 and tok.locked_until == T0 + DAY
