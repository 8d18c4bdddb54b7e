# Keypad: a row/column matrix plus optional keys wired straight from a GPIO to GND.
#
# scan() is called every few ms by the token's loop, so it allocates nothing: the per-key state
# lives in bytearrays made once here, and keys are reported as str objects made in __init__.
import time

import machine
from machine import Pin
from micropython import const

_DEBOUNCE = const(3)  # a change counts after this many consecutive equal scans (bounce < 30 ms)
_SETTLE_US = const(10)  # column pull-ups recovering from the previous row on a long ribbon


def _wake(_pin):
    pass  # the interrupt itself ends lightsleep(); nothing to do in the handler


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
        self._count = bytearray(n)  # consecutive scans disagreeing with _stable
        self._pending = bytearray(n)  # debounced presses not yet reported
        self._npending = 0

    def index(self, name):
        """Index of a key by reported name; ValueError if the board has no such key."""
        return self.names.index(name)

    def _feed(self, k, down):
        if down == self._stable[k]:
            self._count[k] = 0
            return
        n = self._count[k] + 1
        if n < _DEBOUNCE:
            self._count[k] = n
            return
        self._stable[k] = down
        self._count[k] = 0
        if down:
            self._pending[k] = 1
            self._npending += 1

    def scan(self):
        """Read every key once; return the name of a newly pressed key (one per call) or None."""
        cols = self._cols
        ncols = len(cols)
        k = 0
        for row in self._rows:
            row.value(0)
            time.sleep_us(_SETTLE_US)
            for c in range(ncols):
                self._feed(k, 1 if cols[c].value() == 0 else 0)
                k += 1
            row.value(1)
        for pin in self._direct:
            self._feed(k, 1 if pin.value() == 0 else 0)
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
            if self._stable[k] or self._count[k]:
                return False
        return self._npending == 0

    def sleep_until(self, k):
        """Sleep (no polling) until key ``k`` goes down: a falling-edge IRQ ends machine.lightsleep()."""
        row = None
        if k >= self._nmatrix:
            pin = self._direct[k - self._nmatrix]
        else:
            ncols = len(self._cols)
            row = self._rows[k // ncols]
            pin = self._cols[k % ncols]
            row.value(0)  # only this row low: only key k pulls the column down
        pin.irq(handler=_wake, trigger=Pin.IRQ_FALLING)
        try:
            if pin.value():  # not already down (else the edge has passed)
                machine.lightsleep()
        finally:
            pin.irq(handler=None, trigger=0)
            if row is not None:
                row.value(1)
