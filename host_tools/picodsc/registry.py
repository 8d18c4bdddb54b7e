"""The token registry: SQLite (WAL) with secrets and PIN hashes encrypted at rest (AES-GCM).

One row per token (serial, suite, sealed secret, sealed PIN hash, counter, failure history, lock)
and one per pending challenge. Every read-modify-write runs inside ``BEGIN IMMEDIATE`` (see
:meth:`Registry.transaction`), so concurrent ``verify`` processes serialise on the database and no
failure is lost.

Paths: ``--registry`` / env ``PICODSC_REGISTRY`` (default: the user data directory), key file
``PICODSC_KEY_FILE`` (default: ``picodsc.key`` next to the registry; created 0600, refused if
group/other can access it). Testing hook: env ``PICODSC_NOW`` (epoch seconds) replaces the clock.
"""

import contextlib
import json
import math
import os
import re
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import PicodscError, UsageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    serial TEXT PRIMARY KEY,
    suite TEXT NOT NULL,
    secret BLOB NOT NULL,           -- sealed
    pin_hash BLOB,                  -- sealed, NULL for suites without P
    counter INTEGER NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]',  -- epoch times of the current run of consecutive failures
    locked_until REAL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
    serial TEXT NOT NULL REFERENCES tokens(serial) ON DELETE CASCADE,
    challenge TEXT NOT NULL,
    issued REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (serial, challenge)
);
"""
_SEAL_VERSION = b"\x01"
# WAL with synchronous=NORMAL: a commit is written to the WAL, which is fsynced at checkpoints, not at
# every commit. The database is never corrupted and survives a crash of the process; an OS crash or
# power loss can roll back the last commits (consumed challenges, failure counts). Their effect is
# bounded: a challenge is refused CHALLENGE_TTL (120 s) after issue whatever its used flag says. The
# fsync per verification was ~95% of its cost (see SECURITY.md, "Registry durability").
SYNCHRONOUS = "NORMAL"
SCHEMA_VERSION = 1
_SERIAL_RE = re.compile(r"[0-9A-F]{8,32}")
_TABLES = {"tokens", "challenges"}


def shown(value, limit=40):
    """``repr(value)`` for an error message, cut to ``limit`` characters (user input can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def now():
    """Epoch seconds; ``PICODSC_NOW`` overrides it (a testing hook for expiry and lockout)."""
    fake = os.environ.get("PICODSC_NOW")
    if fake:
        try:
            t = float(fake)
        except ValueError:
            t = math.nan
        if not math.isfinite(t):  # nan would compare false everywhere (e.g. with locked_until)
            raise UsageError("PICODSC_NOW must be epoch seconds")
        return t
    return time.time()


def default_registry_path():
    env = os.environ.get("PICODSC_REGISTRY")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("picodsc")) / "registry.sqlite3"


def default_key_file(registry_path):
    env = os.environ.get("PICODSC_KEY_FILE")
    return Path(env) if env else Path(registry_path).with_name("picodsc.key")


def check_serial(serial):
    s = (serial or "").strip().upper()
    if not _SERIAL_RE.fullmatch(s):
        raise UsageError(f"bad serial {shown(serial)}: expected 8..32 hex digits")
    return s


class Sealer:
    """AES-256-GCM under a key file; associated data binds each value to its serial and field.

    ``missing``: None to create a missing key file, else the error message to raise instead (a
    registry that already holds sealed values needs *its* key, never a fresh one).
    """

    def __init__(self, key_file, missing=None):
        self.path = Path(key_file)
        self._missing = missing
        self._aead = AESGCM(self._load_or_create())

    def _load_or_create(self):
        try:
            # O_NONBLOCK: a FIFO planted at the path must not hang us (no effect on a regular file).
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            if self._missing:
                raise PicodscError(self._missing) from None
            return self._create()
        except OSError as e:
            raise PicodscError(f"cannot open key file {self.path}: {e.strerror}") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise PicodscError(f"key file {self.path} is not a regular file")
        with os.fdopen(fd, "rb") as f:
            if st.st_mode & 0o077:
                raise PicodscError(
                    f"key file {self.path} has loose permissions ({stat.S_IMODE(st.st_mode):04o}); "
                    f"run `chmod 600 {self.path}`"
                )
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                raise PicodscError(f"key file {self.path} is not owned by the current user")
            key = f.read(64)
        if len(key) != 32:
            raise PicodscError(f"key file {self.path} is not a 32-byte AES key")
        return key

    def _create(self):
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = AESGCM.generate_key(bit_length=256)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use its key
            return self._load_or_create()
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        return key

    @staticmethod
    def _aad(serial, field):
        return f"picodsc:{serial}:{field}".encode()

    def seal(self, serial, field, data):
        nonce = os.urandom(12)
        return _SEAL_VERSION + nonce + self._aead.encrypt(nonce, bytes(data), self._aad(serial, field))

    def open(self, serial, field, blob):
        if not blob or blob[:1] != _SEAL_VERSION:
            raise PicodscError(f"registry entry {serial} is damaged")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], self._aad(serial, field))
        except InvalidTag:
            raise PicodscError(
                f"cannot decrypt the {field} of {serial}: wrong key file or tampered registry"
            ) from None


@dataclass
class Token:
    serial: str
    suite: str
    secret: bytes
    pin_hash: bytes | None
    counter: int
    failures: list
    locked_until: float | None

    def __repr__(self):  # never show the secret or PIN hash
        return f"Token(serial={self.serial!r}, suite={self.suite!r}, counter={self.counter})"


class Registry:
    """The registry database. ``clock`` (default :func:`now`) is the time source.

    ``create=False`` (commands that only use existing tokens): a missing or empty database file is
    an error instead of a new, empty registry. A database with other tables than the registry's is
    refused, never changed.
    """

    def __init__(self, path=None, key_file=None, clock=now, timeout=60.0, create=True):
        self.path = Path(path) if path else default_registry_path()
        self.key_file = Path(key_file) if key_file else default_key_file(self.path)
        self.clock = clock
        self._sealer = None
        self._timeout = timeout
        if not create:
            self._check_exists()
        self._db = self._connect()

    def _check_exists(self):
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise PicodscError(f"no registry at {self.path} (--registry / PICODSC_REGISTRY; "
                               "`picodsc provision` creates one)") from None
        except OSError as e:
            raise PicodscError(f"cannot open registry {self.path}: {e.strerror}") from None
        if size == 0:
            raise PicodscError(f"registry {self.path} is empty (truncated?): restore it from a backup")

    def _connect(self):
        old_umask = os.umask(0o077)  # the database and its -wal/-shm files: owner only
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            version = db.execute("PRAGMA user_version").fetchone()[0]  # also: is it SQLite at all?
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                      if not r[0].startswith("sqlite_")}  # SQLite's own (ANALYZE's sqlite_stat1, ...)
            if version > SCHEMA_VERSION:
                raise PicodscError(f"registry {self.path} is from a newer picodsc (schema {version})")
            if tables - _TABLES or (version == SCHEMA_VERSION and tables != _TABLES):
                db.close()
                raise PicodscError(f"{self.path} is not a picodsc registry (other tables): not touched")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
            if version < SCHEMA_VERSION:
                with _immediate(db):
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            db.execute(stmt)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as e:
            raise PicodscError(f"cannot open registry {self.path}: {e}") from None
        except OSError as e:
            raise PicodscError(f"cannot open registry {self.path}: {e.strerror}") from None
        finally:
            os.umask(old_umask)
        return db

    @property
    def sealer(self):
        if self._sealer is None:
            missing = None
            if self._db.execute("SELECT 1 FROM tokens LIMIT 1").fetchone():
                missing = (f"cannot decrypt the tokens in {self.path}: their key file {self.key_file} is "
                           "missing (restore it, or point PICODSC_KEY_FILE at it)")
            self._sealer = Sealer(self.key_file, missing=missing)
        return self._sealer

    def close(self):
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def transaction(self):
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rollback on error): one writer at a time."""
        try:
            with _immediate(self._db):
                yield self._db
        except sqlite3.OperationalError as e:
            raise PicodscError(f"registry {self.path} is busy or unwritable: {e}") from None

    # -- tokens ----------------------------------------------------------------------------------
    def add_token(self, serial, suite, secret, pin_hash=None, counter=0, replace=False):
        serial = check_serial(serial)
        sealer = self.sealer
        row = (serial, suite, sealer.seal(serial, "secret", secret),
               sealer.seal(serial, "pin_hash", pin_hash) if pin_hash is not None else None,
               int(counter), self.clock())
        with self.transaction() as db:
            exists = db.execute("SELECT 1 FROM tokens WHERE serial=?", (serial,)).fetchone()
            if exists and not replace:
                raise PicodscError(f"token {serial} is already in the registry")
            db.execute("DELETE FROM tokens WHERE serial=?", (serial,))
            db.execute("INSERT INTO tokens (serial, suite, secret, pin_hash, counter, created) "
                       "VALUES (?, ?, ?, ?, ?, ?)", row)

    def has_token(self, serial):
        serial = check_serial(serial)
        return self._db.execute("SELECT 1 FROM tokens WHERE serial=?", (serial,)).fetchone() is not None

    def serials(self):
        return [r[0] for r in self._db.execute("SELECT serial FROM tokens ORDER BY serial")]

    def suite_of(self, serial):
        """The token's suite text (nothing decrypted): for checking arguments before a transaction."""
        serial = check_serial(serial)
        row = self._db.execute("SELECT suite FROM tokens WHERE serial=?", (serial,)).fetchone()
        if row is None:
            raise PicodscError(f"unknown token {serial}")
        return row[0]

    def load(self, serial, db=None):
        """The decrypted :class:`Token` (inside a transaction when ``db`` is given)."""
        serial = check_serial(serial)
        row = (db or self._db).execute(
            "SELECT suite, secret, pin_hash, counter, failures, locked_until FROM tokens WHERE serial=?",
            (serial,),
        ).fetchone()
        if row is None:
            raise PicodscError(f"unknown token {serial}")
        suite, secret, pin_hash, counter, failures, locked = row
        sealer = self.sealer
        return Token(serial, suite, sealer.open(serial, "secret", secret),
                     sealer.open(serial, "pin_hash", pin_hash) if pin_hash is not None else None,
                     counter, json.loads(failures), locked)

    def save_state(self, db, token):
        """Write back the mutable fields (counter, failures, lock) of ``token``."""
        db.execute("UPDATE tokens SET counter=?, failures=?, locked_until=? WHERE serial=?",
                   (token.counter, json.dumps(token.failures), token.locked_until, token.serial))

    def set_pin_hash(self, db, serial, pin_hash):
        db.execute("UPDATE tokens SET pin_hash=? WHERE serial=?",
                   (self.sealer.seal(serial, "pin_hash", pin_hash), serial))

    # -- challenges -----------------------------------------------------------------------------
    def add_challenge(self, db, serial, challenge, issued, purge_before):
        db.execute("DELETE FROM challenges WHERE issued < ?", (purge_before,))
        try:
            db.execute("INSERT INTO challenges (serial, challenge, issued) VALUES (?, ?, ?)",
                       (serial, challenge, issued))
        except sqlite3.IntegrityError:
            return False
        return True

    def take_challenge(self, db, serial, challenge):
        """(issued, used) of a pending challenge, marking it used; None if unknown."""
        row = db.execute("SELECT issued, used FROM challenges WHERE serial=? AND challenge=?",
                         (serial, challenge)).fetchone()
        if row is not None and not row[1]:
            db.execute("UPDATE challenges SET used=1 WHERE serial=? AND challenge=?", (serial, challenge))
        return row


@contextlib.contextmanager
def _immediate(db):
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
