"""Accounts and users: the user-name rule, passwords (argon2id), identification data, roles."""

import json
import re

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select

from . import tables as T
from .errors import BadCharacter, Conflict, InvalidCredentials, InvalidInput, NotFound
from .views import Identity

# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
MAX_NAME = 64
MIN_PASSWORD = 8
MAX_PASSWORD = 256

_USER_NAME = re.compile(r"[a-z0-9]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")

HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)
_dummy = {}


def _dummy_hash():
    """A hash with the current parameters: an unknown user costs what a known one does."""
    if HASHER not in _dummy:
        _dummy[HASHER] = HASHER.hash("picodsc: no such user")
    return _dummy[HASHER]


def user_name_rule(username: str) -> str:
    """The seed's rule: letters and digits only (else BAD CHARACTER, touching no counter); names are
    case-sensitive and lower case, so ``Alice`` is well-formed but simply not a user."""
    if not isinstance(username, str) or not _ALNUM.fullmatch(username):
        raise BadCharacter()
    if len(username) > MAX_NAME or not _USER_NAME.fullmatch(username):
        raise InvalidCredentials()
    return username


def new_user_name(username: str) -> str:
    """A name Client Services may create: must pass the login rule itself."""
    if not isinstance(username, str) or not _USER_NAME.fullmatch(username) or len(username) > MAX_NAME:
        raise InvalidInput("username", f"lower-case letters and digits only, 1..{MAX_NAME} characters")
    return username


def hash_secret(secret: str) -> str:
    return HASHER.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    """Constant-work check: an unknown user (``stored`` None) hashes against a dummy."""
    try:
        return HASHER.verify(stored or _dummy_hash(), secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> None:
    if not isinstance(password, str) or not (MIN_PASSWORD <= len(password) <= MAX_PASSWORD):
        raise InvalidInput("password", f"{MIN_PASSWORD}..{MAX_PASSWORD} characters")


def identity_digest(store, identity: Identity) -> str:
    """Keyed digest of the normalised identification data: equal data, equal digest (sharing rule)."""
    fields = [identity.date_of_birth, identity.citizenship, identity.residence]
    fields += [identity.ssn] if identity.ssn else [identity.id_type, identity.id_number]
    norm = "\x1f".join(re.sub(r"\s+", "", f or "").upper() for f in fields)
    return store.mac("identity-key", norm.encode())


def check_identity(identity: Identity) -> None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", identity.date_of_birth or ""):
        raise InvalidInput("date_of_birth", "YYYY-MM-DD")
    if not identity.citizenship or not identity.residence:
        raise InvalidInput("identity", "citizenship and country of legal residence are required")
    if not identity.ssn and not (identity.id_type and identity.id_number):
        raise InvalidInput("identity", "an ID document type and number, or an SSN, is required")


def add_user(store, conn, username, *, account, password_hash, primary, identity, now):
    """Insert a user (the password is hashed by the caller, before the write lock)."""
    if not isinstance(account, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", account):
        raise InvalidInput("account", "1..64 letters, digits, '-' or '_'")
    sealed = digest = None
    if identity is not None:
        check_identity(identity)
        sealed = store.seal(f"user:{username}", "identity", json.dumps(identity.__dict__).encode())
        digest = identity_digest(store, identity)
    if conn.execute(select(T.users.c.username).where(T.users.c.username == username)).first():
        raise Conflict(f"user {username} already exists")
    acct = conn.execute(select(T.accounts.c.name).where(T.accounts.c.name == account)).first()
    if acct is None:
        conn.execute(insert(T.accounts).values(name=account, participating=True, created_at=now))
    elif primary and primary_of(conn, account):
        raise Conflict(f"account {account} already has a primary user ({primary_of(conn, account)})")
    conn.execute(
        insert(T.users).values(
            username=username,
            account=account,
            is_primary=bool(primary),
            password_hash=password_hash,
            identity=sealed,
            identity_digest=digest,
            failures=0,
            failure_times="[]",
            locked_until=None,
            created_at=now,
        )
    )


def primary_of(conn, account) -> str | None:
    row = conn.execute(
        select(T.users.c.username).where(T.users.c.account == account, T.users.c.is_primary.is_(True))
    ).first()
    return row[0] if row else None


def get_user(conn, username, *, lock=False):
    q = select(T.users).where(T.users.c.username == username)
    if lock:
        q = q.with_for_update()
    return conn.execute(q).mappings().first()


def require_user(conn, username, *, lock=False):
    row = get_user(conn, username, lock=lock) if isinstance(username, str) else None
    if row is None:
        raise NotFound(f"user {username!r}"[:80])
    return row


def account_participating(conn, account) -> bool:
    return bool(conn.execute(select(T.accounts.c.participating).where(T.accounts.c.name == account)).scalar())
