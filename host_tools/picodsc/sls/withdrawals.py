"""Withdrawal limits by the device that authenticated the session (the seed's table), atomic.

"Day" is the calendar day in New York; "5 business days" are the NYSE session holding the withdrawal
(the next session when it happens on a weekend or holiday) and the 4 sessions before it, from the
``exchange-calendars`` XNYS calendar. Amounts are integer cents.
"""

import datetime
import functools
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from . import tables as T
from .errors import Conflict, InvalidInput, LimitExceeded
from .views import Limits

NEW_YORK = ZoneInfo("America/New_York")
USD = 100  # cents
K = 1000 * USD
M = 1000 * K
UNLIMITED = None
BUSINESS_DAYS = 5
MAX_AMOUNT_CENTS = 10**15

# The seed's table: device -> (maximum per day, maximum in 5 business days).
WITHDRAWAL_LIMITS = {
    "None": (50 * K, 100 * K),
    "SMS": (200 * K, 600 * K),
    "IBKR Mobile Authentication (IB Key)": (1 * M, 1 * M),
    "Security Code Card": (200 * K, 600 * K),
    "Digital Security Card": (1 * M, 1500 * K),
    "Digital Security Card+": (UNLIMITED, UNLIMITED),
    "Platinum/Gold": (UNLIMITED, UNLIMITED),
}

# Our credentials -> the table's rows. A temporary passcode is no security device: "None".
LIMIT_ROW = {
    "token-dsc+": "Digital Security Card+",
    "token-dsc": "Digital Security Card",
    "card": "Security Code Card",
    "passcode": "None",
    "none": "None",
}


@functools.lru_cache(maxsize=1)
def nyse():
    import exchange_calendars

    return exchange_calendars.get_calendar("XNYS")


def ny_date(t: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(t, NEW_YORK).date()


def business_day(t: float) -> str:
    """The NYSE session a withdrawal at ``t`` belongs to (its New York date, or the next session)."""
    cal = nyse()
    try:
        return cal.date_to_session(ny_date(t).isoformat(), direction="next").date().isoformat()
    except Exception as e:  # outside the calendar's range
        raise Conflict(f"no NYSE calendar for {ny_date(t)}: {e}") from None


def five_business_days(t: float) -> list[str]:
    """The 5 sessions ending with the one ``t`` belongs to."""
    window = nyse().sessions_window(business_day(t), -BUSINESS_DAYS)
    return [d.date().isoformat() for d in window]


def withdrawal_limits(level: str, used_day: int, used_5: int) -> Limits:
    day, five = WITHDRAWAL_LIMITS[level]
    return Limits(
        level=level,
        day_cents=day,
        five_day_cents=five,
        used_day_cents=used_day,
        used_five_day_cents=used_5,
        left_day_cents=None if day is None else max(0, day - used_day),
        left_five_day_cents=None if five is None else max(0, five - used_5),
    )


def used(conn, username, now):
    w = T.withdrawals
    day = conn.execute(
        select(func.coalesce(func.sum(w.c.amount_cents), 0)).where(
            w.c.username == username, w.c.ny_date == ny_date(now).isoformat()
        )
    ).scalar()
    five = conn.execute(
        select(func.coalesce(func.sum(w.c.amount_cents), 0)).where(
            w.c.username == username, w.c.business_day.in_(five_business_days(now))
        )
    ).scalar()
    return int(day), int(five)


def limits_now(conn, username, level, now) -> Limits:
    return withdrawal_limits(level, *used(conn, username, now))


def withdraw(conn, username, level, amount_cents, now):
    """Record a withdrawal if it fits both limits. The caller holds the user row's lock."""
    if (
        isinstance(amount_cents, bool)
        or not isinstance(amount_cents, int)
        or not (0 < amount_cents <= MAX_AMOUNT_CENTS)
    ):
        raise InvalidInput("amount_cents", f"a whole number of cents, 1..{MAX_AMOUNT_CENTS}")
    lim = limits_now(conn, username, level, now)
    if lim.left_day_cents is not None and amount_cents > lim.left_day_cents:
        raise LimitExceeded(level, "day", lim.day_cents, lim.left_day_cents)
    if lim.left_five_day_cents is not None and amount_cents > lim.left_five_day_cents:
        raise LimitExceeded(level, "5 business days", lim.five_day_cents, lim.left_five_day_cents)
    wid = conn.execute(
        insert(T.withdrawals).values(
            username=username,
            amount_cents=amount_cents,
            at=now,
            ny_date=ny_date(now).isoformat(),
            business_day=business_day(now),
            level=level,
        )
    ).inserted_primary_key[0]
    return wid, withdrawal_limits(
        level, lim.used_day_cents + amount_cents, lim.used_five_day_cents + amount_cents
    )
