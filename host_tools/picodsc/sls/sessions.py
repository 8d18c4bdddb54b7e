"""Server-side sessions: random bearer tokens, stored as SHA-256, idle and absolute timeouts."""

import hashlib
import secrets

from sqlalchemy import delete, insert, or_, select, update

from . import tables as T
from .errors import SessionInvalid

IDLE_TIMEOUT = 15 * 60
ABSOLUTE_TIMEOUT = 12 * 3600
STEP_UP_FRESH = 5 * 60


def token_id(token) -> str | None:
    if not isinstance(token, str) or not (16 <= len(token) <= 128):
        return None
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def session_expiry(created_at: float, last_seen: float) -> float:
    """Idle 15 min after the last use, and never more than 12 h after the login."""
    return min(last_seen + IDLE_TIMEOUT, created_at + ABSOLUTE_TIMEOUT)


def create(conn, username, access, credential, ref_id, now, created_at=None, fresh_until=0.0):
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(T.sessions).values(
            id=token_id(token),
            username=username,
            access=access,
            credential=credential,
            ref_id=ref_id,
            created_at=now if created_at is None else created_at,
            last_seen=now,
            fresh_until=fresh_until,
            revoked=False,
        )
    )
    return token


def lookup(conn, token, now, *, lock=False):
    """The live session row for ``token`` (raises SessionInvalid); does not touch it."""
    sid = token_id(token)
    q = select(T.sessions).where(T.sessions.c.id == sid)
    row = conn.execute(q.with_for_update() if lock else q).mappings().first() if sid else None
    if row is None or row["revoked"]:
        raise SessionInvalid()
    if now >= session_expiry(row["created_at"], row["last_seen"]) or now < row["created_at"]:
        raise SessionInvalid()
    return row


def touch(conn, row, now):
    conn.execute(update(T.sessions).where(T.sessions.c.id == row["id"]).values(last_seen=now))


def revoke(conn, sid):
    conn.execute(update(T.sessions).where(T.sessions.c.id == sid).values(revoked=True))


def revoke_temporary(conn, username):
    """End every session of ``username`` opened with a temporary credential (passcode or card)."""
    return conn.execute(
        update(T.sessions)
        .where(
            T.sessions.c.username == username,
            T.sessions.c.credential.in_(("passcode", "card")),
            T.sessions.c.revoked.is_(False),
        )
        .values(revoked=True)
    ).rowcount


def purge(conn, now) -> int:
    return conn.execute(
        delete(T.sessions).where(
            or_(
                T.sessions.c.revoked.is_(True),
                T.sessions.c.last_seen < now - IDLE_TIMEOUT,
                T.sessions.c.created_at < now - ABSOLUTE_TIMEOUT,
            )
        )
    ).rowcount
