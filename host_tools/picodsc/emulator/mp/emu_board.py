"""The emulated Pico, put together from its parts (runs inside MicroPython):

    clock   emu_clock.Clock    virtual time, the event queue, the wait every sleep goes through
    gpio    emu_gpio.Gpio      the GPIO bank as nets of pins and closed switches (+ machine.Pin)
    keys    emu_keys.Keys      the keypad: which switch each key closes, from the board file
    i2c     emu_i2c.Bus        the I2C bus, the OLED attached at DISPLAY_ADDR (+ machine.I2C)
    serial  emu_serial.Serial  USB serial + the control channel, polled together
    control emu_control.Control  the harness's commands (keys, time, screen, stats, files)
    flash   emu_flash.Flash    the NOR flash image holding littlefs

``emu_machine.install(board)`` puts the ``machine``, ``time``, ``utime`` and ``micropython`` stand-ins
into ``sys.modules`` so the firmware imports them as usual.
"""

import gc

from emu_clock import Clock
from emu_control import Control
from emu_core import unlock_heap
from emu_gpio import Gpio
from emu_i2c import Bus
from emu_keys import Keys
from emu_machine import PWRON_RESET
from emu_serial import Serial


class Board:
    def __init__(self, hw, flash, oled, ctl_in, ctl_out, realtime=False):
        self.hw = hw
        self.flash = flash
        self.oled = oled
        self.realtime = realtime
        self.clock = Clock(realtime)
        self.serial = Serial(self.clock, ctl_in, ctl_out)
        self.clock.io = self.serial
        self.gpio = Gpio(self.clock)
        self.keys = Keys(hw, self.gpio)
        self.i2c = Bus()
        self.i2c.attach(hw.get("DISPLAY_ADDR", 0x3C), oled)
        self.control = Control(self)
        self.serial.on_line = self.control.command
        self.reset_cause = PWRON_RESET
        self.mem_base = 0
        self.reset_stats()

    @property
    def quitting(self):
        return self.serial.quitting

    def reset_machine(self):
        """What a reset clears: heap lock, GPIO config, IRQs, Ctrl-C char, timers (the OLED keeps its RAM)."""
        unlock_heap()
        self.gpio.reset()
        self.clock.drop_timers()
        self.serial.kbd_char = 3

    def reset_stats(self):
        self.i2c.reset_stats()
        self.wakeups = 0
        self.flash.programs = 0
        self.flash.erases = 0

    def stats(self):
        gc.collect()
        return {
            "i2c_bytes": self.i2c.bytes,
            "i2c_transactions": self.i2c.transactions,
            "wakeups": self.wakeups,
            "now_ms": self.clock.now_us() // 1000,
            "mem_alloc": gc.mem_alloc() - self.mem_base,
            "mem_free": gc.mem_free(),
            "flash_writes": self.flash.programs,
            "flash_erases": self.flash.erases,
        }

    def serial_read(self, timeout_ms=None):
        return self.serial.read(timeout_ms)

    def serial_write(self, data):
        self.serial.write(data)
