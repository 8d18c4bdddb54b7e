"""The audit log: every login attempt, admin action, credential change, withdrawal; the HMAC chain."""

import pytest
from picodsc.sls import InvalidCredentials
from picodsc.sls import tables as T
from sls_helpers import ADDR, PASSWORD, login_token
from sqlalchemy import delete, update


@pytest.fixture
def logged(svc, alice):
    with pytest.raises(InvalidCredentials):
        svc.login_password("alice", "wrong password", address=ADDR)
    grant = login_token(svc, "alice", alice)
    svc.withdraw(grant.token, 100)
    svc.unlock("alice", actor="cs")
    return svc


def test_everything_is_recorded_and_the_chain_verifies(logged):
    actions = [(r["action"], r["subject"]) for r in logged.audit_rows()]
    assert actions == [
        ("user-add", "alice"),
        ("token-import", "0000A11C"),
        ("device-assign", "alice"),
        ("login-password", "alice"),
        ("login-password", "alice"),
        ("login", "alice"),
        ("withdrawal", "alice"),
        ("user-unlock", "alice"),
    ]
    assert [r["actor"] for r in logged.audit_rows()][3:5] == [ADDR, ADDR]
    report = logged.verify_audit()
    assert (report.ok, report.rows, report.first_bad_row) == (True, 8, None)


def test_no_secret_in_the_audit_log(logged):
    text = repr(logged.audit_rows())
    assert PASSWORD not in text and "wrong password" not in text


def test_a_changed_row_is_named(logged):
    with logged.store.write() as conn:
        conn.execute(update(T.audit).where(T.audit.c.id == 7).values(detail='{"amount_cents": 1}'))
    report = logged.verify_audit()
    assert (report.ok, report.first_bad_row, report.reason) == (False, 7, "changed")


def test_a_removed_row_is_named(logged):
    with logged.store.write() as conn:
        conn.execute(delete(T.audit).where(T.audit.c.id == 4))
    report = logged.verify_audit()
    assert (report.ok, report.first_bad_row, report.reason) == (False, 4, "removed")


def test_a_removed_tail_is_named(logged):
    with logged.store.write() as conn:
        conn.execute(delete(T.audit).where(T.audit.c.id >= 7))
    report = logged.verify_audit()
    assert (report.ok, report.first_bad_row, report.reason) == (False, 7, "removed")


def test_renumbered_rows_do_not_verify(logged):
    with logged.store.write() as conn:
        conn.execute(delete(T.audit).where(T.audit.c.id == 8))
        conn.execute(update(T.audit).where(T.audit.c.id == 7).values(id=8))
    report = logged.verify_audit()
    assert not report.ok and report.first_bad_row == 7
