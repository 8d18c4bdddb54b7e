"""The README's factory reset (hold DEL, hold PRESS 3 s, confirm OK) done in the emulator: with a chord or
holds in a --keys script, and with the terminal's w key in realtime."""

import time

import pytest
from picodsc.emulator.harness import Emulator
from picodsc.emulator.image import token_serial
from picodsc.emulator.keys import board_keys
from picodsc.emulator.terminal import TerminalUI
from support.commands import run_cli
from support.token import BIG, provisioned_image

WIPE_CONFIRM = ["WIPE? OK", "OTHER KEY: NO"]


@pytest.fixture
def token(tmp_path):
    """A provisioned (locked) token's image."""
    return provisioned_image(tmp_path / "t.img")


def emulate(capsys, image, keys):
    code, out, err = run_cli(["emulate", "--flash", str(image), "--keys", keys, "--screen"])
    assert (code, err) == (0, "")
    return out.splitlines()


def test_a_chord_in_a_key_script_wipes_the_token(token, capsys):
    assert emulate(capsys, token, "DEL+PRESS:1000") == []  # let go too early: nothing happens
    assert emulate(capsys, token, "PRESS")[0] == "PIN>"  # still provisioned
    assert emulate(capsys, token, "DEL+PRESS:3500") == WIPE_CONFIRM
    assert emulate(capsys, token, "DEL+PRESS:3500 OK") == ["NOT PROVISIONED", token_serial(token)]
    assert emulate(capsys, token, "PRESS") == ["NOT PROVISIONED", token_serial(token)]  # for good


def test_holds_in_a_key_script(token, capsys):
    assert emulate(capsys, token, "HOLD:DEL HOLD:PRESS WAIT:3200") == WIPE_CONFIRM
    # any other key says no
    assert emulate(capsys, token, "HOLD:DEL HOLD:PRESS WAIT:3200 UP:PRESS UP:DEL 1") == []
    assert emulate(capsys, token, "PRESS")[0] == "PIN>"


def test_the_w_key_of_the_terminal_wipes_the_token_in_realtime(token):
    class Sink:
        def write(self, s):
            pass

        def flush(self):
            pass

    def settle(ui, emu, want, timeout=15):
        deadline = time.monotonic() + timeout
        while ui.pump() is not None or emu.screen().text() != want:
            assert time.monotonic() < deadline, emu.screen().text()
            time.sleep(0.05)

    with Emulator(token, realtime=True) as emu:
        ui = TerminalUI(emu, keys=board_keys(BIG), stdout=Sink())
        ui.handle(b"w")
        settle(ui, emu, WIPE_CONFIRM)
        ui.handle(b"\r")
        settle(ui, emu, ["NOT PROVISIONED", token_serial(token)])
