import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `make test` runs the default profile; `make test-long` sets HYPOTHESIS_PROFILE=long.
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Some test modules still import from test modules in other areas (to be replaced by helpers).
for _area in ("firmware", "host"):
    _dir = str(Path(__file__).resolve().parent / _area)
    if _dir not in sys.path:
        sys.path.append(_dir)


def pytest_addoption(parser):
    parser.addoption("--device", metavar="PORT", default=None, help="serial port of a real board")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--device"):
        return
    skip = pytest.mark.skip(reason="needs a real board: pytest --device PORT")
    for item in items:
        if "device" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def device_port(request):
    return request.config.getoption("--device")


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
