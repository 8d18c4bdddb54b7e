"""The firmware flows that matter most, on the official MicroPython rp2 firmware in an emulated RP2040.

Runs only with ``pytest --rp2-image RPI_PICO.uf2`` (v1.24+ from micropython.org). One token goes
through its life in order: fresh screen, deploy + provision over real mpremote, a response the host
verifies, the locked REPL, off after idle and woken by PRESS, factory reset. Slow (minutes): every
instruction of the firmware is emulated.
"""

import re
import time

import pytest
from picodsc.emulator import Emulator
from picodsc.emulator.rp2.emulator import Rp2Emulator
from picodsc.registry import Registry
from support.commands import picodsc
from support.token import BARE_MAIN, PIN, SUITE, factory_reset

pytestmark = pytest.mark.rp2

MPREMOTE_TIMEOUT = "600"  # wall seconds: the emulated chip is slow; the outcome does not depend on it


@pytest.fixture(scope="module")
def uf2(request):
    return request.config.getoption("--rp2-image")


@pytest.fixture(scope="module")
def life(uf2, tmp_path_factory):
    """The token's life, step by step: a dict the tests fill in order."""
    tmp = tmp_path_factory.mktemp("rp2")
    return {"tmp": tmp, "image": tmp / "token.img",
            "env": {"PICODSC_REGISTRY": str(tmp / "registry.sqlite3"), "PICODSC_KEY_FILE": None,
                    "PICODSC_NOW": None}}


def wait_for_boot(emu, timeout=900):
    """Wait (wall clock, a guard) until the firmware has set up its display after a reset, then 1 s."""
    deadline = time.monotonic() + timeout
    while not emu.stats()["i2c_transactions"]:
        assert time.monotonic() < deadline, "the firmware did not come back after the reset"
        time.sleep(0.5)
    emu.advance(1000)


def text(emu):
    s = emu.screen()
    return s.text() if s.on else "OFF"


def test_fresh_token_shows_not_provisioned(uf2, tmp_path):
    with Rp2Emulator(tmp_path / "fresh.img", uf2) as emu:
        assert text(emu) == "OFF"
        emu.press_keys("PRESS")
        assert text(emu) == ["NOT PROVISIONED", "FFFFFFFFFFFFFFFF"]  # rp2040py: no flash unique ID


def test_deploy_and_provision_over_mpremote(uf2, life):
    image, env = life["image"], life["env"]
    with Emulator(image, files=[("/main.py", BARE_MAIN)]):  # a Pico with MicroPython only
        pass
    with Rp2Emulator(image, uf2, serial="pty", sync=False) as emu:
        rc, out, err = picodsc("deploy", "--port", emu.port, "--timeout", MPREMOTE_TIMEOUT, env=env,
                               timeout=1800)
        assert rc == 0, err
        assert "/lib/dsc/app.mpy" in err
        wait_for_boot(emu)  # the board resets after the deploy: as with a real one, wait for it
        rc, out, err = picodsc("provision", "--port", emu.port, "--pin", PIN, "--timeout", MPREMOTE_TIMEOUT,
                               env=env, timeout=1800)
        assert rc == 0, err
        m = re.fullmatch(r"serial: ([0-9A-F]{16})\n", out)
        assert m, out
    life["serial"] = m.group(1)
    with Registry(env["PICODSC_REGISTRY"]) as reg:
        assert reg.load(life["serial"]).suite == SUITE


@pytest.fixture
def token(uf2, life):
    if "serial" not in life:
        pytest.skip("the token was not provisioned")
    with Rp2Emulator(life["image"], uf2, serial="pty", sync=False) as emu:
        yield emu


def test_pin_and_challenge_give_a_response_the_host_verifies(token, life):
    env, serial = life["env"], life["serial"]
    rc, challenge, _ = picodsc("challenge", "--serial", serial, env=env)
    challenge = challenge.strip()
    token.press_keys("PRESS " + " ".join(PIN) + " OK")
    assert text(token)[0] == "CHALLNG>"
    token.press_keys(" ".join(challenge) + " OK")
    shown = " ".join(line for line in text(token) if line.strip())
    assert re.fullmatch(r"\d{4} \d{4}", shown), shown
    rc, out, _ = picodsc("verify", "--serial", serial, "--challenge", challenge,
                         "--response", shown.replace(" ", ""), env=env)
    assert (rc, out) == (0, "OK\n")


def test_repl_is_locked_after_provisioning(token, life):
    rc, out, err = picodsc("provision", "--port", token.port, "--pin", "8362", "--timeout", "20",
                           env=life["env"])
    assert rc == 1 and out == "" and "factory reset" in err and "Traceback" not in err


def test_off_after_idle_then_press_wakes_to_pin(token):
    token.press_keys("PRESS")
    assert text(token) == ["PIN>"]
    token.advance(31_000)  # _IDLE_MS 30 s without a key
    assert text(token) == "OFF"
    token.advance(65_000)  # a whole timed off-sleep (60 s) and more: still off, still asleep
    assert text(token) == "OFF"
    token.press_keys("PRESS")
    assert text(token) == ["PIN>"]


def test_factory_reset(token, life):
    factory_reset(token)
    waited = 0
    while text(token) == ["WIPING..."]:  # erasing the filesystem takes a while on the chip
        assert waited < 60_000, "still wiping after 60 s"
        token.advance(500)
        waited += 500
    assert text(token) == ["NOT PROVISIONED", life["serial"]]
    with Registry(life["env"]["PICODSC_REGISTRY"]) as reg:
        assert reg.has_token(life["serial"])  # the host's record stays until the owner removes it
