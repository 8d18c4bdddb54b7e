"""Withdrawal limits: the seed's table by the session's device, New York days, 5 NYSE business days."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from picodsc.sls import AccessDenied, InvalidInput, LimitExceeded
from picodsc.sls import withdrawals as W
from sls_helpers import ADDR, PASSWORD, login_token

NY = ZoneInfo("America/New_York")
K = 1000 * 100


def ny(*args):
    return datetime.datetime(*args, tzinfo=NY).timestamp()


def test_the_seed_table():
    assert W.WITHDRAWAL_LIMITS["None"] == (50 * K, 100 * K)
    assert W.WITHDRAWAL_LIMITS["SMS"] == (200 * K, 600 * K)
    assert W.WITHDRAWAL_LIMITS["IBKR Mobile Authentication (IB Key)"] == (1000 * K, 1000 * K)
    assert W.WITHDRAWAL_LIMITS["Security Code Card"] == (200 * K, 600 * K)
    assert W.WITHDRAWAL_LIMITS["Digital Security Card"] == (1000 * K, 1500 * K)
    assert W.WITHDRAWAL_LIMITS["Digital Security Card+"] == (None, None)
    assert W.WITHDRAWAL_LIMITS["Platinum/Gold"] == (None, None)


def test_business_days_on_the_nyse_calendar():
    # Wed 2026-11-25, Thanksgiving Thu 26 closed, Fri 27, weekend, Mon 30
    assert W.business_day(ny(2026, 11, 26, 12)) == "2026-11-27"
    assert W.business_day(ny(2026, 11, 28, 12)) == "2026-11-30"
    assert W.five_business_days(ny(2026, 11, 30, 9)) == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-27",
        "2026-11-30",
    ]
    assert W.ny_date(ny(2026, 3, 9, 23, 59, 59)).isoformat() == "2026-03-09"
    assert W.ny_date(ny(2026, 3, 9, 23, 59, 59) + 1).isoformat() == "2026-03-10"


def test_no_device_day_limit_to_the_cent_and_new_york_midnight(svc, clock):
    svc.add_user("pat", account="P1", password=PASSWORD)
    clock.set(ny(2026, 3, 9, 23, 59, 59))  # a Monday; DST began the day before
    grant = svc.login_password("pat", PASSWORD, address=ADDR).session
    svc.withdraw(grant.token, 50 * K - 1)
    with pytest.raises(LimitExceeded) as e:
        svc.withdraw(grant.token, 2)
    assert (e.value.limit_name, e.value.period, e.value.limit_cents, e.value.left_cents) == (
        "None",
        "day",
        50 * K,
        1,
    )
    assert "50,000.00 USD per day" in str(e.value)
    svc.withdraw(grant.token, 1)
    clock.advance(1)  # Tuesday 00:00:00 in New York
    assert svc.withdraw(grant.token, 50 * K).limits.left_five_day_cents == 0
    clock.advance(86400)  # Wednesday: a new day, the same 5 business days
    with pytest.raises(LimitExceeded) as e:
        svc.withdraw(svc.login_password("pat", PASSWORD, address=ADDR).session.token, 1)
    assert (e.value.period, e.value.left_cents) == ("5 business days", 0)


def test_five_business_day_window_slides_over_a_holiday(svc, alice, token_factory, clock):
    svc.add_user("dee", account="A1", password=PASSWORD)
    dsc = token_factory("0000DEE0", suite="OCRA-1:HOTP-SHA256-8:QN06")
    svc.assign_device("dee", dsc.serial)
    clock.set(ny(2026, 11, 20, 10))  # Fri
    svc.withdraw(login_token(svc, "dee", dsc).token, 1000 * K)
    clock.set(ny(2026, 11, 25, 10))  # Wed: window Fri 20 .. Wed 25
    g = login_token(svc, "dee", dsc)
    svc.withdraw(g.token, 500 * K)
    with pytest.raises(LimitExceeded) as e:
        svc.withdraw(g.token, 1)
    assert (e.value.limit_name, e.value.period) == ("Digital Security Card", "5 business days")
    clock.set(ny(2026, 11, 26, 10))  # Thanksgiving is no business day: belongs to Fri 27, window Fri 20 .. 27
    g = login_token(svc, "dee", dsc)
    assert svc.me(g.token).limits.left_five_day_cents == 0
    clock.set(ny(2026, 11, 28, 10))  # Saturday: belongs to Mon 30, window Mon 23 .. Mon 30
    g = login_token(svc, "dee", dsc)
    assert svc.me(g.token).limits.left_five_day_cents == 1000 * K
    svc.withdraw(g.token, 1000 * K)


def test_limits_follow_the_device_of_the_session(svc, alice):
    grant = login_token(svc, "alice", alice)
    assert svc.withdraw(grant.token, 10**12).limits.left_day_cents is None  # DSC+: unlimited
    code = svc.issue_temp_passcode("alice")
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    temp = svc.login_answer(step.transaction, code, address=ADDR)
    with pytest.raises(LimitExceeded) as e:
        svc.withdraw(temp.token, 50 * K + 1)
    assert e.value.limit_name == "None"


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True, 10**16])
def test_bad_amounts_change_nothing(svc, alice, amount):
    grant = login_token(svc, "alice", alice)
    with pytest.raises(InvalidInput):
        svc.withdraw(grant.token, amount)
    assert svc.me(grant.token).limits.used_day_cents == 0


def test_require_fresh_needs_a_step_up(svc, alice, clock):
    grant = login_token(svc, "alice", alice)
    with pytest.raises(AccessDenied):
        svc.withdraw(grant.token, 100, require_fresh=True)
    prompt = svc.step_up_start(grant.token)
    svc.step_up_finish(grant.token, prompt.transaction, alice.answer(prompt.challenge))
    clock.advance(300)
    svc.withdraw(grant.token, 100, require_fresh=True)
    clock.advance(1)
    with pytest.raises(AccessDenied):
        svc.withdraw(grant.token, 100, require_fresh=True)
