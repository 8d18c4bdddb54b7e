"""The ``machine``, ``time``/``utime`` and ``micropython`` modules the firmware imports, acting on a
Board (runs inside MicroPython). ``install(board)`` puts them into ``sys.modules``."""

import sys
import time as _real_time

import emu_gpio
import emu_i2c
import micropython as _real_micropython
from emu_core import HardReset, SoftReset
from micropython import const

_TICKS_MASK = const((1 << 30) - 1)  # rp2's ticks period is 2**30
_TICKS_HALF = const(1 << 29)
_EPOCH_2021 = const(1609459200)  # rp2's RTC starts at 2021-01-01 after power-up

_PWRON_RESET = const(1)
_WDT_RESET = const(3)
PWRON_RESET = _PWRON_RESET  # machine.reset_cause() values
WDT_RESET = _WDT_RESET

_board = None  # the Board the stand-in modules act on


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kw):
        self._ev = None
        if kw:
            self.init(**kw)

    def init(self, *, mode=PERIODIC, freq=-1, period=-1, callback=None, tick_hz=1000):
        self.deinit()
        if freq > 0:
            self._period = 1000000 // freq
        else:
            self._period = max(1, period) * 1000000 // tick_hz
        self._mode = mode
        self._cb = callback
        clock = _board.clock
        self._ev = clock.schedule(clock.now_us() + self._period, self._fire, None)

    def _fire(self, _):
        clock = _board.clock
        self._ev = None
        if self._mode == Timer.PERIODIC:
            self._ev = clock.schedule(clock.now_us() + self._period, self._fire, None)
        if self._cb is not None:
            clock.irq_count += 1
            self._cb(self)

    def deinit(self):
        if self._ev is not None:
            _board.clock.cancel(self._ev)
            self._ev = None


class _Machine:
    Pin = emu_gpio.Pin
    I2C = emu_i2c.I2C
    SoftI2C = emu_i2c.SoftI2C
    Timer = Timer
    PWRON_RESET = _PWRON_RESET
    WDT_RESET = _WDT_RESET
    HardReset = HardReset
    SoftReset = SoftReset

    def lightsleep(self, ms=None):
        """Sleep until an IRQ (or ``ms``); every return counts as a wakeup."""
        b = _board
        clock = b.clock
        try:
            clock.wait(None if ms is None else clock.now_us() + ms * 1000, until_irq=True, interruptible=True)
        finally:
            b.wakeups += 1

    def deepsleep(self, ms=None):
        self.lightsleep(ms)
        raise HardReset()

    def idle(self):
        clock = _board.clock
        clock.wait(clock.now_us() + 1000, until_irq=True, interruptible=True)

    def reset(self):
        raise HardReset()

    def soft_reset(self):
        raise SoftReset()

    def unique_id(self):
        return _board.flash.unique_id()

    def freq(self, hz=None):
        return None if hz is not None else 125000000

    def reset_cause(self):
        return _board.reset_cause

    def disable_irq(self):
        return 0

    def enable_irq(self, state=0):
        pass

    def bootloader(self, *args):
        raise HardReset()


class _Time:
    def ticks_ms(self):
        return (_board.clock.tick() // 1000) & _TICKS_MASK

    def ticks_us(self):
        return _board.clock.tick() & _TICKS_MASK

    def ticks_cpu(self):
        return _board.clock.tick() & _TICKS_MASK

    def ticks_diff(self, a, b):
        return ((a - b + _TICKS_HALF) & _TICKS_MASK) - _TICKS_HALF

    def ticks_add(self, t, delta):
        return (t + delta) & _TICKS_MASK

    def sleep(self, s):
        _board.clock.sleep_us(int(s * 1000000))

    def sleep_ms(self, ms):
        _board.clock.sleep_us(ms * 1000)

    def sleep_us(self, us):
        _board.clock.sleep_us(us)

    def time(self):
        return _EPOCH_2021 + _board.clock.now_us() // 1000000

    def time_ns(self):
        return (_EPOCH_2021 * 1000000 + _board.clock.now_us()) * 1000

    def __getattr__(self, name):  # gmtime, localtime, mktime
        return getattr(_real_time, name)


class _MicroPython:
    def kbd_intr(self, c):
        """Recorded: Ctrl-C on the serial raises KeyboardInterrupt only while enabled (c >= 0)."""
        _board.serial.kbd_char = c

    def const(self, x):
        return x

    def __getattr__(self, name):  # schedule, heap_lock, mem_info, opt_level, ...
        return getattr(_real_micropython, name)


def install(board):
    """Point the stand-in modules at ``board`` and put them into sys.modules."""
    global _board
    _board = board
    emu_gpio.use(board.gpio)
    emu_i2c.use(board.i2c)
    t = _Time()
    sys.modules["machine"] = _Machine()
    sys.modules["time"] = t
    sys.modules["utime"] = t
    sys.modules["micropython"] = _MicroPython()
    return board
