"""The GPIO bank as an electrical model, and ``machine.Pin`` on it (runs inside MicroPython).

Each pin has a mode, a pull and an output latch; pins joined by closed switches (``switch``) form
nets, a net reads low if anything drives it low (or it touches ground), high if driven high or
pulled up, else low. A level change on a pin with a matching ``irq()`` trigger calls its handler
(an exception in it is printed, as on the board) and counts one interrupt on the clock.
"""

import sys

from micropython import const

NPIN = const(30)  # GPIO0..29 on the RP2040
GND = const(30)  # pseudo-net index for ground
_MAX_SWITCHES = const(64)  # switches closed at once (keys held)

_IN = const(0)
_OUT = const(1)
_OPEN_DRAIN = const(2)
_ALT = const(3)
_PULL_UP = const(1)
_PULL_DOWN = const(2)
_IRQ_FALLING = const(4)
_IRQ_RISING = const(8)
_F_LOW = const(1)  # net flags: something drives it low / high, a pull-up / pull-down is on it
_F_HIGH = const(2)
_F_UP = const(4)
_F_DOWN = const(8)


class Gpio:
    def __init__(self, clock):
        self._clock = clock  # counts interrupts
        self.modes = bytearray(NPIN)
        self.pulls = bytearray(NPIN)
        self.outs = bytearray(NPIN)
        self.level = bytearray(NPIN)
        self._irq_trig = bytearray(NPIN)
        self._irq_handler = [None] * NPIN
        self._irq_pin = [None] * NPIN
        self._chg = bytearray(NPIN)
        self._par = bytearray(NPIN + 1)
        self._netfl = bytearray(NPIN + 1)
        self._edges = bytearray(2 * _MAX_SWITCHES)  # closed switches: pairs of pins (or GND)
        self._nedges = 0
        self._wired = bytearray(NPIN + 1)  # closed switches on each pin
        self._busy = False
        self._again = False

    def reset(self):
        """A machine reset: every pin an input without pull, no IRQs."""
        for i in range(NPIN):
            self.modes[i] = _IN
            self.pulls[i] = 0
            self.outs[i] = 0
            self._irq_trig[i] = 0
            self._irq_handler[i] = None
            self._irq_pin[i] = None
        self.update_levels()

    def switch(self, a, b, closed):
        """Close or open the switch between GPIO ``a`` and GPIO ``b`` (or GND); allocates nothing."""
        e = self._edges
        n = self._nedges
        for k in range(0, 2 * n, 2):
            if (e[k] == a and e[k + 1] == b) or (e[k] == b and e[k + 1] == a):
                if closed:
                    return
                n -= 1  # open it: the last switch takes its place
                e[k] = e[2 * n]
                e[k + 1] = e[2 * n + 1]
                self._nedges = n
                self._wired[a] -= 1
                self._wired[b] -= 1
                self.update_levels()
                return
        if not closed:
            return
        if n == _MAX_SWITCHES:
            raise ValueError("too many closed switches")
        e[2 * n] = a
        e[2 * n + 1] = b
        self._nedges = n + 1
        self._wired[a] += 1
        self._wired[b] += 1
        self.update_levels()

    def armed(self):
        """GPIOs with an IRQ handler set."""
        return [i for i in range(NPIN) if self._irq_handler[i] is not None]

    def driven_low(self):
        """GPIOs an output (push-pull or open-drain) drives low."""
        return [i for i in range(NPIN) if self.modes[i] in (_OUT, _OPEN_DRAIN) and not self.outs[i]]

    def configure(self, gpio, mode, pull, value):
        if mode >= 0:
            self.modes[gpio] = mode
        if pull >= 0:
            self.pulls[gpio] = pull
        if value is not None:
            self.outs[gpio] = 1 if value else 0
        self._pin_changed(gpio)

    def drive(self, gpio, value):
        v = 1 if value else 0
        if self.outs[gpio] != v:
            self.outs[gpio] = v
            if self.modes[gpio] != _IN:
                self._pin_changed(gpio)

    def _pin_changed(self, gpio):
        if self._wired[gpio] or self._busy:
            self.update_levels()
            return
        # Fast path, the pin is on no closed switch: it is its own net, only it can change.
        m = self.modes[gpio]
        if m == _OUT or (m == _OPEN_DRAIN and not self.outs[gpio]):
            lv = self.outs[gpio]
        else:
            lv = 1 if self.pulls[gpio] == _PULL_UP else 0
        if self.level[gpio] != lv:
            self.level[gpio] = lv
            if self._irq_trig[gpio] & (_IRQ_RISING if lv else _IRQ_FALLING):
                self._clock.irq_count += 1
                self._call_irq(gpio)

    def set_irq(self, gpio, pin, handler, trigger):
        self._irq_handler[gpio] = handler
        self._irq_pin[gpio] = pin
        self._irq_trig[gpio] = trigger if handler is not None else 0

    def _find(self, i):
        par = self._par
        while par[i] != i:
            par[i] = par[par[i]]
            i = par[i]
        return i

    def _compute(self):
        par = self._par
        fl = self._netfl
        for i in range(NPIN + 1):
            par[i] = i
            fl[i] = 0
        e = self._edges
        for k in range(0, 2 * self._nedges, 2):
            a = self._find(e[k])
            b = self._find(e[k + 1])
            if a != b:
                par[a] = b
        fl[self._find(GND)] |= _F_LOW
        for i in range(NPIN):
            m = self.modes[i]
            r = self._find(i)
            if m == _OUT:
                fl[r] |= _F_HIGH if self.outs[i] else _F_LOW
            elif m == _OPEN_DRAIN and not self.outs[i]:
                fl[r] |= _F_LOW
            p = self.pulls[i]
            if p == _PULL_UP:
                fl[r] |= _F_UP
            elif p == _PULL_DOWN:
                fl[r] |= _F_DOWN
        for i in range(NPIN):
            f = fl[self._find(i)]
            lv = 0 if f & _F_LOW else 1 if f & (_F_HIGH | _F_UP) else 0
            if self.level[i] != lv:
                self.level[i] = lv
                if self._irq_trig[i] & (_IRQ_RISING if lv else _IRQ_FALLING):
                    self._chg[i] = 1

    def update_levels(self):
        """Recompute every pin's level; call IRQ handlers of pins whose level changed."""
        if self._busy:  # called from an IRQ handler: the outer call loops again
            self._again = True
            return
        self._busy = True
        try:
            while True:
                self._again = False
                self._compute()
                for i in range(NPIN):
                    if self._chg[i]:
                        self._chg[i] = 0
                        self._clock.irq_count += 1
                        self._call_irq(i)
                if not self._again:
                    break
        finally:
            self._busy = False

    def _call_irq(self, i):
        h = self._irq_handler[i]
        if h is None:
            return
        try:
            h(self._irq_pin[i])
        except Exception as e:  # as on the board: reported, not propagated
            print("Uncaught exception in IRQ callback handler")
            sys.print_exception(e)


# -- machine.Pin ---------------------------------------------------------------------------------------

_gpio = None  # the Gpio the Pin objects act on (use())


def use(gpio):
    global _gpio
    _gpio = gpio


def _pin_id(id):
    if isinstance(id, str):
        name = id.upper()
        if name == "LED":
            return 25
        if name.startswith("GP"):
            name = name[2:]
        id = int(name)
    if not 0 <= id < NPIN:
        raise ValueError("invalid pin")
    return id


class Pin:
    IN = _IN
    OUT = _OUT
    OPEN_DRAIN = _OPEN_DRAIN
    ALT = _ALT
    PULL_UP = _PULL_UP
    PULL_DOWN = _PULL_DOWN
    IRQ_FALLING = _IRQ_FALLING
    IRQ_RISING = _IRQ_RISING
    ALT_I2C = 3

    def __init__(self, id, mode=-1, pull=-1, *, value=None, drive=0, alt=-1):
        self._id = _pin_id(id)
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None, drive=0, alt=-1):
        if mode is None:
            mode = -1
        if pull is None:
            pull = 0
        _gpio.configure(self._id, mode, pull, value)

    def mode(self, mode=None):
        if mode is None:
            return _gpio.modes[self._id]
        _gpio.configure(self._id, mode, -1, None)

    def pull(self, pull=None):
        if pull is None:
            return _gpio.pulls[self._id]
        _gpio.configure(self._id, -1, pull, None)

    def value(self, v=None):
        if v is None:
            return _gpio.level[self._id]
        _gpio.drive(self._id, v)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        _gpio.drive(self._id, 1)

    def off(self):
        _gpio.drive(self._id, 0)

    high = on
    low = off

    def toggle(self):
        _gpio.drive(self._id, not _gpio.outs[self._id])

    def irq(self, handler=None, trigger=_IRQ_FALLING | _IRQ_RISING, hard=False, wake=None, priority=1):
        _gpio.set_irq(self._id, self, handler, trigger)
        return self

    def __repr__(self):
        return "Pin(GPIO%d)" % self._id
