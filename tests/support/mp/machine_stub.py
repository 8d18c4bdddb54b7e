"""Stand-in ``machine`` for the firmware unit tests, on the emulator's own models (runs inside MicroPython;
firmware_stubs.mp_run imports it as ``hw``). ``install()`` puts it in ``sys.modules['machine']``.
Pins are the emulator's GPIO model (emulator/mp/emu_gpio.py): ``press(a, b)`` closes the switch
between two GPIOs (a matrix key), ``ground(gpio)`` the one from a GPIO to GND (a direct key); a column
reads 0 when a pressed key joins it to a row driven low. ``I2C(oled)`` is the emulator's I2C bus
(emu_i2c.py) with an SSD1306 model at 0x3C; its counters are ``.bus.bytes`` / ``.bus.transactions``.
``lightsleep()`` returns at once and records the call. Pin reads and key switches allocate nothing,
so the keypad's allocation tests measure the keypad only.
"""

import sys

import emu_gpio
import emu_i2c
from emu_gpio import GND, Pin  # noqa: F401 - machine.Pin


class _Interrupts:
    irq_count = 0  # what the emulator's clock counts (IRQs end its waits; here nothing waits)


_gpio = emu_gpio.Gpio(_Interrupts())
emu_gpio.use(_gpio)
lightsleeps = []
uid = b"\xe6\x61\x41\x03\xe7\x2b\x8f\x2a"


def press(row_gpio, col_gpio, down=True):
    _gpio.switch(row_gpio, col_gpio, down)


def ground(gpio, down=True):
    _gpio.switch(gpio, GND, down)


def armed():
    """GPIOs with an IRQ handler armed."""
    return _gpio.armed()


def latched(gpio):
    """The output latch of ``gpio`` (1: high, or an open drain released)."""
    return _gpio.outs[gpio]


def lightsleep(ms=None):
    """Records (ms, GPIOs with an armed IRQ, GPIOs driven low) at the time of the call."""
    lightsleeps.append((ms, armed(), _gpio.driven_low()))


def unique_id():
    return uid


def reset():
    raise SystemExit("reset")


def I2C(oled, addr=0x3C):
    """machine.I2C on a bus holding ``oled`` at ``addr`` (the bus is ``.bus``)."""
    bus = emu_i2c.Bus()
    bus.attach(addr, oled)
    emu_i2c.use(bus)
    i2c = emu_i2c.I2C(0)
    i2c.bus = bus
    return i2c


def install():
    sys.modules["machine"] = sys.modules[__name__]
