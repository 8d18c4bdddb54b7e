"""Login: user-name rule, messages that never tell which factor failed, per-user lockout on the clock."""

import pytest
from picodsc.sls import BadCharacter, InvalidCredentials, LoginFailed
from picodsc.sls.errors import INVALID_COMBINATION, LOGIN_FAILED
from sls_helpers import ADDR, PASSWORD, login_token

DAY = 86400


def wrong_password(svc, user="alice"):
    with pytest.raises(InvalidCredentials) as e:
        svc.login_password(user, "wrong password!", address=ADDR)
    assert str(e.value) == INVALID_COMBINATION


def wrong_device(svc, user="alice"):
    step = svc.login_password(user, PASSWORD, address=ADDR)
    with pytest.raises(LoginFailed) as e:
        svc.login_answer(step.transaction, "00000000", address=ADDR)
    assert str(e.value) == LOGIN_FAILED


@pytest.mark.parametrize("name", ["al ice", "alice!", "a.b", "", "ali-ce", "é", "alice\n"])
def test_bad_character_touches_no_counter(svc, alice, name):
    for _ in range(12):
        with pytest.raises(BadCharacter) as e:
            svc.login_password(name, PASSWORD, address=ADDR)
        assert str(e.value) == "BAD CHARACTER"
    assert svc.user_info("alice").failures == 0
    assert svc.audit_rows(action="login-password") == []
    login_token(svc, "alice", alice)


def test_upper_case_is_simply_not_a_user(svc, alice):
    with pytest.raises(InvalidCredentials) as e:
        svc.login_password("Alice", PASSWORD, address=ADDR)
    assert str(e.value) == INVALID_COMBINATION
    assert svc.user_info("alice").failures == 0


def test_unknown_user_and_wrong_password_look_the_same(svc, alice):
    with pytest.raises(InvalidCredentials) as unknown:
        svc.login_password("nobody", PASSWORD, address=ADDR)
    with pytest.raises(InvalidCredentials) as wrong:
        svc.login_password("alice", "not the password", address=ADDR)
    assert str(unknown.value) == str(wrong.value) == INVALID_COMBINATION


def test_nine_failures_do_not_lock_the_tenth_does(svc, alice, clock):
    for _ in range(9):
        wrong_password(svc)
        clock.advance(60)
    login_token(svc, "alice", alice)  # a whole login resets the run
    assert svc.user_info("alice").failures == 0
    for i in range(10):
        (wrong_password if i % 2 else wrong_device)(svc)  # either step counts
    info = svc.user_info("alice")
    assert info.locked and info.failures == 10 and info.locked_until == clock.now() + DAY
    with pytest.raises(InvalidCredentials):  # right password, still refused, same message
        svc.login_password("alice", PASSWORD, address=ADDR)


def test_window_is_24_hours_to_the_second(svc, alice, clock):
    t0 = clock.now()
    wrong_password(svc)
    clock.set(t0 + DAY - 9)
    for _ in range(8):
        wrong_password(svc)
        clock.advance(1)
    clock.set(t0 + DAY)  # the first failure is exactly 24 h old: out of the window
    wrong_password(svc)
    assert not svc.user_info("alice").locked
    clock.set(t0 + DAY + 1)
    wrong_password(svc)  # 10 failures within (t0 + DAY - 9 .. t0 + DAY + 1]
    assert svc.user_info("alice").locked_until == t0 + 2 * DAY + 1


def test_lock_lasts_24h_after_the_last_failure_and_attempts_extend_it(svc, alice, clock):
    for _ in range(10):
        wrong_password(svc)
    t_lock = clock.now()
    clock.set(t_lock + DAY - 1)
    with pytest.raises(InvalidCredentials):  # correct password while locked: a failure, extends
        svc.login_password("alice", PASSWORD, address=ADDR)
    assert svc.user_info("alice").locked_until == t_lock + 2 * DAY - 1
    assert svc.user_info("alice").failures == 11
    clock.set(t_lock + 2 * DAY - 2)
    assert svc.user_info("alice").locked
    clock.set(t_lock + 2 * DAY - 1)
    assert not svc.user_info("alice").locked
    login_token(svc, "alice", alice)
    assert svc.user_info("alice").failures == 0


def test_step_two_while_locked_fails_and_extends(svc, alice, clock):
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    for _ in range(10):
        wrong_password(svc)
    clock.advance(5)
    with pytest.raises(LoginFailed):  # the right answer, but the user is locked now
        svc.login_answer(step.transaction, alice.answer(step.challenge), address=ADDR)
    assert svc.user_info("alice").locked_until == clock.now() + DAY


def test_password_alone_does_not_reset_the_run(svc, alice):
    for _ in range(10):
        wrong_device(svc)  # each round: right password, wrong device
    assert svc.user_info("alice").locked


def test_client_services_unlock(svc, alice):
    for _ in range(10):
        wrong_password(svc)
    svc.unlock("alice", actor="cs-agent")
    assert not svc.user_info("alice").locked
    login_token(svc, "alice", alice)
    assert [r["actor"] for r in svc.audit_rows(action="user-unlock")] == ["cs-agent"]


def test_users_sharing_a_device_never_lock_each_other(svc, alice):
    svc.add_user("alice2", account="A1", password=PASSWORD)
    step = svc.login_password("alice2", PASSWORD, address=ADDR)
    assert step.session is not None and step.session.credential == "none"
    assert svc.request_sharing(step.session.token, "alice").status == "approved"
    for _ in range(10):
        wrong_device(svc, "alice2")
    wrong_password(svc, "alice2")
    assert svc.user_info("alice2").locked and svc.user_info("alice2").failures == 11
    assert not svc.user_info("alice").locked
    login_token(svc, "alice", alice)


def test_transaction_is_single_use_and_expires(svc, alice, clock):
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    answer = alice.answer(step.challenge)
    svc.login_answer(step.transaction, answer, address=ADDR)
    with pytest.raises(LoginFailed):
        svc.login_answer(step.transaction, answer, address=ADDR)
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    clock.advance(121)
    with pytest.raises(LoginFailed):
        svc.login_answer(step.transaction, alice.answer(step.challenge), address=ADDR)
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    clock.advance(120)
    assert svc.login_answer(step.transaction, alice.answer(step.challenge), address=ADDR).access == "full"


def test_response_with_spaces_fails(svc, alice):
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    r = alice.answer(step.challenge)
    with pytest.raises(LoginFailed):
        svc.login_answer(step.transaction, r[:4] + " " + r[4:], address=ADDR)


def test_no_device_user_logs_in_with_password_alone(svc):
    svc.add_user("newbie", account="N1", password=PASSWORD)
    step = svc.login_password("newbie", PASSWORD, address=ADDR)
    assert step.method is None and step.transaction is None
    assert step.session.access == "full" and step.session.credential == "none"
    me = svc.me(step.session.token)
    assert me.limits.level == "None" and me.limits.day_cents == 5_000_000


def test_unknown_and_locked_users_cost_one_password_hash(svc, alice, monkeypatch):
    from picodsc.sls import users

    calls = []
    real = users.HASHER

    class Counting:
        def hash(self, secret):
            return real.hash(secret)

        def verify(self, stored, secret):
            calls.append(stored)
            return real.verify(stored, secret)

    monkeypatch.setattr(users, "HASHER", Counting())
    for name in ("nobody", "Alice", "alice"):
        with pytest.raises(InvalidCredentials):
            svc.login_password(name, "wrong password!", address=ADDR)
    assert len(calls) == 3 and calls[0] == calls[1] != calls[2]  # a dummy hash for the non-users
    assert calls[0].startswith("$argon2id$")
