"""A real board (pytest --device PORT): the firmware deployed once for the area's tests."""

import pytest
from picodsc import deploy, provision


@pytest.fixture(scope="module")
def board(request):
    """An mpremote session on the board at --device PORT, after `picodsc deploy` (no reset)."""
    port = request.config.getoption("--device")
    deploy.deploy(port, reset=False)
    return provision.Mpremote(port, timeout=120)
