# OLED: the pip-pinned adafruit_ssd1306 driver on machine.I2C, sending only what changed.
#
# The driver keeps the frame in a framebuf (MONO_VLSB = the SSD1306's page layout). update()
# compares it with a shadow of the controller's GDDRAM and, per changed page, sends one command
# transaction (column/page window) and one data transaction with just the changed column range:
# a key press costs a few dozen bytes instead of the driver's ~1 KB full-frame show().
import adafruit_ssd1306
import framebuf
from micropython import const

_SET_COL_ADDR = const(0x21)
_SET_PAGE_ADDR = const(0x22)
_CTRL_CMD = const(0x00)  # control byte: Co=0, D/C#=0 -> the rest of the transaction is commands
_CTRL_DATA = const(0x40)  # control byte: Co=0, D/C#=1 -> the rest is GDDRAM data
_GLYPH = const(8)  # framebuf's built-in font is 8x8
_BIG_PITCH = const(15)  # x2 glyph ink columns 1..7 = 14 px, + 1 px apart
_BIG_GROUP_GAP = const(8)  # between groups of digits: decodes as a space (>= 6 px)


class I2CBus:
    """What adafruit_bus_device.I2CDevice expects of a bus (busio.I2C), on top of machine.I2C."""

    def __init__(self, i2c):
        self._i2c = i2c
        self._locked = False

    def try_lock(self):
        if self._locked:
            return False
        self._locked = True
        return True

    def unlock(self):
        self._locked = False

    def writeto(self, addr, buf, *, start=0, end=None):
        if end is None:
            end = len(buf)
        if start or end != len(buf):
            buf = memoryview(buf)[start:end]
        self._i2c.writeto(addr, buf)

    def readfrom_into(self, addr, buf, *, start=0, end=None):
        if end is None:
            end = len(buf)
        self._i2c.readfrom_into(addr, memoryview(buf)[start:end])


class Display:
    """Text on a grid of 8x8 cells (``cols`` x ``lines``), big x2 digits, power on/off."""

    def __init__(self, i2c, width, height, addr=0x3C):
        self._oled = oled = adafruit_ssd1306.SSD1306_I2C(width, height, I2CBus(i2c), addr=addr)
        self.width = width
        self._xoff = 0 if width == 128 else (128 - width) // 2  # the driver centres narrow panels
        self.cols = width // _GLYPH
        self.lines = height // _GLYPH
        self._fb = memoryview(oled.buffer)[1:]  # the driver's frame, without its control byte
        # The driver's init ended with a full show() of a blank frame: GDDRAM is all zero.
        self._shadow = bytearray(len(self._fb))
        self._cmd = bytearray((_CTRL_CMD, _SET_COL_ADDR, 0, 0, _SET_PAGE_ADDR, 0, 0))
        self._tx = bytearray(width + 1)
        self._tx[0] = _CTRL_DATA
        self._glyph_buf = bytearray(_GLYPH)
        self._glyph = framebuf.FrameBuffer(self._glyph_buf, _GLYPH, _GLYPH, framebuf.MONO_VLSB)
        self.on = True

    def clear(self):
        self._oled.fill(0)

    def text(self, s, col=0, line=0):
        self._oled.text(s, col * _GLYPH, line * _GLYPH, 1)

    def cell(self, ch, col, line):
        """Replace one character cell (framebuf text only sets pixels, so clear it first)."""
        x, y = col * _GLYPH, line * _GLYPH
        self._oled.fill_rect(x, y, _GLYPH, _GLYPH, 0)
        self._oled.text(ch, x, y, 1)

    def clear_line(self, line, col=0):
        self._oled.fill_rect(col * _GLYPH, line * _GLYPH, self.width - col * _GLYPH, _GLYPH, 0)

    def big(self, s, line):
        """Digits (and spaces between groups) at twice the font size, centred, top at ``line``.

        Each glyph is read by drawing it into an 8x8 framebuf; only its ink columns 1..7 are used.
        """
        width = 0
        for ch in s:
            width += _BIG_GROUP_GAP - 1 if ch == " " else _BIG_PITCH
        x = (self.width - width + 1) // 2
        y = line * _GLYPH
        glyph, gbuf, fill_rect = self._glyph, self._glyph_buf, self._oled.fill_rect
        for ch in s:
            if ch == " ":
                x += _BIG_GROUP_GAP - 1
                continue
            glyph.fill(0)
            glyph.text(ch, 0, 0, 1)
            for c in range(1, _GLYPH):
                bits = gbuf[c]
                for r in range(_GLYPH):
                    if bits >> r & 1:
                        fill_rect(x + 2 * (c - 1), y + 2 * r, 2, 2, 1)
            x += _BIG_PITCH

    def update(self):
        """Send the changed column range of each changed page (see module comment)."""
        fb, shadow, width = self._fb, self._shadow, self.width
        dev = self._oled.i2c_device
        for page in range(len(fb) // width):
            base = page * width
            lo = 0
            while lo < width and fb[base + lo] == shadow[base + lo]:
                lo += 1
            if lo == width:
                continue
            hi = width - 1
            while fb[base + hi] == shadow[base + hi]:
                hi -= 1
            n = hi - lo + 1
            cmd = self._cmd
            cmd[2] = lo + self._xoff
            cmd[3] = hi + self._xoff
            cmd[5] = cmd[6] = page
            self._tx[1 : n + 1] = fb[base + lo : base + hi + 1]
            shadow[base + lo : base + hi + 1] = fb[base + lo : base + hi + 1]
            with dev:
                dev.write(cmd)
            with dev:
                dev.write(self._tx, end=n + 1)

    def power(self, on):
        """Panel on/off (SET_DISP); GDDRAM keeps its content."""
        if on:
            self._oled.poweron()
        else:
            self._oled.poweroff()
        self.on = on
