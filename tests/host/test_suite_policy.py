"""One suite policy for the token and the host (firmware/dsc/policy.py, issue 9).

The firmware (dsc.config, under the real MicroPython) and the host (picodsc.provision.check_suite)
accept exactly the same suites, and `picodsc provision` refuses one the token cannot run with exit 2
before it opens the port or creates anything on disk.
"""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from picodsc.errors import UnsupportedSuite
from picodsc.ocra import OcraError
from picodsc.provision import check_suite
from support.firmware_stubs import mp_run


def _suites():
    for h, digits, c, kind, length, p, st in itertools.product(
        ("SHA1", "SHA512"), (0, 4, 10), ("", "C-"), "NAH", ("04", "08", "09", "64"),
        ("", "-PSHA256"), ("", "-S064", "-T1M"),
    ):
        yield f"OCRA-1:HOTP-{h}-{digits}:{c}Q{kind}{length}{p}{st}"
    yield "OCRA-1:HOTP-SHA256-8:QN10-PSHA256"  # the one the host used to accept (issue 9)
    yield "OCRA-1:HOTP-SHA256-8:QN06-PSHA256"


_FIRMWARE = """
import json
from dsc import config
out = []
for text in json.loads(%r):
    try:
        config._parse_suite(text)
        out.append("ok")
    except config.ConfigError as e:
        out.append(str(e))
print(json.dumps(out))
"""


def test_host_and_firmware_accept_exactly_the_same_suites():
    suites = list(_suites())
    firmware = json.loads(mp_run(_FIRMWARE % json.dumps(suites)))
    host = []
    for text in suites:
        try:
            check_suite(text)
            host.append("ok")
        except OcraError:
            host.append("bad suite")
        except UnsupportedSuite:
            host.append("suite unsupported")
    assert firmware == host
    # SHA1/512 x 4/10 digits x C or not x QN04/QN08 x P or not, + the default suite
    assert host.count("ok") == 2 * 2 * 2 * 2 * 2 + 1
    assert host[-2:] == ["suite unsupported", "ok"]


@pytest.mark.parametrize("suite, reason", [
    ("OCRA-1:HOTP-SHA256-8:QN10-PSHA256", "takes numeric challenges of at most 8 digits (QN04..QN08)"),
    ("OCRA-1:HOTP-SHA256-8:QA06-PSHA256", "takes numeric challenges (QN)"),
    ("OCRA-1:HOTP-SHA256-8:QN06-T1M", "has no clock and no session input (no T/S)"),
    ("OCRA-1:HOTP-SHA256-0:QN06", "shows 4..10 digits"),
])
def test_provision_refuses_before_any_port_is_opened_and_creates_nothing(tmp_path, suite, reason):
    home = tmp_path / "home"
    home.mkdir()
    registry = tmp_path / "registry.sqlite3"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "PATH": "/nonexistent"}
    # The port is a path whose opening would be seen: nothing may even look at it.
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "picodsc"), "provision", "--port", str(tmp_path / "port"),
         "--suite", suite, "--registry", str(registry), "--pin-stdin"],
        input="4711\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"error: suite {suite}: the token cannot run it: the token {reason}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"] and list(home.iterdir()) == []


def test_provision_library_refuses_before_mpremote_runs(tmp_path, monkeypatch):
    from picodsc import provision

    def no_subprocess(*a, **kw):
        raise AssertionError("a subprocess was started")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    with pytest.raises(UnsupportedSuite, match="at most 8 digits"):
        provision.provision(None, str(tmp_path / "port"), pin="4711",
                            suite="OCRA-1:HOTP-SHA256-8:QN10-PSHA256")
    assert list(tmp_path.iterdir()) == []
