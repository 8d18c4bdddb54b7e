"""Fixtures of the login-service tests: a Service on SQLite and on a real PostgreSQL, a fixed clock."""

import pg
import pytest
from argon2 import PasswordHasher, Type
from picodsc.sls import FixedClock, Service, users
from sls_helpers import PASSWORD, TokenHelper

T0 = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC (a Thursday; NYSE closed: New Year's Day)


FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, type=Type.ID)


@pytest.fixture(autouse=True)
def fast_argon2(request, monkeypatch):
    """argon2id at cheap parameters, except in tests marked ``real_argon2`` (the OWASP ones are checked
    there): the rules under test do not depend on the cost, and the suite runs on 2 shared cores."""
    if "real_argon2" not in request.keywords:
        monkeypatch.setattr(users, "HASHER", FAST_HASHER)


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


@pytest.fixture
def token_factory(svc):
    return lambda serial, **kw: TokenHelper(svc, serial, **kw)


@pytest.fixture
def alice(svc, token_factory):
    """User alice (primary of account A1) holding DSC+ token 0000A11C."""
    svc.add_user("alice", account="A1", password=PASSWORD, primary=True)
    tok = token_factory("0000A11C")
    svc.assign_device("alice", tok.serial)
    return tok
