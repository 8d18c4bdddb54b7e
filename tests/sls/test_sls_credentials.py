"""Temporary passcode, online security code card, token challenges: each rule across its boundary."""

import re

import pytest
from picodsc.sls import AccessDenied, InvalidCredentials, LoginFailed, SessionInvalid, Throttled
from picodsc.sls import credentials as C
from sls_helpers import ADDR, PASSWORD, login_token

HOUR, DAY = 3600, 86400


def passcode_login(svc, user, code):
    step = svc.login_password(user, PASSWORD, address=ADDR)
    assert step.method == "passcode" and step.challenge is None and step.positions is None
    return svc.login_answer(step.transaction, code, address=ADDR)


def card_login(svc, user, card):
    step = svc.login_password(user, PASSWORD, address=ADDR)
    assert step.method == "card"
    a, b = step.positions
    assert a != b
    return step, cells_of(card)[a] + cells_of(card)[b]


def cells_of(card):
    return {r + c: card.grid[i][j] for i, r in enumerate(card.rows) for j, c in enumerate(card.cols)}


def test_passcode_access_rule_to_the_second():
    t = 1000.0
    f = C.temporary_passcode_access
    assert f(t, t + 2 * DAY) == "full" and f(t, t + 2 * DAY + 1) == "portal-only"
    assert f(t, t + 12 * DAY) == "portal-only" and f(t, t + 12 * DAY + 1) == "none"
    assert f(t, t - 1) == "none"


@pytest.mark.parametrize(
    ("offset", "access"), [(47 * HOUR, "full"), (49 * HOUR, "portal-only"), (12 * DAY, "portal-only")]
)
def test_temp_passcode_over_time(svc, alice, clock, offset, access):
    code = svc.issue_temp_passcode("alice")
    assert re.fullmatch(r"[A-Z2-9]{10}", code) and any(c.isalpha() for c in code)
    clock.advance(offset)
    grant = passcode_login(svc, "alice", code)
    assert grant.access == access and grant.credential == "passcode"
    if access == "portal-only":
        with pytest.raises(AccessDenied):
            svc.withdraw(grant.token, 100)
        with pytest.raises(AccessDenied):
            svc.request_replacement(grant.token, "4826")
        assert svc.card_view(grant.token).status == "new"  # only the card pages
    else:
        assert svc.withdraw(grant.token, 100).amount_cents == 100


def test_temp_passcode_refused_after_12_days_and_token_asked_again(svc, alice, clock):
    code = svc.issue_temp_passcode("alice")
    clock.advance(12 * DAY + 1)
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    assert step.method == "token"  # the permanent device again, never a session from the passcode
    with pytest.raises(LoginFailed):
        svc.login_answer(step.transaction, code, address=ADDR)


def test_temp_passcode_session_degrades_with_time(svc, alice, clock):
    code = svc.issue_temp_passcode("alice")
    clock.advance(2 * DAY - 60)
    grant = passcode_login(svc, "alice", code)
    assert svc.session(grant.token).access == "full"
    clock.advance(61)
    assert svc.session(grant.token).access == "portal-only"


def test_lower_case_passcode_fails(svc, alice):
    code = svc.issue_temp_passcode("alice")
    with pytest.raises(LoginFailed):
        passcode_login(svc, "alice", code.lower())
    assert passcode_login(svc, "alice", code).access == "full"


def test_one_temporary_credential_at_a_time(svc, alice):
    first = svc.issue_temp_passcode("alice")
    second = svc.issue_temp_passcode("alice")
    with pytest.raises(LoginFailed):
        passcode_login(svc, "alice", first)
    assert passcode_login(svc, "alice", second).access == "full"


def activated_card(svc, user, clock):
    code = svc.issue_temp_passcode(user)
    grant = passcode_login(svc, user, code)
    card = svc.card_view(grant.token)
    cells = cells_of(card)
    svc.card_activate(grant.token, {p: cells[p] for p in card.activation_positions})
    return svc.card_view(grant.token), code


def test_card_grid_and_activation(svc, alice, clock):
    code = svc.issue_temp_passcode("alice")
    grant = passcode_login(svc, "alice", code)
    card = svc.card_view(grant.token)
    assert card.rows == tuple("ABCDEF") and card.cols == tuple("123456")
    assert all(re.fullmatch(f"[{C.CARD_ALPHABET}]{{3}}", x) for row in card.grid for x in row)
    assert not set(C.CARD_ALPHABET) & set("0OQ1IL2Z5S8BG")
    a, b = card.activation_positions
    assert a != b
    cells = cells_of(card)
    with pytest.raises(LoginFailed):
        svc.card_activate(grant.token, {a: cells[a], b: "AAA" if cells[b] != "AAA" else "CCC"})
    svc.card_activate(grant.token, {a: cells[a], b: cells[b]})
    assert svc.card_view(grant.token).status == "active"
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    assert step.method == "card"
    with pytest.raises(LoginFailed):  # activation voided the passcode
        svc.login_answer(step.transaction, code, address=ADDR)


def test_card_full_access_21_days_then_token_again(svc, alice, clock):
    card, _ = activated_card(svc, "alice", clock)
    t_act = card.activated_at
    clock.set(t_act + 21 * DAY)
    step, answer = card_login(svc, "alice", card)
    assert svc.login_answer(step.transaction, answer, address=ADDR).access == "full"
    clock.set(t_act + 21 * DAY + 1)
    assert svc.login_password("alice", PASSWORD, address=ADDR).method == "token"


def test_card_pair_never_accepted_twice(svc, alice, clock):
    card, _ = activated_card(svc, "alice", clock)
    seen = set()
    for _ in range(6):
        step, answer = card_login(svc, "alice", card)
        key = frozenset(step.positions)
        assert key not in seen  # never asked a used pair again
        seen.add(key)
        assert svc.login_answer(step.transaction, answer, address=ADDR).credential == "card"
    step, _answer = card_login(svc, "alice", card)
    used = next(iter(seen))
    with svc.store.write() as conn:  # force the server to ask a used pair (as a replayed transaction would)
        conn.execute(C.T.transactions.update().values(positions=",".join(sorted(used))))
    a, b = sorted(used)
    cells = cells_of(card)
    with pytest.raises(LoginFailed):
        svc.login_answer(step.transaction, cells[a] + cells[b], address=ADDR)


def test_card_session_limits_are_the_card_row(svc, alice, clock):
    card, _ = activated_card(svc, "alice", clock)
    step, answer = card_login(svc, "alice", card)
    grant = svc.login_answer(step.transaction, answer, address=ADDR)
    assert svc.me(grant.token).limits.level == "Security Code Card"


def test_token_challenge_never_accepted_twice(svc, alice, clock):
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    observed = (step.challenge, alice.answer(step.challenge))
    svc.login_answer(step.transaction, observed[1], address=ADDR)
    # the attacker gets the same challenge again (forced here: the server never draws a used one)
    step2 = svc.login_password("alice", PASSWORD, address=ADDR)
    with svc.store.write() as conn:
        conn.execute(C.T.transactions.update().values(challenge=observed[0]))
    clock.advance(10 * DAY)  # long after any pending-challenge purge
    with pytest.raises(LoginFailed):
        svc.login_answer(step2.transaction, observed[1], address=ADDR)


def test_server_never_draws_a_used_challenge(svc, token_factory, alice):
    svc.add_user("qn4", account="Q1", password=PASSWORD)
    tok = token_factory("0000AAAA", suite="OCRA-1:HOTP-SHA1-6:QN04")
    svc.assign_device("qn4", tok.serial)
    svc.challenges_per_hour = svc.login_attempts_per_hour = 10**6
    from sqlalchemy import insert

    with svc.store.write() as conn:  # all but 3 of the 4-digit challenges used already
        keep = {"0042", "4242", "9999"}
        rows = [{"serial": tok.serial, "challenge": f"{i:04d}", "at": 0.0} for i in range(10000)]
        conn.execute(insert(C.T.used_challenges), [r for r in rows if r["challenge"] not in keep][:4999])
    drawn = {svc.login_password("qn4", PASSWORD, address=ADDR).challenge for _ in range(20)}
    assert all(int(c) >= 4999 or c in keep for c in drawn)


def test_challenge_requests_throttled_per_serial_and_user(svc, alice, clock):
    svc.login_attempts_per_hour = 10**6
    svc.challenges_per_hour = 5
    svc.add_user("alice2", account="A1", password=PASSWORD)
    grant = svc.login_password("alice2", PASSWORD, address=ADDR).session
    svc.request_sharing(grant.token, "alice")
    for _ in range(5):
        svc.login_password("alice", PASSWORD, address=ADDR)
    with pytest.raises(Throttled) as e:
        svc.login_password("alice", PASSWORD, address=ADDR)
    assert e.value.retry_after == 720
    login_token(svc, "alice2", alice)  # the same token still answers for another user: not starved
    clock.advance(720)
    login_token(svc, "alice", alice)


def test_login_throttle_per_address_100_per_hour_and_settable(svc, alice, clock):
    for _ in range(100):
        with pytest.raises(InvalidCredentials):
            svc.login_password("nobody", "x" * 10, address="198.51.100.7")
    with pytest.raises(Throttled) as e:
        svc.login_password("nobody", "x" * 10, address="198.51.100.7")
    assert e.value.retry_after == 36
    login_token(svc, "alice", alice)  # another address is not affected
    clock.advance(36)
    with pytest.raises(InvalidCredentials):
        svc.login_password("nobody", "x" * 10, address="198.51.100.7")
    svc.login_attempts_per_hour = 2
    for _ in range(2):
        svc.login_password("alice", PASSWORD, address="203.0.113.9")
    with pytest.raises(Throttled):
        svc.login_password("alice", PASSWORD, address="203.0.113.9")


def test_session_timeouts_rotation_logout(svc, alice, clock):
    grant = login_token(svc, "alice", alice)
    for _ in range(4):  # idle 15 min: each use extends it
        clock.advance(15 * 60 - 1)
        svc.session(grant.token)
    clock.advance(15 * 60)
    with pytest.raises(SessionInvalid):
        svc.session(grant.token)
    grant = login_token(svc, "alice", alice)
    new = svc.rotate_session(grant.token)
    with pytest.raises(SessionInvalid):
        svc.session(grant.token)
    t0 = clock.now()
    while clock.now() < t0 + 12 * HOUR - 600:
        clock.advance(600)
        svc.session(new)
    clock.set(t0 + 12 * HOUR)
    with pytest.raises(SessionInvalid):  # absolute 12 h
        svc.session(new)
    grant = login_token(svc, "alice", alice)
    svc.logout(grant.token)
    with pytest.raises(SessionInvalid):
        svc.me(grant.token)


def test_login_throttle_per_user_is_refused_like_a_wrong_password(svc, alice, clock):
    svc.login_attempts_per_hour = 3
    for i in range(3):
        svc.login_password("alice", PASSWORD, address=f"198.51.100.{i}")
    with pytest.raises(InvalidCredentials):  # right password, 4th attempt this hour from a 4th address
        svc.login_password("alice", PASSWORD, address="198.51.100.9")
    assert svc.user_info("alice").failures == 0  # not counted against the user
    clock.advance(1200)  # one attempt back (3 per hour)
    assert svc.login_password("alice", PASSWORD, address="198.51.100.9").method == "token"
