"""Registry: round trip, encryption at rest, key file rules."""

import os
import sqlite3

import pytest
from picodsc.errors import PicodscError, UsageError
from picodsc.registry import Registry, Sealer, check_serial
from support.token import SERIAL, SUITE

SECRET = bytes.fromhex("5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7abcd")
PIN_HASH = bytes.fromhex("c0ffee" * 10 + "c0")


@pytest.fixture
def reg(empty_registry):
    return empty_registry


def test_round_trip(reg):
    reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH, counter=7)
    tok = reg.load(SERIAL.lower())
    got = (tok.serial, tok.suite, tok.secret, tok.pin_hash, tok.counter)
    assert got == (SERIAL, SUITE, SECRET, PIN_HASH, 7)
    assert tok.failures == [] and tok.locked_until is None
    assert reg.serials() == [SERIAL] and reg.has_token(SERIAL)
    assert SECRET.hex() not in repr(tok) and PIN_HASH.hex() not in repr(tok)


def test_reopen_and_duplicate(tmp_path, reg):
    reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH)
    with pytest.raises(PicodscError, match="already in the registry"):
        reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH)
    reg.close()
    with Registry(tmp_path / "r.sqlite3") as again:
        assert again.load(SERIAL).secret == SECRET


def test_encrypted_at_rest(tmp_path, reg):
    reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH)
    reg.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("r.sqlite3"))
    assert SERIAL.encode() in blob  # the file is really the registry
    for secret in (SECRET, PIN_HASH):
        assert secret not in blob
        assert secret.hex().encode() not in blob and secret.hex().upper().encode() not in blob


def test_key_file_created_private(tmp_path, reg):
    reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH)
    assert (tmp_path / "picodsc.key").stat().st_mode & 0o777 == 0o600
    for p in tmp_path.iterdir():  # the database, its -wal and -shm files, the key file
        assert p.stat().st_mode & 0o077 == 0, p
    assert {p.name for p in tmp_path.iterdir()} >= {"r.sqlite3", "r.sqlite3-wal", "picodsc.key"}


def test_key_file_loose_permissions_refused(tmp_path, reg):
    reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH)
    os.chmod(tmp_path / "picodsc.key", 0o644)
    with pytest.raises(PicodscError, match="loose permissions"):
        Sealer(tmp_path / "picodsc.key")


def test_wrong_key_or_swapped_rows_fail(tmp_path, reg):
    reg.add_token(SERIAL, SUITE, SECRET, PIN_HASH)
    other = "0123456789ABCDEF"
    reg.add_token(other, SUITE, SECRET[::-1], PIN_HASH)
    reg.close()
    db = sqlite3.connect(tmp_path / "r.sqlite3")
    sealed = db.execute("SELECT secret FROM tokens WHERE serial=?", (SERIAL,)).fetchone()[0]
    db.execute("UPDATE tokens SET secret=? WHERE serial=?", (sealed, other))  # copy a sealed secret
    db.commit()
    db.close()
    with Registry(tmp_path / "r.sqlite3") as r:
        with pytest.raises(PicodscError, match="cannot decrypt") as e:
            r.load(other)
        assert SECRET.hex() not in str(e.value)
    os.remove(tmp_path / "picodsc.key")
    with Registry(tmp_path / "r.sqlite3") as r:  # fresh key: nothing opens
        with pytest.raises(PicodscError, match="cannot decrypt"):
            r.load(SERIAL)


def test_newer_schema_refused(tmp_path, reg):
    reg.close()
    db = sqlite3.connect(tmp_path / "r.sqlite3")
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(PicodscError, match="newer picodsc"):
        Registry(tmp_path / "r.sqlite3")


def test_unknown_and_bad_serial(reg):
    with pytest.raises(PicodscError, match="unknown token"):
        reg.load(SERIAL)
    with pytest.raises(UsageError, match="bad serial"):
        check_serial("XYZ; DROP TABLE")
