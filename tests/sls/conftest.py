"""Fixtures of the login-service tests: a Service on SQLite and on a real PostgreSQL, a fixed clock."""

import pg
import pytest
from picodsc.sls import FixedClock, Service

T0 = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC (a Thursday; NYSE closed: New Year's Day)


@pytest.fixture(scope="session")
def pg_cluster():
    reason = pg.skip_reason()
    if reason:
        if pg.required():
            pytest.fail(f"{reason} (and {pg.REQUIRE_ENV}=1)")
        pytest.skip(reason)
    cluster = pg.PgCluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sls.sqlite3'}"
    return request.getfixturevalue("pg_cluster").create_database()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'sls.sqlite3'}"


@pytest.fixture
def clock():
    return FixedClock(T0)


@pytest.fixture
def key_file(tmp_path):
    return tmp_path / "picodsc.key"


@pytest.fixture
def open_service(db_url, clock, key_file):
    """Open (another) Service on the test's database: same clock unless given one."""
    opened = []

    def _open(clock_=None):
        svc = Service.open(db_url, clock=clock_ or clock, key_file=key_file)
        opened.append(svc)
        return svc

    yield _open
    for svc in opened:
        svc.close()


@pytest.fixture
def svc(open_service):
    return open_service()
