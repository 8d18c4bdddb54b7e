"""Stand-in firmware helpers for the emulator's own tests (runs inside MicroPython; installed on the
image as /lib/stub.py by support.stub_board).

The tests' tiny main.py files import this instead of the real firmware, so the emulator is tested
on its own: the pinned adafruit_ssd1306 driver on machine.I2C, a keypad scan, big text.
"""

import time

import adafruit_ssd1306
import board
import framebuf
import machine


class Bus:
    """machine.I2C with the lock/start/end interface adafruit_bus_device expects."""

    def __init__(self, i2c):
        self.i2c = i2c

    def try_lock(self):
        return True

    def unlock(self):
        pass

    def writeto(self, addr, buf, *, start=0, end=None):
        self.i2c.writeto(addr, memoryview(buf)[start:end])

    def readfrom_into(self, addr, buf, *, start=0, end=None):
        self.i2c.readfrom_into(addr, memoryview(buf)[start:end])


def i2c():
    return machine.I2C(board.I2C_ID, sda=machine.Pin(board.I2C_SDA), scl=machine.Pin(board.I2C_SCL),
                       freq=board.I2C_FREQ)


def display(page_addressing=False):
    return adafruit_ssd1306.SSD1306_I2C(board.DISPLAY_WIDTH, board.DISPLAY_HEIGHT, Bus(i2c()),
                                        addr=board.DISPLAY_ADDR, page_addressing=page_addressing)


_glyph = bytearray(8)
_gfb = framebuf.FrameBuffer(_glyph, 8, 8, framebuf.MONO_VLSB)


def big_text(fb, s, x, y, pitch=16):
    """Text scaled x2 (each font pixel a 2x2 block), one glyph every ``pitch`` px."""
    for ch in s:
        _gfb.fill(0)
        _gfb.text(ch, 0, 0, 1)
        for gx in range(8):
            for gy in range(8):
                if _gfb.pixel(gx, gy):
                    fb.fill_rect(x + 2 * gx, y + 2 * gy, 2, 2, 1)
        x += pitch


def scan():
    """One keypad scan: [(row, col)] of closed contacts, plus direct keys reading low."""
    rows = [machine.Pin(p, machine.Pin.OPEN_DRAIN, value=1) for p in board.ROW_PINS]
    cols = [machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP) for p in board.COL_PINS]
    found = []
    for r, rp in enumerate(rows):
        rp.value(0)
        for c, cp in enumerate(cols):
            if not cp.value():
                found.append((r, c))
        rp.value(1)
    for legend, gpio in sorted(board.DIRECT_KEYS.items()):
        if not machine.Pin(gpio, machine.Pin.IN, machine.Pin.PULL_UP).value():
            found.append(legend)
    return found


def idle(ms=1000):
    while True:
        time.sleep_ms(ms)
