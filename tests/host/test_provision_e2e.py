"""End to end on the emulator: real mpremote over a pty, the real firmware, the real CLI.

deploy onto a blank flash -> provision (secret never in any argv or output) -> type PIN and
challenge on the emulated keypad -> read the response off the decoded screen -> verify OK; wrong PIN
-> FAIL; provisioning or deploying the now locked token is refused.
"""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from picodsc.registry import Registry

harness = pytest.importorskip("picodsc.emulator.harness", reason="emulator harness not available yet")

PICODSC = str(Path(sys.executable).parent / "picodsc")
PIN = "4711"
BARE_MAIN = b"import time\nwhile True:\n    time.sleep(1)\n"
pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")


class ArgvSampler(threading.Thread):
    """Collects the command line of every process while it runs (what `ps` shows)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen = set()
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as f:
                            self.seen.add(f.read())
                    except OSError:
                        pass

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()


def picodsc(env, *args, timeout=300):
    proc = subprocess.run([PICODSC, *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def read_response(emu, challenge, pin=PIN):
    emu.press_keys("PRESS " + " ".join(pin) + " OK")
    assert "CHALLNG>" in emu.screen().text()
    emu.press_keys(" ".join(challenge) + " OK")
    lines = emu.screen().text()
    shown = " ".join(line for line in lines if line.strip())
    assert re.fullmatch(r"\d{4} \d{4}", shown), lines  # 8 big digits, grouped 4 + 4
    digits = shown.replace(" ", "")
    emu.press_keys("PRESS")  # off
    return digits


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A deployed and provisioned emulated token: (emulator, env, serial, outputs, argv samples)."""
    tmp = tmp_path_factory.mktemp("e2e")
    image = tmp / "token.img"
    env = dict(os.environ, PICODSC_REGISTRY=str(tmp / "registry.sqlite3"))
    for var in ("PICODSC_KEY_FILE", "PICODSC_NOW"):
        env.pop(var, None)
    # Factory: a board with only a stand-in main.py (MicroPython and nothing else); deploy does the
    # rest. Realtime, because a sleeping unprovisioned token must see mpremote's Ctrl-C (in virtual
    # time it waits for a key).
    with harness.Emulator(image, serial="pty", realtime=True, files=[("/main.py", BARE_MAIN)]) as emu:
        rc, out, err = picodsc(env, "deploy", "--port", emu.port)
        assert rc == 0, err
        assert "deployed" in err and "/lib/dsc/app.mpy" in err
        assert {"main.py", "board.py", "lib/"} <= set(emu.fs_ls("/"))
        with ArgvSampler() as sampler:
            rc, out, err = picodsc(env, "provision", "--port", emu.port, "--pin", PIN)
        assert rc == 0, err
        m = re.fullmatch(r"serial: ([0-9A-F]{16})\n", out)
        assert m, out
        outputs = [out, err, emu.serial_output().decode(errors="replace")]  # incl. what the token sent
    # The owner: the same flash image, booted as it is, keys pressed in virtual time.
    with harness.Emulator(image, serial="pty", sync=False) as emu:
        yield emu, env, m.group(1), outputs, sampler.seen


def test_deploy_and_provision_record_the_token(token, tmp_path):
    emu, env, serial, outputs, _ = token
    uid = (Path(emu.image).read_bytes()[-4096:][:8]).hex().upper()
    assert serial == uid
    assert "dsc.cfg" in emu.fs_ls("/")
    with Registry(env["PICODSC_REGISTRY"]) as reg:
        tok = reg.load(serial)
    assert tok.suite == "OCRA-1:HOTP-SHA256-8:QN06-PSHA256" and len(tok.secret) == 32


def test_secret_never_in_argv_or_output(token):
    emu, env, serial, outputs, argvs = token
    with Registry(env["PICODSC_REGISTRY"]) as reg:
        secret = reg.load(serial).secret.hex()
    assert any(b"mpremote" in a and b"/dev/stdin" in a for a in argvs), "sampler saw the provisioning run"
    for form in (secret, secret.upper()):
        assert not any(form.encode() in a for a in argvs)
        assert not any(form in text for text in outputs)
    assert not any(PIN.encode() in a.split(b"\0")[-2:] and b"mpremote" in a for a in argvs)


def test_challenge_response_verify(token):
    emu, env, serial, _, _ = token
    rc, challenge, _ = picodsc(env, "challenge", "--serial", serial)
    challenge = challenge.strip()
    response = read_response(emu, challenge)
    rc, out, _ = picodsc(env, "verify", "--serial", serial, "--challenge", challenge, "--response", response)
    assert (rc, out) == (0, "OK\n")


def test_wrong_pin_fails(token):
    emu, env, serial, _, _ = token
    challenge = picodsc(env, "challenge", "--serial", serial)[1].strip()
    response = read_response(emu, challenge, pin="8362")
    rc, out, _ = picodsc(env, "verify", "--serial", serial, "--challenge", challenge, "--response", response)
    assert (rc, out) == (1, "FAIL: wrong response\n")


def test_locked_token_refuses_provision_and_deploy(token):
    emu, env, serial, _, _ = token
    rc, out, err = picodsc(env, "provision", "--port", emu.port, "--pin", "8362", "--timeout", "3")
    assert rc == 1 and out == "" and "factory reset" in err and "Traceback" not in err
    rc, out, err = picodsc(env, "deploy", "--port", emu.port, "--timeout", "3")
    assert rc == 1 and "factory reset" in err and "Traceback" not in err
    assert "dsc.cfg" in emu.fs_ls("/")
