"""The registry's durability setting (SECURITY.md, "Durability on SQLite"): WAL, synchronous=NORMAL,
and a challenge whose used flag was lost still expires CHALLENGE_TTL after issue."""

import hashlib
import sqlite3

from picodsc.ocra import Prepared
from picodsc.registry import Registry
from picodsc.verifier import CHALLENGE_TTL, UNKNOWN, Verifier

SUITE = "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"
SERIAL = "E6614103E72B8F2A"


def test_wal_and_synchronous_normal(tmp_path):
    with Registry(tmp_path / "r.sqlite3", tmp_path / "r.key", clock=lambda: 1e9) as reg:
        reg.add_token(SERIAL, SUITE, bytes(32), hashlib.sha256(b"4739").digest())
        assert reg._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert reg._db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL


def test_a_lost_used_flag_is_bounded_by_the_ttl(tmp_path):
    now = [1e9]
    with Registry(tmp_path / "r.sqlite3", tmp_path / "r.key", clock=lambda: now[0]) as reg:
        reg.add_token(SERIAL, SUITE, bytes(32), hashlib.sha256(b"4739").digest())
        ver = Verifier(reg)
        challenge = ver.challenge(SERIAL)
        answer = Prepared(SUITE, bytes(32), hashlib.sha256(b"4739").digest()).response(challenge)
        assert ver.verify(SERIAL, challenge, answer).ok
    with sqlite3.connect(tmp_path / "r.sqlite3") as db:  # an OS crash rolled the used flag back
        db.execute("UPDATE challenges SET used = 0")
    now[0] += CHALLENGE_TTL + 1
    with Registry(tmp_path / "r.sqlite3", tmp_path / "r.key", clock=lambda: now[0]) as reg:
        assert Verifier(reg).verify(SERIAL, challenge, answer).reason == UNKNOWN
