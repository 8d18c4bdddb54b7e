"""dsc.keypad under the real MicroPython on the emulator's GPIO model (support/mp/machine_stub.py)."""

from support.firmware_stubs import mp_run

_SETUP = """
import board
from dsc.keypad import Keypad
k = Keypad(board.ROW_PINS, board.COL_PINS, board.KEYMAP, board.DIRECT_KEYS, board.KEYS)
def run(n):
    out = []
    for _ in range(n):
        r = k.scan()
        if r is not None:
            out.append(r)
    return out
def allocated(fn):
    # heap bytes fn() allocates (gc off, so nothing is collected meanwhile)
    import gc
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    fn()
    after = gc.mem_alloc()
    gc.enable()
    return after - before
"""


def test_names_map_functions_and_digits():
    out = mp_run(_SETUP + "print(k.names)")
    names = "('1', '2', '3', 'PRESS', '4', '5', '6', 'B', '7', '8', '9', 'C', 'DEL', '0', 'OK', 'D')"
    assert out.strip() == names


def test_press_counts_once_and_bounce_is_ignored():
    out = mp_run(
        _SETUP
        + """
hw.press(6, 10); print(run(10)); hw.press(6, 10, False); print(run(10))
hw.press(7, 11); run(1); hw.press(7, 11, False); print(run(10))  # one-scan glitch
hw.press(7, 11); run(2); hw.press(7, 11, False); run(1); hw.press(7, 11); print(run(10))  # bouncy press
"""
    )
    assert out.split("\n")[:3] == ["['1']", "[]", "[]"]
    assert out.split("\n")[3] == "['5']"


def test_two_keys_held_and_idle():
    out = mp_run(
        _SETUP
        + """
hw.press(9, 10); hw.press(6, 13)
print(run(5), k.is_down(k.index('DEL')), k.is_down(k.index('PRESS')), k.idle())
hw.press(9, 10, False); hw.press(6, 13, False); run(1); print(k.idle()); run(5); print(k.idle())
"""
    )
    assert out.split() == ["['PRESS',", "'DEL']", "True", "True", "False", "False", "True"]


def test_direct_key_on_3x4_board():
    out = mp_run(
        _SETUP
        + """
print(k.names)
hw.ground(15); print(run(5)); hw.ground(15, False); run(5)
hw.press(9, 12); print(run(5))
""",
        board="pico_3x4_128x32",
    )
    lines = out.splitlines()
    assert lines[0] == "('1', '2', '3', '4', '5', '6', '7', '8', '9', 'DEL', '0', 'OK', 'PRESS')"
    assert lines[1:] == ["['PRESS']", "['OK']"]


def test_sleep_until_arms_only_the_power_key():
    code = "k.sleep_until(k.index('PRESS')); print(hw.lightsleeps, hw.armed(), hw.latched(6))"
    # 4x4: PRESS is 'A' (row GP6, column GP13): only its row low, IRQ on its column; all undone after.
    assert mp_run(_SETUP + code).strip() == "[(None, [13], [6])] [] 1"
    # 3x4: PRESS is a button on GP15, no row driven.
    assert mp_run(_SETUP + code, board="pico_3x4_128x32").strip() == "[(None, [15], [])] [] 1"


def test_sleep_until_does_not_sleep_if_the_key_is_already_down():
    code = "hw.press(6, 13); k.sleep_until(k.index('PRESS')); print(hw.lightsleeps, hw.armed())"
    assert mp_run(_SETUP + code).strip() == "[] []"


def test_scan_loop_allocates_nothing():
    out = mp_run(
        _SETUP
        + """
import gc
def loop():
    for i in range(400):
        if i % 20 == 0:
            hw.press(8, 12, (i // 20) % 2 == 0)
        if i % 30 == 0:
            hw.press(6, 13, (i // 30) % 2 == 0)
        k.scan()
        k.is_down(3)
    k.idle()
def measure():
    return allocated(loop)
loop()  # warm up
print(measure())
"""
    )
    assert out.strip() == "0"


def test_token_loop_at_a_prompt_allocates_nothing():
    # The whole per-scan work of dsc.app (scan, power key check, state handler, timeouts) while
    # waiting at PIN>: no heap allocation, so no GC pauses while idle.
    out = mp_run(
        _SETUP
        + """
import gc, time
from emu_ssd1306 import SSD1306
from dsc.display import Display
from dsc.app import Token
class Cfg:
    pass
cfg = Cfg()
cfg.pin_hash_name, cfg.question_length, cfg.counter = "SHA256", 6, None
t = Token(Display(hw.I2C(SSD1306(128, 64)), 128, 64), k, cfg)
hw.press(6, 13); run(5); t.step("PRESS", time.ticks_ms()); hw.press(6, 13, False); run(5)
def loop():
    for _ in range(300):
        t.step(k.scan(), time.ticks_ms())
def measure():
    return allocated(loop)
loop()
print(t.state, measure())
"""
    )
    assert out.strip() == "1 0"
