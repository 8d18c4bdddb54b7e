"""The README's factory reset (hold DEL, hold PRESS 3 s, confirm OK) done in the emulator with a chord or
holds in a --keys script. (The terminal's w key: test_terminal_fit with a fake clock, test_tmux_pane for
real.)"""

import pytest
from picodsc.emulator.image import token_serial
from support.commands import run_cli
from support.token import provisioned_image

WIPE_CONFIRM = ["WIPE? OK", "OTHER KEY: NO"]


@pytest.fixture
def token(tmp_path):
    """A provisioned (locked) token's image."""
    return provisioned_image(tmp_path / "t.img")


def emulate(image, keys):
    code, out, err = run_cli(["emulate", "--flash", str(image), "--keys", keys, "--screen"])
    assert (code, err) == (0, "")
    return out.splitlines()


def test_a_chord_in_a_key_script_wipes_the_token(token):
    assert emulate(token, "DEL+PRESS:1000 PRESS") == ["PIN>"]  # let go too early: nothing happens
    assert emulate(token, "DEL+PRESS:3500") == WIPE_CONFIRM
    assert emulate(token, "DEL+PRESS:3500 OK") == ["NOT PROVISIONED", token_serial(token)]
    assert emulate(token, "PRESS") == ["NOT PROVISIONED", token_serial(token)]  # for good


def test_holds_in_a_key_script(token):
    assert emulate(token, "HOLD:DEL HOLD:PRESS WAIT:3200") == WIPE_CONFIRM
    # any other key says no
    assert emulate(token, "HOLD:DEL HOLD:PRESS WAIT:3200 UP:PRESS UP:DEL 1") == []
    assert emulate(token, "PRESS")[0] == "PIN>"
