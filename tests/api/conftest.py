"""Fixtures of the API tests: a real `picodsc serve` (gunicorn) on a free loopback port (tests/api/
api_server.py). The PostgreSQL cluster is `pg_cluster` of tests/conftest.py."""

import os

import pytest
from api_server import Server


@pytest.fixture
def testing_env(tmp_path):
    """Environment of CLI and server subprocesses: test mode, a key file in tmp_path."""
    env = dict(os.environ, PICODSC_TESTING="1", PICODSC_KEY_FILE=str(tmp_path / "picodsc.key"))
    env.pop("PICODSC_NOW", None)
    env.pop("PICODSC_DATABASE_URL", None)
    return env


@pytest.fixture
def start_server(tmp_path, testing_env):
    """start_server(database_url, workers=2, fake_clock=None, extra=()) -> a running Server, stopped at
    teardown; ``extra``: more `picodsc serve` options."""
    started = []

    def start(database, *, workers=2, fake_clock=None, env=None, extra=()):
        server = Server(database, workers=workers, fake_clock=fake_clock, env=env or testing_env,
                        log=tmp_path / f"serve-{len(started)}.log", extra=extra)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()
