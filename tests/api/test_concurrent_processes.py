"""50 parallel wrong logins for one user through 4 API processes (two `picodsc serve`, 2 workers each,
like two hosts) sharing one database: exactly the failures the seed's rule says, none lost.

10 consecutive failures lock the user; every attempt while locked is a failure too and extends the
lock to 24 h after the last one (the fake clock stands still, so: until T + 24 h)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from picodsc.sls import FixedClock, Service
from sls_fixtures import PASSWORD, T0, TokenSpec, add_user_with_token

ATTEMPTS = 50
NOW = T0 + 600


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sls.sqlite3'}"
    return request.getfixturevalue("pg_cluster").create_database()


def test_parallel_wrong_logins_lock_exactly(database, tmp_path, testing_env, start_server):
    token = TokenSpec("E6614103E72B8F2A", 7)
    add_user_with_token(testing_env, database, tmp_path, "alice", "U1234567", token)
    clock = tmp_path / "clock"
    clock.write_text(f"{NOW}\n")
    servers = [start_server(database, workers=2, fake_clock=clock) for _ in range(2)]

    def attempt(i):
        body = {"username": "alice", "password": f"wrong {i}"}
        return servers[i % 2].call("POST", "/api/v1/login", body)[:2]

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        answers = list(pool.map(attempt, range(ATTEMPTS)))
    assert answers == [(401, {"error": "Invalid user name password combination"})] * ATTEMPTS
    # Locked: the right password is refused with the same words, and counts.
    assert servers[0].call("POST", "/api/v1/login", {"username": "alice", "password": PASSWORD})[:2] == (
        401, {"error": "Invalid user name password combination"})

    svc = Service.open(database, clock=FixedClock(NOW), key_file=testing_env["PICODSC_KEY_FILE"],
                       create=False)
    try:
        info = svc.user_info("alice")
        results = [row["detail"] for row in svc.audit_rows(subject="alice", action="login-password")]
    finally:
        svc.close()
    assert (info.failures, info.locked, info.locked_until) == (ATTEMPTS + 1, True, NOW + 86400)
    assert sum('"result": "failed"' in d for d in results) == 10
    assert sum('"result": "locked"' in d for d in results) == ATTEMPTS + 1 - 10
