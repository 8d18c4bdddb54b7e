"""Smallest stand-ins for ``machine`` used by the firmware unit tests (runs inside MicroPython).

Not a test module: it holds no tests. ``install()`` puts it in ``sys.modules['machine']``.
Pins model a matrix keypad electrically: a column reads 0 when a pressed key joins it to a row
driven low; direct keys read 0 while pressed. I2C feeds the emulator's SSD1306 model.
The stand-ins allocate nothing in value() so the keypad's allocation test measures the keypad only.
"""

import sys

OUT = 1
IN = 0
OPEN_DRAIN = 2
PULL_UP = 1
IRQ_FALLING = 4
IRQ_RISING = 8

_levels = bytearray(32)  # output level per GPIO (1 = high / released open drain)
_mode = bytearray(32)
_pressed = bytearray(32 * 32)  # _pressed[a * 32 + b]: a switch joins GPIO a and GPIO b
_ground = bytearray(32)  # direct key: GPIO held to GND
_irqs = [None] * 32
lightsleeps = []
uid = b"\xe6\x61\x41\x03\xe7\x2b\x8f\x2a"


class Pin:
    OUT = OUT
    IN = IN
    OPEN_DRAIN = OPEN_DRAIN
    PULL_UP = PULL_UP
    IRQ_FALLING = IRQ_FALLING
    IRQ_RISING = IRQ_RISING

    def __init__(self, n, mode=IN, pull=None, value=None):
        self.n = n
        _mode[n] = mode
        _levels[n] = 1 if value is None else value

    def value(self, v=None):
        n = self.n
        if v is not None:
            _levels[n] = v
            return None
        if _mode[n] != IN:
            return _levels[n]
        if _ground[n]:
            return 0
        for other in range(32):
            if _pressed[n * 32 + other] and _mode[other] != IN and not _levels[other]:
                return 0
        return 1

    def irq(self, handler=None, trigger=0):
        _irqs[self.n] = (handler, trigger) if handler else None


def press(row_gpio, col_gpio, down=True):
    v = 1 if down else 0
    _pressed[row_gpio * 32 + col_gpio] = v
    _pressed[col_gpio * 32 + row_gpio] = v


def ground(gpio, down=True):
    _ground[gpio] = 1 if down else 0


def armed():
    """GPIOs with an IRQ handler armed."""
    return [n for n in range(32) if _irqs[n]]


def lightsleep(ms=None):
    """Records (ms, GPIOs with an armed IRQ, GPIOs driven low) at the time of the call."""
    low = [n for n in range(32) if _mode[n] != IN and not _levels[n]]
    lightsleeps.append((ms, armed(), low))


def unique_id():
    return uid


def reset():
    raise SystemExit("reset")


class I2C:
    """Records transactions and feeds them to an SSD1306 model (emulator/mp/emu_ssd1306.py)."""

    def __init__(self, oled):
        self.oled = oled
        self.bytes = 0
        self.transactions = 0

    def writeto(self, addr, buf):
        self.transactions += 1
        self.bytes += len(buf) + 1  # + the address byte
        if len(buf):
            self.oled.transaction(buf)

    def readfrom_into(self, addr, buf):
        for i in range(len(buf)):
            buf[i] = self.oled.status()


def install():
    sys.modules["machine"] = sys.modules[__name__]


# -- screen decoding (DESIGN.md "Screen decoding"), the font taken from framebuf itself ----------
_font = None


def _glyphs():
    global _font
    if _font is None:
        import framebuf

        _font = {}
        buf = bytearray(8)
        fb = framebuf.FrameBuffer(buf, 8, 8, framebuf.MONO_VLSB)
        for code in range(33, 127):
            fb.fill(0)
            fb.text(chr(code), 0, 0, 1)
            _font[bytes(buf)] = chr(code)
    return _font


def _pixel(pix, w, x, y):
    return (pix[(y >> 3) * w + x] >> (y & 7)) & 1


def _big_line(pix, w, top):
    """Decode a band of x2 glyphs whose top is ``top`` (None if it is not one)."""
    font = _glyphs()
    cols = []  # ink byte of each x, rows sampled every 2 px
    for x in range(w):
        v = 0
        for r in range(8):
            v |= _pixel(pix, w, x, top + 2 * r) << r
        cols.append(v)
    out = ""
    x = 0
    last_end = None
    while x < w:
        if not cols[x]:
            x += 1
            continue
        start = x
        while x < w and cols[x]:
            x += 1
        run = cols[start:x:2]
        if (x - start) % 2:
            return None
        match = None
        for glyph, ch in font.items():
            ink = [b for b in glyph]
            while ink and not ink[0]:
                ink.pop(0)
            while ink and not ink[-1]:
                ink.pop()
            if ink == run:
                match = ch
                break
        if match is None:
            return None
        if last_end is not None and start - last_end >= 6:
            out += " "
        out += match
        last_end = x
    return out


def decode(pix, w, h):
    """Text lines of the screen: 8x8 cells, or x2 digits (one line, the next one is then empty)."""
    font = _glyphs()
    lines = []
    line = 0
    while line < h // 8:
        text = ""
        ok = True
        for col in range(w // 8):
            cell = bytes(pix[line * w + col * 8 : line * w + col * 8 + 8])
            if not any(cell):
                text += " "
            elif cell in font:
                text += font[cell]
            else:
                ok = False
                break
        if not ok and line + 1 < h // 8:
            big = _big_line(pix, w, line * 8)
            if big is not None:
                lines.append(big)
                lines.append("")
                line += 2
                continue
        lines.append(text.rstrip() if ok else "?")
        line += 1
    return lines


# -- host side (CPython): run test code under MicroPython with these stand-ins -------------------
_bundles = {}


def mp_run(code, board="pico_4x4_128x64", heapsize=None):
    """Run ``code`` under the real MicroPython with the board's bundle (/lib, board.py) on sys.path,
    this module as ``hw`` installed as ``machine``, and the emulator's SSD1306 model importable."""
    import tempfile
    from pathlib import Path

    from picodsc import bundle, upy

    if board not in _bundles:
        root = Path(tempfile.mkdtemp(prefix="picodsc-fw-"))
        for dev_path, data in bundle.files(board, compiled=False):
            target = root / dev_path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _bundles[board] = root
    root = _bundles[board]
    tests = Path(__file__).resolve().parent
    emu_mp = upy.package_dir("picodsc") / "emulator" / "mp"
    path = (str(upy.FIRMWARE), str(root / "lib"), str(root), str(tests), str(emu_mp))
    prelude = "import test_firmware_stubs as hw\nhw.install()\n"
    return upy.run(prelude + code, path=path, heapsize=heapsize)
