"""`picodsc demo` (what `make emulate` runs) on a pseudo-terminal, then its printed instructions."""

import re
import shutil

from emulator_helpers import run_in_pty
from support.commands import picodsc


def run_demo(env):
    """Start the demo in a 140x45 pty, wait for the UI, quit with q; returns (exit code, output text)."""
    return run_in_pty(["demo"], env, cols=140, rows=45)


def cli(env, *argv):
    code, out, err = picodsc(*argv, env=env, timeout=60)
    assert code == 0, err
    return out


def test_demo_provisions_and_its_instructions_work(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path), "PICODSC_REGISTRY": None, "PICODSC_KEY_FILE": None}
    code, out = run_demo(env)
    assert code == 0
    image = tmp_path / "picodsc" / "token.img"
    registry = tmp_path / "picodsc" / "demo" / "registry.sqlite3"
    assert f"emulated token: flash image {image}" in out
    m = re.search(r"demo token ([0-9A-F]{16}), PIN (\d{4})\. In another terminal: "
                  r"(\S*picodsc) challenge --serial \1 --registry (\S+)", out)
    assert m, out
    serial, pin, cmd, reg = m.groups()
    assert reg == str(registry)
    assert shutil.which(cmd), f"the printed command is not runnable: {cmd}"
    verify_hint = f"{cmd} verify --serial {serial} --registry {registry} --challenge C --response R"
    assert out.rstrip().endswith(verify_hint)  # printed again after the UI closed
    # Follow the instructions: a challenge from the demo registry, the token's answer, verified.
    challenge = cli(env, "challenge", "--serial", serial, "--registry", reg).strip()
    keys = f"PRESS {' '.join(pin)} OK {' '.join(challenge)} OK"
    response = cli(env, "emulate", "--keys", keys, "--screen").splitlines()[-1].replace(" ", "")
    assert cli(env, "verify", "--serial", serial, "--registry", reg, "--challenge", challenge,
               "--response", response).strip() == "OK"
    # A second demo finds the token provisioned and leaves it alone.
    code, out = run_demo(env)
    assert code == 0
    assert f"token {serial} is provisioned" in out
    assert "provisioning a demo token" not in out
