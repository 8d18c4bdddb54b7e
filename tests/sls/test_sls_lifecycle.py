"""Reactivation, replacement (auto-activation, notices, maintenance), sharing, opt-out/in."""

import pytest
from picodsc.sls import (
    AccessDenied,
    Conflict,
    Identity,
    InvalidInput,
    LessSecureDevice,
    LoginFailed,
    NotPrimaryUser,
    SessionInvalid,
)
from sls_helpers import ADDR, PASSWORD, login_token

DAY = 86400
IDENT = Identity("1975-05-04", "US", "US", ssn="078-05-1120")


def passcode_session(svc, user):
    code = svc.issue_temp_passcode(user)
    step = svc.login_password(user, PASSWORD, address=ADDR)
    return svc.login_answer(step.transaction, code, address=ADDR)


def test_reactivation_voids_temporary_credentials_and_their_sessions(svc, alice, clock):
    temp = passcode_session(svc, "alice")
    other_temp = passcode_session(svc, "alice")  # a second session opened with the (new) passcode
    prompt = svc.reactivate_start(other_temp.token)
    assert prompt.method == "token" and len(prompt.challenge) == 6
    with pytest.raises(LoginFailed):
        svc.reactivate_finish(other_temp.token, prompt.transaction, "12345678")
    prompt = svc.reactivate_start(other_temp.token)
    svc.reactivate_finish(other_temp.token, prompt.transaction, alice.answer(prompt.challenge))
    for grant in (temp, other_temp):
        with pytest.raises(SessionInvalid):
            svc.session(grant.token)
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    assert step.method == "token"
    assert svc.user_info("alice").temp_passcode_issued_at is None


def test_reactivation_needs_full_access(svc, alice, clock):
    code = svc.issue_temp_passcode("alice")
    clock.advance(3 * DAY)
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    grant = svc.login_answer(step.transaction, code, address=ADDR)
    assert grant.access == "portal-only"
    with pytest.raises(AccessDenied):
        svc.reactivate_start(grant.token)


@pytest.mark.parametrize("pin", ["1234", "0000", "1212", "9876", "12a4", "123", "12345"])
def test_replacement_refuses_weak_or_malformed_pins(svc, alice, pin):
    grant = login_token(svc, "alice", alice)
    with pytest.raises(InvalidInput) as e:
        svc.request_replacement(grant.token, pin)
    assert pin not in str(e.value)
    assert svc.user_info("alice").replacement is None


def shipped(svc, alice, token_factory, clock):
    grant = login_token(svc, "alice", alice)
    info = svc.request_replacement(grant.token, "4826")
    assert info.status == "requested" and info.auto_activate_at == clock.now() + 35 * DAY
    new = token_factory("0000B0B0", pin=None)  # the vendor's file has no PIN: the user's is set at shipping
    new.pin = "4826"
    clock.advance(DAY)
    info = svc.ship_replacement("alice", new.serial, actor="cs")
    assert info.status == "shipped" and info.auto_activate_at == clock.now() + 21 * DAY
    return new, info


def test_replacement_auto_activates_21_days_after_shipment_with_notices(svc, alice, token_factory, clock):
    new, info = shipped(svc, alice, token_factory, clock)
    auto = info.auto_activate_at
    clock.set(auto - 7 * DAY - 1)
    assert svc.maintenance().notices == ()
    clock.set(auto - 7 * DAY)
    assert svc.maintenance().notices == ("alice:auto-activation-7d",)
    assert svc.maintenance().notices == ()  # idempotent
    clock.set(auto - DAY - 1)
    assert svc.maintenance().notices == ()
    clock.set(auto - DAY)
    assert svc.maintenance().notices == ("alice:auto-activation-1d",)
    clock.set(auto - 1)
    assert svc.maintenance().activated == ()
    login_token(svc, "alice", alice)  # the old device still works
    clock.set(auto)
    report = svc.maintenance()
    assert report.activated == ("alice",) and report.notices == ()
    assert svc.maintenance().activated == ()
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    with pytest.raises(LoginFailed):  # the old device is void
        svc.login_answer(step.transaction, alice.answer(step.challenge), address=ADDR)
    grant = login_token(svc, "alice", new)  # with the PIN the user chose
    kinds = [n.kind for n in svc.me(grant.token).notices]
    assert kinds == ["auto-activation-7d", "auto-activation-1d"]
    assert [d.status for d in svc.user_info("alice").devices] == ["void", "active"]


def test_replacement_activated_early_by_the_user(svc, alice, token_factory, clock):
    new, info = shipped(svc, alice, token_factory, clock)
    temp = passcode_session(svc, "alice")
    prompt = svc.reactivate_start(temp.token)
    assert prompt.challenge
    svc.reactivate_finish(temp.token, prompt.transaction, new.answer(prompt.challenge))
    with pytest.raises(SessionInvalid):
        svc.session(temp.token)
    assert svc.user_info("alice").replacement.status == "active"
    clock.set(info.auto_activate_at)
    assert svc.maintenance().activated == ()
    login_token(svc, "alice", new)


def test_sharing_same_account_at_once_other_account_pending(svc, alice, token_factory):
    svc.add_user("bob", account="A1", password=PASSWORD)
    bob = svc.login_password("bob", PASSWORD, address=ADDR).session  # no device yet: password alone
    req = svc.request_sharing(bob.token, "alice")
    assert req.status == "approved" and req.serial == alice.serial
    login_token(svc, "bob", alice)
    svc.add_user("carl", account="C9", password=PASSWORD, identity=IDENT)
    svc.add_user("carla", account="C8", password=PASSWORD, identity=IDENT)
    tok = token_factory("0000CA71")
    svc.assign_device("carla", tok.serial)
    carl = svc.login_password("carl", PASSWORD, address=ADDR).session
    req = svc.request_sharing(carl.token, "carla")
    assert req.status == "pending" and [r.id for r in svc.pending_sharing()] == [req.id]
    assert svc.login_password("carl", PASSWORD, address=ADDR).session is not None  # not yet
    svc.approve_sharing(req.id, actor="compliance")
    assert svc.pending_sharing() == []
    login_token(svc, "carl", tok)
    with pytest.raises(Conflict):
        svc.approve_sharing(req.id)


def test_sharing_refusals(svc, alice, token_factory):
    svc.add_user("dan", account="D1", password=PASSWORD)  # other account, no identity data
    dan = svc.login_password("dan", PASSWORD, address=ADDR).session
    with pytest.raises(Conflict):
        svc.request_sharing(dan.token, "alice")
    svc.add_user("eve", account="A1", password=PASSWORD)
    dsc = token_factory("0000D5C0", suite="OCRA-1:HOTP-SHA256-8:QN06")  # DSC (no PIN), less secure
    svc.assign_device("eve", dsc.serial)
    eve = login_token(svc, "eve", dsc)
    svc.add_user("fay", account="A1", password=PASSWORD)
    fay_tok = token_factory("0000FA40", suite="OCRA-1:HOTP-SHA256-8:QN06")
    svc.assign_device("fay", fay_tok.serial)
    assert svc.request_sharing(eve.token, "fay").status == "approved"  # equal level: fine
    svc.add_user("gus", account="A1", password=PASSWORD)
    gus_tok = token_factory("0000C005")
    svc.assign_device("gus", gus_tok.serial)
    gus = login_token(svc, "gus", gus_tok)
    with pytest.raises(LessSecureDevice) as e:
        svc.request_sharing(gus.token, "fay")
    assert str(e.value) == "Less secure device"
    svc.issue_temp_passcode("alice")
    with pytest.raises(Conflict):  # the owner holds a temporary device
        svc.request_sharing(gus.token, "alice")


def test_opt_out_and_in_only_by_the_primary_user(svc, alice):
    svc.add_user("hal", account="A1", password=PASSWORD)
    hal = svc.login_password("hal", PASSWORD, address=ADDR).session
    with pytest.raises(NotPrimaryUser) as e:
        svc.set_sls_participation(hal.token, False)
    assert e.value.primary == "alice" and "alice" in str(e.value)
    grant = login_token(svc, "alice", alice)
    svc.set_sls_participation(grant.token, False)
    step = svc.login_password("alice", PASSWORD, address=ADDR)
    assert step.session is not None and step.session.credential == "none"
    assert svc.me(step.session.token).limits.level == "None"
    svc.set_sls_participation(step.session.token, True)
    assert svc.login_password("alice", PASSWORD, address=ADDR).method == "token"
