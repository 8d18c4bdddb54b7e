"""End to end on the emulator: real mpremote over a pty, the real firmware, the real CLI.

deploy onto a blank flash -> provision (secret never in any argv or output) -> type PIN and
challenge on the emulated keypad -> read the response off the decoded screen -> verify OK; wrong PIN
-> FAIL; provisioning or deploying the now locked token is refused.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from picodsc.emulator import Emulator
from picodsc.registry import Registry
from support.commands import picodsc as _picodsc
from support.token import PIN, SUITE, bare_board, image_serial

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


def picodsc(env, *args):
    return _picodsc(*args, env=env)


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
def deployed(tmp_path_factory):
    """A deployed and provisioned emulated token: (emulator, env, serial, outputs, argv samples)."""
    tmp = tmp_path_factory.mktemp("e2e")
    image = tmp / "token.img"
    env = {"PICODSC_REGISTRY": str(tmp / "registry.sqlite3"), "PICODSC_KEY_FILE": None, "PICODSC_NOW": None}
    # Factory: a board with only a stand-in main.py (MicroPython and nothing else); deploy does the
    # rest. Realtime, because a sleeping unprovisioned token must see mpremote's Ctrl-C (in virtual
    # time it waits for a key).
    with bare_board(image) as emu:
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
    with Emulator(image, serial="pty", sync=False) as emu:
        yield emu, env, m.group(1), outputs, sampler.seen


def test_deploy_and_provision_record_the_token(deployed, tmp_path):
    emu, env, serial, outputs, _ = deployed
    assert serial == image_serial(emu.image)
    assert "dsc.cfg" in emu.fs_ls("/")
    with Registry(env["PICODSC_REGISTRY"]) as reg:
        tok = reg.load(serial)
    assert tok.suite == SUITE and len(tok.secret) == 32


def test_secret_never_in_argv_or_output(deployed):
    emu, env, serial, outputs, argvs = deployed
    with Registry(env["PICODSC_REGISTRY"]) as reg:
        secret = reg.load(serial).secret.hex()
    assert any(b"mpremote" in a and b"/dev/stdin" in a for a in argvs), "sampler saw the provisioning run"
    for form in (secret, secret.upper()):
        assert not any(form.encode() in a for a in argvs)
        assert not any(form in text for text in outputs)
    assert not any(PIN.encode() in a.split(b"\0")[-2:] and b"mpremote" in a for a in argvs)


def login(deployed, pin=PIN):
    """A challenge from the registry, answered on the token's keypad with ``pin``, then verified:
    (exit code, stdout) of `picodsc verify`."""
    emu, env, serial, _, _ = deployed
    challenge = picodsc(env, "challenge", "--serial", serial)[1].strip()
    response = read_response(emu, challenge, pin)
    return picodsc(env, "verify", "--serial", serial, "--challenge", challenge, "--response", response)[:2]


def test_challenge_response_verify(deployed):
    assert login(deployed) == (0, "OK\n")


def test_wrong_pin_fails(deployed):
    assert login(deployed, pin="8362") == (1, "FAIL: wrong response\n")


def test_locked_token_refuses_provision_and_deploy(deployed):
    emu, env, serial, _, _ = deployed
    rc, out, err = picodsc(env, "provision", "--port", emu.port, "--pin", "8362", "--timeout", "3")
    assert rc == 1 and out == "" and "factory reset" in err and "Traceback" not in err
    rc, out, err = picodsc(env, "deploy", "--port", emu.port, "--timeout", "3")
    assert rc == 1 and "factory reset" in err and "Traceback" not in err
    assert "dsc.cfg" in emu.fs_ls("/")
