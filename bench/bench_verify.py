"""Verification speed of picodsc.ocra.Prepared (the server's hot path) against oath's ``accept``.

Pure verification step, no SQLite: the same key, challenges, PIN and responses for both. oath gets
the PIN (its ``P_digest`` path is broken in oath 1.4.5) and hashes it per call; picodsc gets the PIN
hash, as stored in the registry. Also: the cost of a 100-step counter look-ahead (worst case: no
match, all 100 candidates computed), and a full registry verify (SQLite + AES-GCM) for scale.
"""

import hashlib
import random
import tempfile
import time
from pathlib import Path

from oath import _ocra
from picodsc.ocra import Prepared, parse_suite
from picodsc.registry import Registry
from picodsc.verifier import Verifier

SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
C_SUITE = "OCRA-1:HOTP-SHA256-8:C-QN06-PSHA256"
KEY = bytes(range(32))
PIN = "4711"
N = 20_000


def _best(fn, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    rng = random.Random(6287)
    qs = [f"{rng.randrange(10**6):06d}" for _ in range(N)]
    ph = hashlib.sha256(PIN.encode()).digest()
    ref = _ocra.str2ocrasuite(SUITE)
    rs = [ref(KEY, Q=q, P=PIN) for q in qs]
    pairs = list(zip(qs, rs, strict=True))
    suite = parse_suite(SUITE)

    def ours():  # what Verifier does per verification: prepare for the token, then match
        for q, r in pairs:
            assert Prepared(suite, KEY, ph).match(q, r) == 0

    prepared = Prepared(suite, KEY, ph)

    def ours_prepared():
        for q, r in pairs:
            assert prepared.match(q, r) == 0

    def theirs():
        for q, r in pairs:
            assert ref.accept(r, KEY, Q=q, P=PIN)

    t_ours, t_prep, t_oath = _best(ours), _best(ours_prepared), _best(theirs)
    print(f"suite {SUITE}, {N} verifications per run, best of 5")
    print(f"  picodsc (prepare + match)   {N / t_ours:10.0f} verif/s  {t_ours / N * 1e6:6.2f} us")
    print(f"  picodsc (prepared once)     {N / t_prep:10.0f} verif/s  {t_prep / N * 1e6:6.2f} us")
    print(f"  oath 1.4.5 accept           {N / t_oath:10.0f} verif/s  {t_oath / N * 1e6:6.2f} us")
    print(f"  speed-up vs oath            {t_oath / t_ours:10.2f} x (prepared once: {t_oath / t_prep:.2f} x)")

    # Counter look-ahead: a response from none of the 100 counters (worst case).
    c_suite = parse_suite(C_SUITE)
    cp = Prepared(c_suite, KEY, ph)
    m = 2000
    wrong = "00000000"
    t1 = _best(lambda: [cp.match(q, wrong, counter=0, window=1) for q in qs[:m]])
    t100 = _best(lambda: [cp.match(q, wrong, counter=0, window=100) for q in qs[:m]])
    c_ref = _ocra.str2ocrasuite(C_SUITE)
    t_oath100 = _best(lambda: [any(c_ref.accept(wrong, KEY, C=c, Q=q, P=PIN) for c in range(100))
                               for q in qs[:200]], repeat=3) * (m / 200)
    print(f"counter look-ahead ({C_SUITE}), worst case (no match)")
    print(f"  window 1                    {t1 / m * 1e6:8.1f} us per verify")
    print(f"  window 100                  {t100 / m * 1e6:8.1f} us per verify "
          f"({t100 / m / 100 * 1e6:.2f} us per step, {t100 / t1:.0f} x window 1)")
    print(f"  oath accept x 100           {t_oath100 / m * 1e6:8.1f} us per verify")

    with tempfile.TemporaryDirectory() as tmp:
        with Registry(Path(tmp) / "r.sqlite3", Path(tmp) / "r.key", clock=lambda: 1e9) as reg:
            reg.add_token("E6614103E72B8F2A", SUITE, KEY, ph)
            ver = Verifier(reg)
            k = 300
            chs = [ver.challenge("E6614103E72B8F2A") for _ in range(k)]
            t = time.perf_counter()
            for c in chs:
                assert ver.verify("E6614103E72B8F2A", c, ref(KEY, Q=c, P=PIN)).ok
            t_db = time.perf_counter() - t
    print(f"full registry verify (SQLite WAL, synchronous=NORMAL, AES-GCM): {t_db / k * 1e3:.2f} ms each")
