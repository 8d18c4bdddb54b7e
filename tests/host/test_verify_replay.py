"""A used challenge is never drawn or accepted again for its serial, however long after (issue 11)."""

from picodsc import verifier as verifier_module
from picodsc.ocra import compute, pin_hash
from picodsc.registry import Registry
from picodsc.verifier import Verifier

SERIAL = "E6614103E72B8F2A"
SUITE = "OCRA-1:HOTP-SHA1-6:QN04-PSHA256"  # a small challenge space: replays were ~5,500 requests away
KEY = bytes(range(20))
PIN = "4711"
DAY = 86400


def test_used_challenge_is_never_drawn_again(tmp_path, monkeypatch):
    now = [1_700_000_000.0]
    with Registry(tmp_path / "r.sqlite3", tmp_path / "r.key", clock=lambda: now[0]) as reg:
        reg.add_token(SERIAL, SUITE, KEY, pin_hash(SUITE, PIN))
        ver = Verifier(reg)
        c0 = ver.challenge(SERIAL)
        r0 = compute(SUITE, KEY, c0, pin_hash=pin_hash(SUITE, PIN))
        assert ver.verify(SERIAL, c0, r0).ok
        now[0] += 10 * DAY  # long after the pending rows are purged
        draws = iter([c0, c0, "1234" if c0 != "1234" else "4321"])
        monkeypatch.setattr(verifier_module, "new_challenge", lambda suite: next(draws))
        c1 = ver.challenge(SERIAL)
        assert c1 != c0  # the attacker's wish (c0 again) is drawn, refused, drawn again
        assert not ver.verify(SERIAL, c0, r0).ok  # the observed pair does not replay
        assert ver.verify(SERIAL, c1, compute(SUITE, KEY, c1, pin_hash=pin_hash(SUITE, PIN))).ok


def test_unused_expired_challenges_are_still_purged(tmp_path):
    now = [1_700_000_000.0]
    with Registry(tmp_path / "r.sqlite3", tmp_path / "r.key", clock=lambda: now[0]) as reg:
        reg.add_token(SERIAL, SUITE, KEY, pin_hash(SUITE, PIN))
        ver = Verifier(reg)
        for _ in range(5):
            ver.challenge(SERIAL)
        now[0] += DAY
        ver.challenge(SERIAL)
        assert reg._db.execute("SELECT count(*) FROM challenges").fetchone()[0] == 1
