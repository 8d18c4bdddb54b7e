"""machine.lightsleep as the rp2 port does it (ports/rp2/modmachine.c), never kinder (runs in MicroPython).

- ``lightsleep()`` without a timeout is DORMANT mode (``xosc_dormant()``): only dormant wake sources
  end it, and ``Pin.irq()`` never arms one (machine_pin.c does not call
  ``gpio_set_dormant_irq_enabled``); the USB clock is stopped too. Here nothing ends it: no pin IRQ,
  no timer, no serial input (not even Ctrl-C). Only a power cycle (the harness quitting) does.
- ``lightsleep(ms)`` with ``ms <= 1`` is a plain delay (``mp_hal_delay_ms``, an unsigned argument:
  a negative value sleeps ~49 days); ``ms`` of 4294967 or more raises ValueError("sleep too long").
- ``lightsleep(ms)`` otherwise ends at ``ms``, or earlier at any interrupt: a pin IRQ with a handler,
  a machine.Timer, or one the firmware cannot see (USB activity: on rp2 a configured USB device keeps
  its clock in a timed lightsleep, and its interrupts end it). Those are drawn at random from a seeded
  generator: ``percent`` of the sleeps end early at a uniform point, half of them within the first
  millisecond. ``percent = 0`` is a board on a USB charger with no host: only the firmware's own
  wake sources end a sleep.

Counters: ``wakeups`` (timed sleeps that returned), ``early`` (of those, ended by a random interrupt),
``dormant`` (1 while in DORMANT mode).
"""

from micropython import const

_MAX_SLEEP_MS = const(4294967)  # (1 << 32) // 1000: the hardware alarm's range in ms
_U32 = const(0xFFFFFFFF)


class Power:
    def __init__(self, clock, seed=1, percent=25):
        self.clock = clock
        self.dormant = 0
        self.reset_stats()
        self.seed(seed, percent)

    def reset_stats(self):
        self.wakeups = 0
        self.early = 0

    def seed(self, seed, percent):
        """Restart the early-wakeup generator (the same seed gives the same wakeups)."""
        if not 0 <= percent <= 100:
            raise ValueError("percent must be 0..100")
        self.percent = percent
        self._x = ((seed & _U32) * 2654435761 + 0x9E3779B9) & _U32 or 1

    def _rand(self, n):
        """A number in 0..n-1 (xorshift32; small ints only: no allocation)."""
        x = self._x
        x ^= (x << 13) & _U32
        x ^= x >> 17
        x ^= (x << 5) & _U32
        self._x = x
        return x % n

    def lightsleep(self, ms=None):
        clock = self.clock
        if ms is None:
            self.dormant = 1
            clock.wait(None)  # no wake source: only the harness (power) ends this
            return
        if not isinstance(ms, int):  # mp_obj_get_int: ints (and bools) only
            raise TypeError("can't convert %s to int" % type(ms).__name__)
        if ms <= 1:
            clock.sleep_us((ms & _U32) * 1000)
            return
        if ms >= _MAX_SLEEP_MS:
            raise ValueError("sleep too long")
        us = ms * 1000
        early = self.percent and self._rand(100) < self.percent
        if early:
            us = self._rand(1000 if self._rand(2) else us)
        try:
            fired = clock.wait(clock.now_us() + us, until_irq=True, interruptible=True)
        finally:
            self.wakeups += 1
        if early and not fired:
            self.early += 1
