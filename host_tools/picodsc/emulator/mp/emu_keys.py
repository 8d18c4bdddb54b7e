"""The keypad as wiring: each key is a switch between two GPIOs (matrix row/column) or a GPIO and
ground (direct key), taken from the board file (runs inside MicroPython)."""

from emu_gpio import GND


class Keys:
    def __init__(self, hw, gpio):
        self._gpio = gpio
        self._nets = {}  # legend -> (gpio, gpio or GND)
        rows, cols = hw.get("ROW_PINS", ()), hw.get("COL_PINS", ())
        for r, line in enumerate(hw.get("KEYMAP", ())):
            for c, legend in enumerate(line):
                if r < len(rows) and c < len(cols):
                    self._nets[legend] = (rows[r], cols[c])
        for legend, gpio in hw.get("DIRECT_KEYS", {}).items():
            self._nets[legend] = (gpio, GND)
        self._names = dict(hw.get("KEYS", {}))
        self.pressed = []

    def names(self):
        names = sorted(self._names)
        names += sorted(k for k in self._nets if k.isdigit())
        return names

    def legend(self, name):
        """Physical legend for a key name (PRESS/OK/DEL, digits, or a legend itself); None if unknown."""
        legend = self._names.get(name, name)
        return legend if legend in self._nets else None

    def down(self, legend):
        if legend not in self.pressed:
            self.pressed.append(legend)
            a, b = self._nets[legend]
            self._gpio.switch(a, b, True)

    def up(self, legend):
        if legend in self.pressed:
            self.pressed.remove(legend)
            a, b = self._nets[legend]
            self._gpio.switch(a, b, False)
