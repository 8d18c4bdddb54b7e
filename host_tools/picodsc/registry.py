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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import AlreadyRegistered, InvalidInput, KeyFileError, RegistryError, UnknownToken

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
# fsync per verification was ~95% of its cost (see SECURITY.md, "Durability on SQLite").
SYNCHRONOUS = "NORMAL"
SCHEMA_VERSION = 1
_SERIAL_RE = re.compile(r"[0-9A-F]{8,32}")
_TABLES = {"tokens", "challenges"}


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters (user input can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def now() -> float:
    """Epoch seconds; ``PICODSC_NOW`` overrides it (a testing hook for expiry and lockout)."""
    fake = os.environ.get("PICODSC_NOW")
    if fake:
        try:
            t = float(fake)
        except ValueError:
            t = math.nan
        if not math.isfinite(t):  # nan would compare false everywhere (e.g. with locked_until)
            raise InvalidInput("PICODSC_NOW must be epoch seconds", field="PICODSC_NOW")
        return t
    return time.time()


def default_registry_path() -> Path:
    env = os.environ.get("PICODSC_REGISTRY")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("picodsc")) / "registry.sqlite3"


def default_key_file(registry_path: str | os.PathLike) -> Path:
    env = os.environ.get("PICODSC_KEY_FILE")
    return Path(env) if env else Path(registry_path).with_name("picodsc.key")


def check_serial(serial: str | None) -> str:
    """The serial in canonical form (upper-case hex); InvalidInput unless 8..32 hex digits."""
    s = (serial or "").strip().upper()
    if not _SERIAL_RE.fullmatch(s):
        raise InvalidInput(f"bad serial {shown(serial)}: expected 8..32 hex digits", field="serial")
    return s


def enable_wal(db: sqlite3.Connection, timeout: float) -> None:
    """``PRAGMA journal_mode=WAL``, waiting up to ``timeout`` s for others opening the same new file.

    Switching a fresh database to WAL needs an exclusive lock, and SQLite answers "database is locked"
    at once (its busy handler is not called) while another connection is switching it too: several
    server processes starting on a new database do exactly that.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


class Sealer:
    """AES-256-GCM under a key file; associated data binds each value to its serial and field.

    ``missing``: None to create a missing key file, else the error message to raise instead (a
    registry that already holds sealed values needs *its* key, never a fresh one).
    """

    def __init__(self, key_file: str | os.PathLike, missing: str | None = None) -> None:
        self.path = Path(key_file)
        self._missing = missing
        self._aead = AESGCM(self._load_or_create())

    def _load_or_create(self) -> bytes:
        try:
            # O_NONBLOCK: a FIFO planted at the path must not hang us (no effect on a regular file).
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            if self._missing:
                raise KeyFileError(self._missing, self.path) from None
            return self._create()
        except OSError as e:
            raise KeyFileError(f"cannot open key file {self.path}: {e.strerror}", self.path) from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise KeyFileError(f"key file {self.path} is not a regular file", self.path)
        with os.fdopen(fd, "rb") as f:
            if st.st_mode & 0o077:
                raise KeyFileError(
                    f"key file {self.path} has loose permissions ({stat.S_IMODE(st.st_mode):04o}); "
                    f"run `chmod 600 {self.path}`", self.path)
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                raise KeyFileError(f"key file {self.path} is not owned by the current user", self.path)
            key = f.read(64)
        if len(key) != 32:
            raise KeyFileError(f"key file {self.path} is not a 32-byte AES key", self.path)
        return key

    def _create(self) -> bytes:
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
    def _aad(serial: str, field: str) -> bytes:
        return f"picodsc:{serial}:{field}".encode()

    def seal(self, serial: str, field: str, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return _SEAL_VERSION + nonce + self._aead.encrypt(nonce, bytes(data), self._aad(serial, field))

    def open(self, serial: str, field: str, blob: bytes | None) -> bytes:
        if not blob or blob[:1] != _SEAL_VERSION:
            raise RegistryError(f"registry entry {serial} is damaged", None)
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], self._aad(serial, field))
        except InvalidTag:
            raise KeyFileError(
                f"cannot decrypt the {field} of {serial}: wrong key file or tampered registry", self.path
            ) from None


@dataclass
class TokenRecord:
    """A token's row in the registry, decrypted (the firmware's state machine is ``dsc.app.Token``)."""

    serial: str
    suite: str
    secret: bytes
    pin_hash: bytes | None
    counter: int
    failures: list[float]  # epoch times of the current run of consecutive failures
    locked_until: float | None

    def __repr__(self) -> str:  # never show the secret or PIN hash
        return f"TokenRecord(serial={self.serial!r}, suite={self.suite!r}, counter={self.counter})"


class Registry:
    """The registry database. ``clock`` (default :func:`now`) is the time source.

    ``create=False`` (commands that only use existing tokens): a missing or empty database file is
    an error instead of a new, empty registry. A database with other tables than the registry's is
    refused, never changed.
    """

    def __init__(self, path: str | os.PathLike | None = None, key_file: str | os.PathLike | None = None,
                 clock: Callable[[], float] = now, timeout: float = 60.0, create: bool = True) -> None:
        self.path = Path(path) if path else default_registry_path()
        self.key_file = Path(key_file) if key_file else default_key_file(self.path)
        self.clock = clock
        self._sealer: Sealer | None = None
        self._timeout = timeout
        if not create:
            self._check_exists()
        self._db = self._connect()

    def _check_exists(self) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise RegistryError(f"no registry at {self.path} (--registry / PICODSC_REGISTRY; "
                                "`picodsc provision` creates one)", self.path) from None
        except OSError as e:
            raise RegistryError(f"cannot open registry {self.path}: {e.strerror}", self.path) from None
        if size == 0:
            raise RegistryError(f"registry {self.path} is empty (truncated?): restore it from a backup",
                                self.path)

    def _connect(self) -> sqlite3.Connection:
        old_umask = os.umask(0o077)  # the database and its -wal/-shm files: owner only
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
            version = db.execute("PRAGMA user_version").fetchone()[0]  # also: is it SQLite at all?
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                      if not r[0].startswith("sqlite_")}  # SQLite's own (ANALYZE's sqlite_stat1, ...)
            if version > SCHEMA_VERSION:
                raise RegistryError(f"registry {self.path} is from a newer picodsc (schema {version})",
                                    self.path)
            if tables - _TABLES or (version == SCHEMA_VERSION and tables != _TABLES):
                db.close()
                raise RegistryError(f"{self.path} is not a picodsc registry (other tables): not touched",
                                    self.path)
            enable_wal(db, self._timeout)
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
            if version < SCHEMA_VERSION:
                with _immediate(db):
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            db.execute(stmt)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as e:
            raise RegistryError(f"cannot open registry {self.path}: {e}", self.path) from None
        except OSError as e:
            raise RegistryError(f"cannot open registry {self.path}: {e.strerror}", self.path) from None
        finally:
            os.umask(old_umask)
        return db

    @property
    def sealer(self) -> Sealer:
        """The key file's AES-GCM sealer, loaded (or created) on first use."""
        if self._sealer is None:
            missing = None
            if self._db.execute("SELECT 1 FROM tokens LIMIT 1").fetchone():
                missing = (f"cannot decrypt the tokens in {self.path}: their key file {self.key_file} is "
                           "missing (restore it, or point PICODSC_KEY_FILE at it)")
            self._sealer = Sealer(self.key_file, missing=missing)
        return self._sealer

    def check_key_file(self) -> None:
        """Load (or create) the key file now: its problems surface before a token is touched."""
        self.sealer  # noqa: B018 (loads it)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rollback on error): one writer at a time."""
        try:
            with _immediate(self._db):
                yield self._db
        except sqlite3.OperationalError as e:
            raise RegistryError(f"registry {self.path} is busy or unwritable: {e}", self.path) from None

    # -- tokens ----------------------------------------------------------------------------------
    def add_token(self, serial: str, suite: str, secret: bytes, pin_hash: bytes | None = None,
                  counter: int = 0, replace: bool = False) -> None:
        """Record a token (sealing its secret and PIN hash); AlreadyRegistered unless ``replace``."""
        serial = check_serial(serial)
        sealer = self.sealer
        row = (serial, suite, sealer.seal(serial, "secret", secret),
               sealer.seal(serial, "pin_hash", pin_hash) if pin_hash is not None else None,
               int(counter), self.clock())
        with self.transaction() as db:
            exists = db.execute("SELECT 1 FROM tokens WHERE serial=?", (serial,)).fetchone()
            if exists and not replace:
                raise AlreadyRegistered(serial)
            db.execute("DELETE FROM tokens WHERE serial=?", (serial,))
            db.execute("INSERT INTO tokens (serial, suite, secret, pin_hash, counter, created) "
                       "VALUES (?, ?, ?, ?, ?, ?)", row)

    def has_token(self, serial: str) -> bool:
        serial = check_serial(serial)
        return self._db.execute("SELECT 1 FROM tokens WHERE serial=?", (serial,)).fetchone() is not None

    def serials(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT serial FROM tokens ORDER BY serial")]

    def suite_of(self, serial: str) -> str:
        """The token's suite text (nothing decrypted): for checking arguments before a transaction."""
        serial = check_serial(serial)
        row = self._db.execute("SELECT suite FROM tokens WHERE serial=?", (serial,)).fetchone()
        if row is None:
            raise UnknownToken(serial)
        return row[0]

    def load(self, serial: str, db: sqlite3.Connection | None = None) -> TokenRecord:
        """The decrypted :class:`TokenRecord` (inside a transaction when ``db`` is given); UnknownToken."""
        serial = check_serial(serial)
        row = (db or self._db).execute(
            "SELECT suite, secret, pin_hash, counter, failures, locked_until FROM tokens WHERE serial=?",
            (serial,),
        ).fetchone()
        if row is None:
            raise UnknownToken(serial)
        suite, secret, pin_hash, counter, failures, locked = row
        sealer = self.sealer
        return TokenRecord(serial, suite, sealer.open(serial, "secret", secret),
                     sealer.open(serial, "pin_hash", pin_hash) if pin_hash is not None else None,
                     counter, json.loads(failures), locked)

    def save_state(self, db: sqlite3.Connection, token: TokenRecord) -> None:
        """Write back the mutable fields (counter, failures, lock) of ``token``."""
        db.execute("UPDATE tokens SET counter=?, failures=?, locked_until=? WHERE serial=?",
                   (token.counter, json.dumps(token.failures), token.locked_until, token.serial))

    def set_pin_hash(self, db: sqlite3.Connection, serial: str, pin_hash: bytes) -> None:
        db.execute("UPDATE tokens SET pin_hash=? WHERE serial=?",
                   (self.sealer.seal(serial, "pin_hash", pin_hash), serial))

    # -- challenges -----------------------------------------------------------------------------
    def add_challenge(self, db: sqlite3.Connection, serial: str, challenge: str, issued: float,
                      purge_before: float) -> bool:
        """Record a pending challenge (purging unused ones issued before ``purge_before``); False if
        taken. Used challenges are never purged: a used challenge is never drawn (or accepted) again for
        the serial, so an observed (challenge, response) pair cannot replay after any delay."""
        db.execute("DELETE FROM challenges WHERE issued < ? AND used = 0", (purge_before,))
        try:
            db.execute("INSERT INTO challenges (serial, challenge, issued) VALUES (?, ?, ?)",
                       (serial, challenge, issued))
        except sqlite3.IntegrityError:
            return False
        return True

    def take_challenge(self, db: sqlite3.Connection, serial: str, challenge: str) -> tuple[float, int] | None:
        """(issued, used) of a pending challenge, marking it used; None if unknown."""
        row = db.execute("SELECT issued, used FROM challenges WHERE serial=? AND challenge=?",
                         (serial, challenge)).fetchone()
        if row is not None and not row[1]:
            db.execute("UPDATE challenges SET used=1 WHERE serial=? AND challenge=?", (serial, challenge))
        return row


@contextlib.contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
