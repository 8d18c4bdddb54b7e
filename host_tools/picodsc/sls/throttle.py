"""Token-bucket throttles kept in the database (shared by every process), on the injected clock."""

import math

from sqlalchemy import select, update

from . import tables as T
from .store import insert_if_absent

HOUR = 3600.0
# OWASP ASVS 2.2.1 leaves room for honest use: at least 100 attempts per hour per address and per user.
LOGIN_ATTEMPTS_PER_HOUR = 100
CHALLENGES_PER_HOUR = 120  # token challenges per (serial, user): one user never starves another


def take(conn, key: str, per_hour: float, now: float) -> float:
    """Take one token from bucket ``key`` (capacity ``per_hour``, refilled continuously).

    Returns 0 when allowed, else the seconds until one token is back (nothing taken)."""
    insert_if_absent(conn, T.throttles, key=key, tokens=float(per_hour), updated=now)
    row = conn.execute(
        select(T.throttles.c.tokens, T.throttles.c.updated).where(T.throttles.c.key == key).with_for_update()
    ).one()
    rate = per_hour / HOUR
    tokens = min(float(per_hour), row.tokens + max(0.0, now - row.updated) * rate)
    if tokens < 1.0:
        conn.execute(update(T.throttles).where(T.throttles.c.key == key).values(tokens=tokens, updated=now))
        return max(1.0, math.ceil((1.0 - tokens) / rate))
    conn.execute(update(T.throttles).where(T.throttles.c.key == key).values(tokens=tokens - 1.0, updated=now))
    return 0.0
