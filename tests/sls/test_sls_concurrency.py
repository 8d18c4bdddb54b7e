"""Concurrency on both databases: separate engines (one Service per thread), one user row."""

import threading

import pytest
from picodsc.sls import InvalidCredentials, LimitExceeded
from sls_helpers import ADDR, PASSWORD, login_token

DAY = 86400
K = 1000 * 100


def run_parallel(n, fn):
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        barrier.wait()
        try:
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - collected and asserted on
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_50_parallel_wrong_logins_record_exactly_the_rule(open_service, alice, clock):
    services = [open_service() for _ in range(50)]
    results = run_parallel(
        50, lambda i: services[i].login_password("alice", f"wrong {i:02d} pass", address=ADDR)
    )
    assert all(isinstance(r, InvalidCredentials) for r in results), results
    svc = services[0]
    info = svc.user_info("alice")
    assert info.failures == 50 and info.locked and info.locked_until == clock.now() + DAY
    outcomes = [r["detail"] for r in svc.audit_rows(action="login-password")]
    assert sum('"result": "failed"' in d for d in outcomes) == 10  # the 10th locks ...
    assert sum('"result": "locked"' in d for d in outcomes) == 40  # ... the 40 after it meet the lock
    assert svc.verify_audit().ok


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_withdrawals_over_the_limit_exactly_one_succeeds(open_service, clock, round_):
    svc = open_service()
    svc.add_user("pat", account="P1", password=PASSWORD)
    token = svc.login_password("pat", PASSWORD, address=ADDR).session.token  # "None": 50K per day
    services = [open_service() for _ in range(2)]
    results = run_parallel(2, lambda i: services[i].withdraw(token, 30 * K))
    assert sorted(type(r).__name__ for r in results) == ["LimitExceeded", "WithdrawalResult"], results
    refused = next(r for r in results if isinstance(r, LimitExceeded))
    assert refused.left_cents == 20 * K
    assert svc.me(token).limits.used_day_cents == 30 * K


def test_maintenance_from_several_processes_at_once_acts_once(open_service, alice, token_factory, clock):
    svc = open_service()
    svc.request_replacement(login_token(svc, "alice", alice).token, "4826")
    info = svc.ship_replacement("alice", token_factory("0000B0B0", pin=None).serial)
    clock.set(info.auto_activate_at - 1)  # both notices due at once
    services = [open_service() for _ in range(4)]
    reports = run_parallel(4, lambda i: services[i].maintenance())
    assert sorted(n for r in reports for n in r.notices) == [
        "alice:auto-activation-1d",
        "alice:auto-activation-7d",
    ]
    clock.set(info.auto_activate_at)
    reports = run_parallel(4, lambda i: services[i].maintenance())
    assert [a for r in reports for a in r.activated] == ["alice"]


def test_processes_opening_a_fresh_database_together_migrate_once(db_url, clock, key_file):
    from picodsc.sls import Service

    opened = run_parallel(4, lambda i: Service.open(db_url, clock=clock, key_file=key_file))
    assert all(isinstance(s, Service) for s in opened), opened
    opened[0].add_user("pat", account="P1", password=PASSWORD)
    assert opened[3].user_info("pat").account == "P1"
    assert opened[1].verify_audit().ok
    for s in opened:
        s.close()
