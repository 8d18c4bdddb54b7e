# Keypad: a row/column matrix plus optional keys wired straight from a GPIO to GND.
#
# scan() is called every few ms by the token's loop, so it allocates nothing: the per-key state
# lives in bytearrays and a list of small ints made once here, and keys are reported as str objects
# made in __init__.
#
# Debounce is in milliseconds (time.ticks_ms()), not in scans: machine.lightsleep(ms) may end early
# on any interrupt (on rp2 USB activity wakes it almost at once), so the time between two scans
# can be anything from a few microseconds to the full sleep.
import time

import machine
from machine import Pin
from micropython import const

DEBOUNCE_MS = const(20)  # a key must read the same for this long before its change counts
OFF_SLEEP_MS = const(60_000)  # off: one timed lightsleep per minute, the power key's IRQ ends it early
_SETTLE_US = const(10)  # column pull-ups recovering from the previous row on a long ribbon

_woken = bytearray(1)  # set by the power key's IRQ handler (no allocation in the handler)


def _wake(_pin):
    _woken[0] = 1


class Keypad:
    """Keys of a board file: matrix keys row by row, then direct keys.

    ``names[i]`` is what scan() reports for key ``i``: the function (``"PRESS"``, ``"OK"``,
    ``"DEL"``) if the board's KEYS gives one, else the legend (digits report themselves).
    """

    def __init__(self, row_pins, col_pins, keymap, direct_keys, functions):
        # Rows are open-drain: "1" floats, so two keys pressed in one column never short two outputs.
        self._rows = tuple(Pin(n, Pin.OPEN_DRAIN, value=1) for n in row_pins)
        self._cols = tuple(Pin(n, Pin.IN, Pin.PULL_UP) for n in col_pins)
        legends = [ch for row in keymap for ch in row]
        for legend in sorted(direct_keys):
            legends.append(legend)
        self._direct = tuple(Pin(direct_keys[leg], Pin.IN, Pin.PULL_UP) for leg in sorted(direct_keys))
        by_legend = {}
        for function, legend in functions.items():
            by_legend[legend] = function
        self.names = tuple(by_legend.get(leg, leg) for leg in legends)
        self._nmatrix = len(self._rows) * len(self._cols)
        n = len(self.names)
        self._stable = bytearray(n)  # debounced state, 1 = down
        self._changing = bytearray(n)  # 1: the key reads differently from _stable since _since[k]
        self._since = [0] * n  # ticks_ms() of the first scan that read the change (small ints)
        self._pending = bytearray(n)  # debounced presses not yet reported
        self._npending = 0

    def index(self, name):
        """Index of a key by reported name; ValueError if the board has no such key."""
        return self.names.index(name)

    def _feed(self, k, down, now):
        if down == self._stable[k]:
            self._changing[k] = 0  # a bounce back: the change has to start over
            return
        if not self._changing[k]:
            self._changing[k] = 1
            self._since[k] = now
            return
        if time.ticks_diff(now, self._since[k]) < DEBOUNCE_MS:
            return
        self._stable[k] = down
        self._changing[k] = 0
        if down:
            self._pending[k] = 1
            self._npending += 1

    def scan(self):
        """Read every key once; return the name of a newly pressed key (one per call) or None.

        A change counts once the key has read the same in every scan for DEBOUNCE_MS.
        """
        now = time.ticks_ms()
        cols = self._cols
        ncols = len(cols)
        k = 0
        for row in self._rows:
            row.value(0)
            time.sleep_us(_SETTLE_US)
            for c in range(ncols):
                self._feed(k, 1 if cols[c].value() == 0 else 0, now)
                k += 1
            row.value(1)
        for pin in self._direct:
            self._feed(k, 1 if pin.value() == 0 else 0, now)
            k += 1
        if self._npending:
            pending = self._pending
            for k in range(len(pending)):
                if pending[k]:
                    pending[k] = 0
                    self._npending -= 1
                    return self.names[k]
        return None

    def is_down(self, k):
        """Debounced state of key ``k`` (an index from index())."""
        return self._stable[k] == 1

    def idle(self):
        """True when no key is down or changing: safe to sleep until the wake key."""
        for k in range(len(self._stable)):
            if self._stable[k] or self._changing[k]:
                return False
        return self._npending == 0

    def sleep_until(self, k):
        """Sleep until key ``k`` goes down (or a glitch on it fires its IRQ), scanning nothing.

        On rp2 an untimed machine.lightsleep() is DORMANT mode, which no Pin.irq() wakes: the token
        would never come back. A pin IRQ (with a handler) ends a *timed* lightsleep, so this sleeps
        OFF_SLEEP_MS at a time and checks the key after every wakeup, early or not.
        """
        row = None
        if k >= self._nmatrix:
            pin = self._direct[k - self._nmatrix]
        else:
            ncols = len(self._cols)
            row = self._rows[k // ncols]
            pin = self._cols[k % ncols]
            row.value(0)  # only this row low: only key k pulls the column down
        _woken[0] = 0
        pin.irq(handler=_wake, trigger=Pin.IRQ_FALLING)
        try:
            while not _woken[0] and pin.value():  # up and no edge yet (an edge before the sleep counts)
                machine.lightsleep(OFF_SLEEP_MS)
        finally:
            pin.irq(handler=None, trigger=0)
            if row is not None:
                row.value(1)
