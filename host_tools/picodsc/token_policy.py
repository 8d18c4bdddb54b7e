"""The suites a token can run: the firmware's own rule (``firmware/dsc/policy.py``), loaded from that
file, so the host refuses exactly what the token would refuse, and before any port is opened."""

import functools
import importlib.util

from .upy import FIRMWARE


@functools.cache
def _policy():
    spec = importlib.util.spec_from_file_location("picodsc._dsc_policy", FIRMWARE / "dsc" / "policy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unsupported_by_token(suite):
    """None if the token can run the parsed ``suite``, else a short reason (dsc.policy)."""
    return _policy().unsupported_by_token(suite)
