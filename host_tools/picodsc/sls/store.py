"""Engine, transactions, migrations and sealing at rest: the one storage path for SQLite and PostgreSQL.

- :meth:`Store.write` is a read-then-write transaction: ``BEGIN IMMEDIATE`` on SQLite (one writer at a
  time, taken before the first read), a normal transaction on PostgreSQL where the code locks what it
  reads with ``SELECT ... FOR UPDATE`` (``.with_for_update()``, which SQLite ignores). Same code path.
- :meth:`Store.read` is a plain (deferred) transaction.
- :func:`migrate` runs the Alembic revisions shipped in ``migrations/`` to head (PostgreSQL: under an
  advisory lock, so API processes starting together do not race).
- Sealing reuses :class:`picodsc.registry.Sealer` (AES-256-GCM under the key file). HMAC keys for the audit
  chain, identity digests and card pairs are random 32-byte values stored sealed in ``sls_meta``.
"""

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy import create_engine, event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..registry import Sealer, enable_wal
from . import tables as T
from .errors import Conflict, NotFound

DATABASE_ENV = "PICODSC_DATABASE_URL"
KEY_ENV = "PICODSC_KEY_FILE"
SEAL_SCOPE = "sls"
KEYS = ("audit-key", "identity-key")
# SQLite in WAL mode with synchronous=NORMAL: a commit reaches the WAL file but is fsynced at checkpoints,
# not at every commit (the fsync was ~60 % of a login step here). The database is never corrupted and
# survives a crash of the process; an OS crash or power loss can roll back the last commits (failure
# counts, a consumed card pair, a withdrawal record). See SECURITY.md "Durability". Deployments that
# cannot accept that run PostgreSQL (synchronous_commit on) or set this to "FULL".
SQLITE_SYNCHRONOUS = "NORMAL"
_SQLITE_TIMEOUT = 60.0  # seconds a SQLite connection waits for another writer
_PG_MIGRATION_LOCK = 0x5F1C0DE  # advisory lock id while migrating


def default_url() -> str:
    env = os.environ.get(DATABASE_ENV)
    if env:
        return env
    import platformdirs

    return f"sqlite:///{Path(platformdirs.user_data_dir('picodsc')) / 'sls.sqlite3'}"


def default_key_file(url: str) -> Path:
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///") :]).with_name("picodsc.key")
    import platformdirs

    return Path(platformdirs.user_data_dir("picodsc")) / "picodsc.key"


def _sqlite_engine(url):
    path = Path(url[len("sqlite:///") :])
    old = os.umask(0o077)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    finally:
        os.umask(old)
    engine = create_engine(url, connect_args={"timeout": _SQLITE_TIMEOUT})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        enable_wal(dbapi_conn, _SQLITE_TIMEOUT)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")

    old = os.umask(0o077)  # the database and its -wal/-shm files: owner only
    try:
        with engine.connect():
            pass
    finally:
        os.umask(old)
    return engine


class Store:
    def __init__(self, url: str | None = None, key_file=None, create: bool = True):
        self.url = url or default_url()
        self.sqlite = self.url.startswith("sqlite")
        if self.sqlite:
            if not create and not Path(self.url[len("sqlite:///") :]).exists():
                raise NotFound(f"database {self.url}")
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True)
        self.key_file = Path(key_file) if key_file else default_key_file(self.url)
        if create:
            migrate(self)
        elif not self._at_head():
            raise NotFound(f"login-service schema in {self.url} (run a command that creates it)")
        with self.read() as conn:
            sealed = conn.execute(select(T.meta.c.name).limit(1)).first() is not None
        missing = None
        if sealed:  # a database holding sealed values needs *its* key file, never a fresh one
            missing = (
                f"cannot decrypt {self.url}: its key file {self.key_file} is missing "
                f"(restore it, or point {KEY_ENV} at it)"
            )
        self.sealer = Sealer(self.key_file, missing=missing)
        self._keys = self._load_keys()

    def close(self):
        self.engine.dispose()

    def _at_head(self):
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() is not None

    @contextlib.contextmanager
    def write(self):
        """One read-then-write transaction (see the module docstring)."""
        with self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info["immediate"] = False

    @contextlib.contextmanager
    def read(self):
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    # -- sealing ----------------------------------------------------------------------------------
    def seal(self, subject: str, field: str, data: bytes) -> bytes:
        return self.sealer.seal(f"{SEAL_SCOPE}:{subject}", field, data)

    def unseal(self, subject: str, field: str, blob: bytes) -> bytes:
        return self.sealer.open(f"{SEAL_SCOPE}:{subject}", field, blob)

    def _load_keys(self):
        """Create (race-free) and unseal the HMAC keys, once, before any other transaction."""
        with self.write() as conn:
            for name in KEYS:
                blob = self.seal("meta", name, secrets.token_bytes(32))
                insert_if_absent(conn, T.meta, name=name, value=blob)
            rows = conn.execute(select(T.meta.c.name, T.meta.c.value).where(T.meta.c.name.in_(KEYS))).all()
        return {name: self.unseal("meta", name, value) for name, value in rows}

    def key(self, name: str) -> bytes:
        """A 32-byte secret kept sealed in ``sls_meta``: one of :data:`KEYS`."""
        return self._keys[name]

    def mac(self, name: str, data: bytes) -> str:
        return hmac.new(self.key(name), data, hashlib.sha256).hexdigest()


def migrate(store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with store.engine.connect() as conn:
        conn.info["immediate"] = True
        try:
            with conn.begin():
                if not store.sqlite:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as e:
            raise Conflict(f"cannot migrate {store.url}: {e.orig}") from None
        finally:
            conn.info["immediate"] = False


def is_conflict(exc: Exception) -> bool:
    return isinstance(exc, IntegrityError)


def insert_if_absent(conn, table, **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (both dialects); True when the row was inserted."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table).values(**values).on_conflict_do_nothing()
    key = list(table.primary_key.columns)[0]
    return conn.execute(stmt.returning(key)).first() is not None
