"""The emulated SSD1306 and screen decoding, driven by the pinned adafruit_ssd1306 under real MicroPython."""

import pytest
from picodsc.emulator import Screen
from support.stub_board import run_stub as _run_stub
from support.token import BIG as BOARD_64
from support.token import SMALL as BOARD_32


def run_stub(tmp_path, main, board=BOARD_64, advance=0):
    return _run_stub(tmp_path / "t.img", main, board, advance)


def fb_pixels(hexdump, width, height):
    """Pixels of a framebuf MONO_VLSB buffer dumped by the stub (what the driver drew)."""
    return Screen(width, height, bytes.fromhex(hexdump)).pixels


DRAW = """
import stub
d = stub.display({page})
d.fill(0)
d.text("PIN>", 0, 0, 1)
d.text("1234 abc", 8, 8, 1)
d.text("Hello, World!", 0, {y3}, 1)
d.line(0, {yl}, 127, {yl2}, 1)
d.show()
print("FB", bytes(d.buffer[1:]).hex())
stub.idle()
"""


@pytest.mark.parametrize("board,w,h", [(BOARD_64, 128, 64), (BOARD_32, 128, 32)])
def test_adafruit_text_decodes_exactly(tmp_path, board, w, h):
    main = DRAW.format(page="", y3=h - 8, yl=20, yl2=23)
    screen, out = run_stub(tmp_path, main, board)
    assert (screen.width, screen.height, screen.on) == (w, h, True)
    lines = screen.text()
    assert lines[0] == "PIN>"
    assert lines[1] == " 1234 abc"
    assert lines[-1] == "Hello, World!"
    # the physical image is exactly what framebuf drew
    fb = out.split("FB ")[1].split()[0]
    assert screen.pixels == fb_pixels(fb, w, h)


def test_page_addressing_mode(tmp_path):
    screen, out = run_stub(tmp_path, DRAW.format(page="page_addressing=True", y3=56, yl=30, yl2=40))
    fb = out.split("FB ")[1].split()[0]
    assert screen.pixels == fb_pixels(fb, 128, 64)
    assert screen.text()[0] == "PIN>"


RAW = """
import stub, framebuf
i2c = stub.i2c()
d = stub.display()
d.fill(0)
d.show()
g = bytearray(8)
framebuf.FrameBuffer(g, 8, 8, framebuf.MONO_VLSB).text("{ch}", 0, 0, 1)
{code}
stub.idle()
"""


def test_partial_window_horizontal(tmp_path):
    # a 16-column x 2-page window at column 24, page 2: 48 bytes wrap column -> page -> back to page 2
    code = """
i2c.writeto(0x3C, bytes([0x00, 0x20, 0x00, 0x21, 24, 39, 0x22, 2, 3]))
i2c.writeto(0x3C, b"\\x40" + bytes(16) + g + g + g + g)
"""
    screen, _ = run_stub(tmp_path, RAW.format(ch="Q", code=code))
    assert screen.text() == ["", "", "   QQ", "   QQ"]


def test_vertical_mode_and_single_byte_controls(tmp_path):
    # vertical addressing: each data byte moves down a page; Co=1 control bytes one at a time
    code = """
i2c.writeto(0x3C, bytes([0x80, 0x20, 0x80, 0x01, 0x80, 0x21, 0x80, 0, 0x80, 7, 0x80, 0x22, 0x80, 0, 0x80, 1]))
buf = bytearray()
for col in range(8):
    buf += bytes([0xC0, g[col], 0xC0, g[col]])
i2c.writeto(0x3C, buf)
"""
    screen, _ = run_stub(tmp_path, RAW.format(ch="Z", code=code))
    assert screen.text() == ["Z", "Z"]


def test_page_mode_column_commands(tmp_path):
    code = """
i2c.writeto(0x3C, bytes([0x00, 0x20, 0x02, 0xB5, 0x00 | (40 & 15), 0x10 | (40 >> 4)]))
i2c.writeto(0x3C, b"\\x40" + g)
"""
    screen, _ = run_stub(tmp_path, RAW.format(ch="K", code=code))
    assert screen.text() == ["", "", "", "", "", "     K"]


@pytest.mark.parametrize("cmds,expect", [
    ("0xA0", "mirror"),  # segment remap off: left-right mirrored
    ("0xC0", "flip"),  # COM scan direction normal: upside down
    ("0xA7", "invert"),
    ("0xAE", "off"),
    ("0xA5", "all"),
])
def test_physical_transforms(tmp_path, cmds, expect):
    main = """
import stub
d = stub.display()
d.fill(0)
d.text("AB", 0, 0, 1)
d.show()
stub.i2c().writeto(0x3C, bytes([0x00, {cmds}]))
stub.idle()
"""
    screen, _ = run_stub(tmp_path, main.format(cmds=cmds))
    ref, _ = run_stub(tmp_path, main.format(cmds="0xE3"))  # NOP
    assert ref.text() == ["AB"]
    if expect == "mirror":
        assert screen.pixels == [row[::-1] for row in ref.pixels]
    elif expect == "flip":
        assert screen.pixels == ref.pixels[::-1]
    elif expect == "invert":
        assert screen.invert and screen.text() == ["AB"]
        assert screen.pixels == [[1 - p for p in row] for row in ref.pixels]
    elif expect == "off":
        assert not screen.on and screen.text() == []
        assert not any(map(any, screen.pixels))
    else:
        assert all(map(all, screen.pixels))


def test_wrong_com_pins_config_on_32_rows_shows_every_other_line(tmp_path):
    main = """
import stub
d = stub.display()
d.fill(1)
d.show()
stub.i2c().writeto(0x3C, bytes([0x00, 0xDA, 0x12]))
stub.idle()
"""
    screen, _ = run_stub(tmp_path, main, BOARD_32)
    assert [any(row) for row in screen.pixels] == [True, False] * 16


BIG = """
import stub
d = stub.display()
d.fill(0)
d.text("RESPONSE", 0, 0, 1)
stub.big_text(d, "1234", 0, 24, pitch={pitch})
stub.big_text(d, "5678", {x2}, 24, pitch={pitch})
d.text("30s", 0, 56, 1)
d.show()
stub.idle()
"""


def test_big_text_one_line_with_space(tmp_path):
    screen, _ = run_stub(tmp_path, BIG.format(pitch=15, x2=4 * 15 + 8))
    assert screen.text() == ["RESPONSE", "", "", "1234 5678", "", "", "30s"]


def test_big_text_without_space(tmp_path):
    screen, _ = run_stub(tmp_path, BIG.format(pitch=15, x2=4 * 15))
    assert screen.text() == ["RESPONSE", "", "", "12345678", "", "", "30s"]


def test_unknown_glyph_and_png(tmp_path):
    main = """
import stub
d = stub.display()
d.fill(0)
d.text("OK", 0, 0, 1)
d.fill_rect(40, 0, 5, 3, 1)
d.show()
stub.idle()
"""
    screen, _ = run_stub(tmp_path, main)
    assert screen.text() == ["OK   ?"]
    png = screen.png(tmp_path / "s.png", scale=2)
    from picodsc.emulator.render import PNG_BORDER, PNG_OFF, PNG_ON
    from PIL import Image

    with Image.open(png) as img:
        assert img.size == ((128 + 2 * PNG_BORDER) * 2, (64 + 2 * PNG_BORDER) * 2)
        assert img.getpixel((0, 0)) == PNG_OFF
        assert img.getpixel((81 + 2 * PNG_BORDER, 1 + 2 * PNG_BORDER)) == PNG_ON


def test_screen_from_bytes():
    s = Screen(128, 32, bytes(512))
    assert s.text() == [] and s.width == 128 and s.height == 32
    with pytest.raises(ValueError):
        Screen(128, 32, bytes(10))


def test_big_text_with_blank_top_half(tmp_path):
    main = """
import stub
d = stub.display()
d.fill(0)
stub.big_text(d, ".", 0, 16)
stub.big_text(d, "12", 0, 40, pitch=15)
d.show()
stub.idle()
"""
    screen, _ = run_stub(tmp_path, main)
    assert screen.text() == ["", "", ".", "", "12"]
