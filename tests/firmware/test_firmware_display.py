"""dsc.display: the pinned adafruit_ssd1306 driver on a stand-in I2C bus feeding the emulator's
SSD1306 model; screens are decoded from the pixels the panel would light (picodsc.emulator.screen)."""

from support.firmware_stubs import mp_run, panel_lines

_SETUP = """
from emu_ssd1306 import SSD1306
from dsc.display import Display
W, H = {w}, {h}
oled = SSD1306(W, H)
i2c = hw.I2C(oled)
d = Display(i2c, W, H)
def screen():
    # the panel image in hex, one token: the host decodes it (panel_lines)
    out = bytearray(W * H // 8)
    oled.render(out)
    return hexlify(out).decode()
from binascii import hexlify
"""


def _setup(w=128, h=64):
    return _SETUP.format(w=w, h=h)


def test_text_grid_and_lines():
    code = "d.text('PIN>'); d.text('HELLO', 3, 7); d.update(); print(screen(), d.cols, d.lines)"
    panel, cols, lines = mp_run(_setup() + code).split()
    assert panel_lines(panel, 128, 64) == ["PIN>", "", "", "", "", "", "", "   HELLO"]
    assert (cols, lines) == ("16", "8")


def test_digit_key_press_costs_few_i2c_bytes():
    out = mp_run(
        _setup()
        + """
d.text('PIN>'); d.update()
for i, ch in enumerate('1234'):
    i2c.bus.bytes = 0
    if i:
        d.cell('*', 3 + i, 0)
    d.cell(ch, 4 + i, 0)
    d.update()
    print(i2c.bus.bytes)
print(screen())
"""
    )
    *sizes, panel = out.splitlines()
    assert panel_lines(panel, 128, 64) == ["PIN>***4", "", "", "", "", "", "", ""]
    # Two transactions: 7 command bytes and the changed columns only (a full show() is 1 KB).
    assert all(int(n) <= 40 for n in sizes), sizes


def test_unchanged_frame_sends_nothing():
    code = "d.text('X'); d.update(); i2c.bus.bytes = 0; d.text('X'); d.update(); print(i2c.bus.bytes)"
    out = mp_run(_setup() + code)
    assert out.strip() == "0"


def test_big_digits_decode_grouped_on_both_sizes():
    for w, h, line in ((128, 64, 3), (128, 32, 1)):
        out = mp_run(
            _setup(w, h)
            + f"""
for s in ('1234 5678', '4444 1111', '0987 6543'):
    d.clear(); d.big(s, {line}); d.update(); print(screen())
"""
        )
        shown = [panel_lines(panel, w, h)[line] for panel in out.split()]
        assert shown == ["1234 5678", "4444 1111", "0987 6543"]


def test_power_off_blanks_panel_and_on_restores():
    out = mp_run(
        _setup()
        + """
d.text('ABC'); d.update(); d.power(False); print(screen(), oled.display_on)
d.power(True); print(screen())
"""
    )
    off, display_on, on = out.split()
    assert panel_lines(off, 128, 64) == [""] * 8
    assert display_on == "False"
    assert panel_lines(on, 128, 64)[0] == "ABC"
