"""`picodsc demo` (what `make emulate` runs) on a pseudo-terminal, then its printed instructions."""

import fcntl
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

PICODSC = str(Path(sys.executable).parent / "picodsc")


def run_demo(env):
    """Start the demo in a 140x45 pty, wait for the UI, quit with q; returns (exit code, output text)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 140, 0, 0))
    proc = subprocess.Popen([PICODSC, "demo"], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    try:
        deadline = time.monotonic() + 60
        while b"q quit" not in out:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([master], [], [], left)[0], out[-500:]
            out += os.read(master, 65536)
        os.write(master, b"q")
        code = proc.wait(timeout=30)
        while select.select([master], [], [], 0.2)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the demo closed the terminal
                break
            if not data:
                break
            out += data
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    return code, out.decode(errors="replace")


def cli(env, *argv):
    proc = subprocess.run([PICODSC, *argv], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_demo_provisions_and_its_instructions_work(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path))
    env.pop("PICODSC_REGISTRY", None)
    env.pop("PICODSC_KEY_FILE", None)
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
