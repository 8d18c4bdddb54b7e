"""A token that is off comes back on PRESS, on the rp2-faithful emulator (issue 9).

On rp2 an untimed machine.lightsleep() is DORMANT mode, which no pin IRQ wakes: the token before
issue 9 (``sleep_until`` with ``machine.lightsleep()``) never came back once off. The emulator models
that, so the old firmware fails here and the fixed one (a timed lightsleep loop ended by the power
key's IRQ) passes. Times are virtual (the emulator's clock), not wall-clock.
"""

import pytest
from picodsc.emulator import Emulator
from support.token import BIG, BOARDS, cfg_json, token_files
from support.token import screen_text as text

WAKE_GOAL_MS = 100  # PRESS to a drawn PIN>
OFF_SLEEP_MS = 60_000  # dsc.keypad.OFF_SLEEP_MS: at most one wakeup per idle minute while off

# dsc.keypad.Keypad.sleep_until before issue 9, verbatim but for the class around it.
OLD_MAIN = b"""
import micropython
micropython.kbd_intr(-1)
import machine
from machine import Pin
import dsc.keypad

def _wake(_pin):
    pass

class OldKeypad(dsc.keypad.Keypad):
    def sleep_until(self, k):
        row = None
        if k >= self._nmatrix:
            pin = self._direct[k - self._nmatrix]
        else:
            ncols = len(self._cols)
            row = self._rows[k // ncols]
            pin = self._cols[k % ncols]
            row.value(0)
        pin.irq(handler=_wake, trigger=Pin.IRQ_FALLING)
        try:
            if pin.value():
                machine.lightsleep()
        finally:
            pin.irq(handler=None, trigger=0)
            if row is not None:
                row.value(1)

dsc.keypad.Keypad = OldKeypad
import dsc.app
dsc.app.main()
"""


def test_old_sleep_until_never_wakes_on_rp2(tmp_path):
    files = [f for f in token_files(BIG, cfg_json()) if f[0] != "/main.py"] + [("/main.py", OLD_MAIN)]
    with Emulator(tmp_path / "old.img", files=files) as emu:
        emu.advance(2_000)
        assert emu.stats()["dormant"] == 1
        emu.press("PRESS")
        emu.press("PRESS", hold_ms=3_000)
        emu.advance(120_000)
        assert text(emu) == "OFF"  # bricked until a power cycle


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("early_wakeups", [0, 25, 90])
def test_fixed_token_wakes_within_100_ms(token, board, early_wakeups):
    emu = token(board, early_wakeups=early_wakeups, seed=early_wakeups)
    for idle_ms in (2_000, 59_990, 61_000, 7_777):  # at different points of the minute-long sleep
        emu.advance(idle_ms)
        assert text(emu) == "OFF" and emu.stats()["dormant"] == 0
        emu.down("PRESS", 0)
        waited = 0
        while text(emu) != ["PIN>"] and waited < WAKE_GOAL_MS:
            emu.advance(5)
            waited += 5
        assert text(emu) == ["PIN>"], f"no PIN> {waited} ms after PRESS"
        emu.up("PRESS")
        emu.press("PRESS")  # off again
        assert text(emu) == "OFF"


def test_at_most_one_wakeup_per_idle_minute_while_off(token):
    # USB unplugged (no host): nothing but the firmware's own timer and the power key wakes it.
    emu = token(early_wakeups=0)
    emu.press_keys("PRESS 1 PRESS")
    emu.advance(1_000)
    emu.reset_stats()
    emu.advance(10 * OFF_SLEEP_MS)
    st = emu.stats()
    assert st["wakeups"] <= 10 and st["i2c_bytes"] == 0  # no scanning, no drawing
    emu.press("PRESS")
    assert text(emu) == ["PIN>"]


def test_glitch_on_the_power_key_wakes_and_sleeps_again(token):
    emu = token(early_wakeups=0)
    emu.advance(2_000)
    emu.press("PRESS", hold_ms=5)  # shorter than the debounce: an IRQ, not a key press
    assert text(emu) == "OFF"
    emu.reset_stats()
    emu.advance(2 * OFF_SLEEP_MS)
    assert emu.stats()["wakeups"] <= 2  # back to the minute-long sleep
    emu.press("PRESS")
    assert text(emu) == ["PIN>"]
