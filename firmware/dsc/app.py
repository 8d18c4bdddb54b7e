# The token: one state machine over a keypad, a display and the configuration.
#
#   OFF --PRESS--> PIN --OK(4 digits)--> CHALLENGE --OK(Q digits)--> RESPONSE --30 s--> OFF
#   (unprovisioned: OFF --PRESS--> UNPROVISIONED; config error: OFF --PRESS--> CONFIG_ERROR)
#   PRESS while on -> OFF; 30 s without a key at a prompt -> OFF.
#   DEL held + PRESS held 3 s (WIPE_HOLD) -> WIPE_CONFIRM --OK--> wipe -> UNPROVISIONED.
#
# The loop scans the keypad every _SCAN_MS and sleeps in between; when OFF it arms an IRQ on the
# power key and sleeps without a timeout. A token holding a secret (provisioned or corrupt
# configuration) disables Ctrl-C and resets on any error: nothing over USB reaches its REPL.
#
# RAM: the configuration and OCRA modules (most of the bytecode) are imported when needed - at
# boot, on OK, for the serial or a wipe - and released again (_release), so the heap at the
# prompts holds only this module, the display and the keypad.
import time

import machine
import micropython
from micropython import const

OFF = const(0)
PIN = const(1)
CHALLENGE = const(2)
RESPONSE = const(3)
UNPROVISIONED = const(4)
CONFIG_ERROR = const(5)
WIPE_HOLD = const(6)
WIPE_CONFIRM = const(7)

_SCAN_MS = const(10)
_IDLE_MS = const(30_000)  # no key at a prompt for this long: off
_RESPONSE_MS = const(30_000)  # the response stays this long
_WIPE_HOLD_MS = const(3_000)
_PIN_LEN = const(4)


class Entry:
    """A fixed-length digit entry (PIN or challenge) drawn on one line after its prompt."""

    def __init__(self, display, prompt, length, masked):
        self.display = display
        self.prompt = prompt
        self.length = length
        self.masked = masked
        self.buf = bytearray(length)  # ASCII digits; zeroed by clear()
        self.n = 0

    def clear(self):
        for i in range(self.length):
            self.buf[i] = 0
        self.n = 0

    def draw(self):
        d = self.display
        d.clear()
        d.text(self.prompt)
        col = len(self.prompt)
        for i in range(self.n):
            d.cell("*" if self.masked else chr(self.buf[i]), col + i, 0)

    def add(self, digit):
        """Append a digit; extra digits beyond the length are ignored."""
        if self.n == self.length:
            return
        col = len(self.prompt)
        if self.masked and self.n:
            self.display.cell("*", col + self.n - 1, 0)  # only the last typed digit stays readable
        self.buf[self.n] = ord(digit)
        self.display.cell(digit, col + self.n, 0)
        self.n += 1

    def delete(self):
        if self.n:
            self.n -= 1
            self.buf[self.n] = 0
            self.draw()

    def full(self):
        return self.n == self.length


class Token:
    """The state machine. ``cfg``: a dsc.config.Config, or None with ``error`` (a corrupt
    configuration's reason) or without (unprovisioned). Drive it with run(), or step() in tests."""

    def __init__(self, display, keypad, cfg=None, error=None):
        self.display = display
        self.keys = keypad
        self.cfg = cfg
        self.error = error  # short reason if the configuration is corrupt
        self._press = keypad.index("PRESS")
        self._del = keypad.index("DEL")
        self.state = OFF
        self._since = time.ticks_ms()  # last key press, or when the current screen appeared
        self._hint = False  # a "need N digits" line is showing
        self.pin = self.challenge = None
        if cfg is not None:
            self.pin = Entry(display, "PIN>", _PIN_LEN, True) if cfg.pin_hash_name else None
            self.challenge = Entry(display, "CHALLNG>", cfg.question_length, False)
        self._handlers = (
            Token._off,
            Token._at_pin,
            Token._at_challenge,
            Token._at_response,
            Token._at_message,
            Token._at_message,
            Token._at_wipe_hold,
            Token._at_wipe_confirm,
        )

    @property
    def locked(self):
        """A secret may be on flash: no REPL."""
        return self.cfg is not None or self.error is not None

    # -- the loop ------------------------------------------------------------------------------
    def run(self):
        keys = self.keys
        while True:
            self.step(keys.scan(), time.ticks_ms())
            self._sleep()

    def step(self, key, now):
        """One scan's worth of work: the power key, then the current state's handler."""
        if key is not None:
            self._since = now
            if key == "PRESS":
                self._power_key(now)
                key = None
        self._handlers[self.state](self, key, now)

    def _sleep(self):
        if self.state == OFF and self.keys.idle() and self.locked:
            # No polling while off: the power key's IRQ ends the sleep.
            self.keys.sleep_until(self._press)
            self._since = time.ticks_ms()
        elif self.locked:
            machine.lightsleep(_SCAN_MS)
        else:
            # Unprovisioned: keep USB serviced so the host's Ctrl-C reaches the REPL.
            time.sleep_ms(_SCAN_MS)

    def _expired(self, now, ms):
        return time.ticks_diff(now, self._since) >= ms

    # -- transitions ---------------------------------------------------------------------------
    def _power_key(self, now):
        if self.keys.is_down(self._del):
            self._power_off()
            self.state = WIPE_HOLD
        elif self.state == OFF:
            self._power_on()
        else:
            self._power_off()

    def _power_on(self):
        if self.cfg is None:
            self.show_message(CONFIG_ERROR if self.error else UNPROVISIONED)
        elif self.pin is not None:
            self._enter(PIN, self.pin)
        else:
            self._enter(CHALLENGE, self.challenge)
        self.display.power(True)

    def _power_off(self):
        if self.pin is not None:
            self.pin.clear()
        if self.challenge is not None:
            self.challenge.clear()
        # Blank GDDRAM too: the last PIN digit or response must not survive in the controller.
        self.display.clear()
        self.display.update()
        self.display.power(False)
        self.state = OFF

    def _enter(self, state, entry):
        entry.clear()
        entry.draw()
        self._hint = False
        self.display.update()
        self.state = state

    def show_message(self, state):
        """Draw the UNPROVISIONED or CONFIG_ERROR screen (the display's power is the caller's)."""
        d = self.display
        d.clear()
        if state == UNPROVISIONED:
            from dsc import config

            d.text("NOT PROVISIONED", 0, 0)
            d.text(config.serial(), 0, 1)
            _release()
        else:
            d.text("CONFIG ERROR", 0, 0)
            d.text(self.error[: d.cols], 0, 1)
            d.text("HOLD DEL+PRESS", 0, 2)
            d.text("3S TO WIPE", 0, 3)
        d.update()
        self.state = state

    # -- one handler per state: (key or None, now) ---------------------------------------------
    def _off(self, key, now):
        pass  # only PRESS matters, handled in _power_key

    def _entry_key(self, entry, key):
        """Digits / DEL / OK on an entry line; True when OK completes it."""
        if self._hint:
            self.display.clear_line(self.display.lines - 1)
            self._hint = False
        if key == "DEL":
            entry.delete()
        elif key == "OK":
            if entry.full():
                return True
            self.display.text("NEED %d DIGITS" % entry.length, 0, self.display.lines - 1)
            self._hint = True
        elif len(key) == 1 and "0" <= key <= "9":
            entry.add(key)
        self.display.update()
        return False

    def _at_pin(self, key, now):
        if key is None:
            if self._expired(now, _IDLE_MS):
                self._power_off()
        elif self._entry_key(self.pin, key):
            self._enter(CHALLENGE, self.challenge)

    def _at_challenge(self, key, now):
        if key is None:
            if self._expired(now, _IDLE_MS):
                self._power_off()
        elif self._entry_key(self.challenge, key):
            self._respond(now)

    def _at_response(self, key, now):
        if self._expired(now, _RESPONSE_MS):
            self._power_off()

    def _at_message(self, key, now):
        if key is None and self._expired(now, _IDLE_MS):
            self._power_off()

    def _at_wipe_hold(self, key, now):
        if not (self.keys.is_down(self._press) and self.keys.is_down(self._del)):
            self.state = OFF  # let go too early: nothing happens
        elif self._expired(now, _WIPE_HOLD_MS):
            d = self.display
            d.clear()
            d.text("WIPE? OK", 0, 0)
            d.text("OTHER KEY: NO", 0, 1)
            d.update()
            d.power(True)
            self.state = WIPE_CONFIRM
            self._since = now

    def _at_wipe_confirm(self, key, now):
        if key is None:
            if self._expired(now, _IDLE_MS):
                self._power_off()
        elif key == "OK":
            # Resumable (a power cut midway is finished at boot): after it nothing secret is on flash.
            wipe(self.display)
            self.cfg = self.error = None
            self.pin = self.challenge = None
            micropython.kbd_intr(3)
            self.show_message(UNPROVISIONED)
        else:
            self._power_off()

    # -- the response --------------------------------------------------------------------------
    def _respond(self, now):
        from dsc import config, hashes, ocra

        cfg = self.cfg
        pin_hash = None
        if self.pin is not None:
            # The suite's P input: the digest of the typed PIN (ASCII digits); then forget the PIN.
            pin = self.pin
            pin_hash = hashes.new(cfg.pin_hash_name, memoryview(pin.buf)[: pin.n]).digest()
            pin.clear()
        question = bytes(self.challenge.buf).decode()
        self.challenge.clear()
        counter = cfg.counter
        response = ocra.compute(cfg.suite_text, cfg.key, question, counter=counter, pin_hash=pin_hash)
        pin_hash = None
        if counter is not None:
            # Persisted before anyone can read the response: a response is never shown twice.
            config.save_counter(cfg, counter + 1)
        _release()
        self._show_response(response)
        self.state = RESPONSE
        self._since = now

    def _show_response(self, response):
        d = self.display
        d.clear()
        n = len(response)
        if n % 2 == 0 and n >= 6:
            response = response[: n // 2] + " " + response[n // 2 :]
        if (n * 15 + 7) <= d.width:
            d.big(response, (d.lines - 2) // 2)
        else:
            d.text(response[: d.cols], 0, (d.lines - 1) // 2)
        d.update()


def _release():
    """Drop modules the prompts do not need from RAM (their bytecode); imported again on use."""
    import sys

    import dsc

    for name in ("config", "ocra", "hashes"):
        sys.modules.pop("dsc." + name, None)
        if hasattr(dsc, name):
            delattr(dsc, name)


# -- hardware and the entry point -----------------------------------------------------------------
def hardware():
    """(display, keypad) built from /board.py."""
    import sys

    import board
    from machine import I2C, Pin

    from dsc.display import Display
    from dsc.keypad import Keypad

    i2c = I2C(board.I2C_ID, sda=Pin(board.I2C_SDA), scl=Pin(board.I2C_SCL), freq=board.I2C_FREQ)
    display = Display(i2c, board.DISPLAY_WIDTH, board.DISPLAY_HEIGHT, board.DISPLAY_ADDR)
    display.power(False)
    keypad = Keypad(board.ROW_PINS, board.COL_PINS, board.KEYMAP, board.DIRECT_KEYS, board.KEYS)
    sys.modules.pop("board", None)  # plain constants, read once: no need to keep the module
    return display, keypad


def wipe(display):
    """Factory reset with WIPING... on the screen (dsc.config.wipe(): resumable after a power cut)."""
    display.clear()
    display.text("WIPING...")
    display.update()
    display.power(True)
    from dsc import config

    try:
        config.wipe()
    finally:
        _release()


def wipe_pending():
    """A factory reset was cut short (power loss): boot must finish it before anything else."""
    from dsc import config

    try:
        return config.wiping()
    finally:
        _release()


def load_config():
    """(cfg or None, error reason or None)."""
    from dsc import config

    try:
        return config.load(), None
    except config.ConfigError as e:
        return None, str(e)
    except Exception:  # any other failure reading flash: treat as corrupt (locked)
        return None, "unreadable"
    finally:
        _release()


def main():
    """Run the token. Returns/raises only on an unprovisioned token (the host asked for the REPL)."""
    micropython.kbd_intr(-1)  # until we know no secret is on flash
    locked = True
    token = None
    try:
        hw = None
        if wipe_pending():
            hw = hardware()
            wipe(hw[0])  # locked meanwhile: the key may still be on raw flash
        cfg, error = load_config()
        locked = cfg is not None or error is not None
        if not locked:
            micropython.kbd_intr(3)  # unprovisioned: the host's Ctrl-C may open the REPL
        display, keypad = hw or hardware()
        token = Token(display, keypad, cfg, error)
        if hw:
            token.show_message(UNPROVISIONED)  # as after a wipe confirmed on the keypad
        token.run()
    except (Exception, KeyboardInterrupt):
        if token is not None:
            locked = token.locked  # a factory reset unlocks
        if not locked:
            raise
    machine.reset()  # a token holding a secret never falls through to the REPL
