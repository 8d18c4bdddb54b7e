"""The emulator's GPIO model (emulator/mp/emu_gpio.py) on its own, through the firmware tests' stand-in
machine: a matrix reads through closed switches, ghosting included, and switches are idempotent."""

from support.firmware_stubs import mp_run

_SETUP = """
import board, stub
from machine import Pin
key = {leg: (board.ROW_PINS[r], board.COL_PINS[c])
       for r, line in enumerate(board.KEYMAP) for c, leg in enumerate(line)}
def read():
    # legends whose row, driven low alone, pulls their column low (stub.scan: one keypad scan)
    return "".join(board.KEYMAP[k[0]][k[1]] for k in stub.scan() if isinstance(k, tuple))
"""


def test_matrix_ghosting_and_idempotent_switches():
    out = mp_run(_SETUP + """
print(read())
for k in "124":
    hw.press(*key[k])
print(read())  # 1 (r0 c0), 2 (r0 c1), 4 (r1 c0): row 1 reaches column 1 through them, 5 reads pressed
hw.press(*key["2"], False)
print(read())
hw.press(*key["1"])  # already closed: nothing changes
hw.press(*key["1"], False)
print(read())
""")
    assert out.split("\n")[:4] == ["", "1245", "14", "4"]


def test_direct_key_to_ground_and_irq_on_the_falling_edge():
    out = mp_run(_SETUP + """
seen = []
p = Pin(board.DIRECT_KEYS["PWR"], Pin.IN, Pin.PULL_UP)
p.irq(handler=lambda pin: seen.append(pin.value()), trigger=Pin.IRQ_FALLING)
print(p.value(), hw.armed())
hw.ground(board.DIRECT_KEYS["PWR"]); print(p.value(), seen)
hw.ground(board.DIRECT_KEYS["PWR"], False); print(p.value(), seen)
""", board="pico_3x4_128x32")
    assert out.split("\n")[:3] == ["1 [15]", "0 [0]", "1 [0]"]
