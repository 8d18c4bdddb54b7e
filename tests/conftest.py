"""Fixtures shared by every area: the test registry, the `picodsc` environment on it, an emulated token.

Helpers that are not fixtures (the token's data, expected responses, running commands) are in
tests/support; the areas' own fixtures in their conftest.py.
"""

import os

import pytest
from hypothesis import HealthCheck, settings
from picodsc.emulator import Emulator
from picodsc.registry import Registry
from support.token import BIG, CONFIG, KEY, PIN, SERIAL, SUITE, T0, Clock, pin_digest, token_files

# `make test` runs the default profile; `make test-long` sets HYPOTHESIS_PROFILE=long.
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    parser.addoption("--device", metavar="PORT", default=None, help="serial port of a real board")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--device"):
        return
    skip = pytest.mark.skip(reason="needs a real board: pytest --device PORT")
    for item in items:
        if "device" in item.keywords:
            item.add_marker(skip)


# -- the registry ----------------------------------------------------------------------------------

@pytest.fixture
def clock():
    """The injected clock of the registry fixtures, at T0; a test moves it with ``clock.t``."""
    return Clock()


@pytest.fixture
def empty_registry(tmp_path, clock):
    """An open registry with no token: tmp_path/r.sqlite3, its key file tmp_path/picodsc.key."""
    with Registry(tmp_path / "r.sqlite3", clock=clock) as reg:
        yield reg


@pytest.fixture
def registry(empty_registry):
    """The registry holding the test token (support.token: SERIAL, SUITE, KEY, PIN)."""
    empty_registry.add_token(SERIAL, SUITE, KEY, pin_digest(SUITE, PIN))
    return empty_registry


@pytest.fixture
def cli_env(registry):
    """Environment overrides for `picodsc` on the test registry (closed first), its clock at T0
    (support.commands.environ: None unsets a variable)."""
    registry.close()
    return {"PICODSC_REGISTRY": str(registry.path), "PICODSC_NOW": str(T0), "PICODSC_KEY_FILE": None}


# -- an emulated token -----------------------------------------------------------------------------

@pytest.fixture
def token(tmp_path):
    """token(board=BIG, cfg=CONFIG, **Emulator options) -> a started emulated token with the firmware
    and the configuration text ``cfg`` (None: unprovisioned); closed after the test."""
    started = []

    def start(board=BIG, cfg=CONFIG, **kw):
        emu = Emulator(tmp_path / f"{board}-{len(started)}.img", board=board, files=token_files(board, cfg),
                       **kw)
        started.append(emu)
        return emu.start()

    yield start
    for emu in started:
        emu.close()


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL 15 cluster for the whole session (tests/pg.py); skips with one line when
    the binaries are missing, unless PICODSC_REQUIRE_PG=1 (then fails)."""
    import pg

    reason = pg.skip_reason()
    if reason:
        if pg.required():
            pytest.fail(f"{reason} (and {pg.REQUIRE_ENV}=1)")
        pytest.skip(reason)
    cluster = pg.PgCluster()
    yield cluster
    cluster.stop()
