"""The emulated Pico: GPIO + keypad wiring, I2C, virtual clock, serial and control channel.

Runs inside MicroPython. ``Board`` owns all state; ``install(board)`` puts the ``machine``, ``time``,
``utime`` and ``micropython`` stand-ins into ``sys.modules`` so the firmware imports them as usual.

Virtual clock: the firmware may run up to ``limit`` (µs of virtual time). Commands on the control
channel (``press``/``down``/``up``/``advance``) move the limit on; a sleep that would cross it first
replies to the pending command, then blocks reading the next one. Computing takes no virtual time,
but a busy-wait loop (over 1000 ``ticks_*`` calls without sleeping) is charged 10 µs per call so it
makes progress. In realtime mode the clock is the wall clock and commands
are answered at once.
"""

import binascii
import errno
import gc
import json
import os
import select
import sys
import time as _real_time

import micropython as _real_micropython
from micropython import const

NPIN = const(30)  # GPIO0..29 on the RP2040
_GND = const(30)  # pseudo-net index for ground
_TICKS_PERIOD = const(1 << 30)  # rp2's ticks period
_TICKS_MASK = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)
_FREE_TICKS = const(1000)  # ticks_* calls between two waits that cost no time
_TICK_COST_US = const(10)  # virtual CPU time charged to each further ticks_* call (busy waiting)
_EPOCH_2021 = const(1609459200)  # rp2's RTC starts at 2021-01-01 after power-up

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

_PWRON_RESET = const(1)
_WDT_RESET = const(3)

_SERIAL_MAX = const(1 << 20)
# littlefs errors by number (errno has no ENOTEMPTY/ENOSPC names in MicroPython)
_FS_ERRORS = {2: "no such file or directory", 17: "file exists", 21: "is a directory",
              20: "not a directory", 28: "no space left on device", 39: "directory not empty"}


def _unlock_heap():
    """Unlock the heap (the firmware may hold micropython.heap_lock() while it sleeps) so the
    emulator's own work can allocate; returns the lock depth to restore with _relock_heap()."""
    n = 0
    while True:
        d = _real_micropython.heap_unlock()
        if d > 1000:  # it was not locked: unlocking wrapped the depth, undo that
            _real_micropython.heap_lock()
            return n
        n += 1
        if d == 0:
            return n


def _relock_heap(n):
    for _ in range(n):
        _real_micropython.heap_lock()


class HardReset(BaseException):
    """machine.reset(): the boot loop restarts the board (main.py runs)."""


class SoftReset(BaseException):
    """machine.soft_reset(): the boot loop soft-reboots."""


class Quit(BaseException):
    """The harness asked the emulator to exit (or closed the control channel)."""


class Board:
    def __init__(self, hw, flash, oled, ctl_in, ctl_out, realtime=False):
        self.hw = hw
        self.flash = flash
        self.oled = oled
        self.realtime = realtime
        self._ctl_in = ctl_in
        self._ctl_out = ctl_out
        self._sin = sys.stdin.buffer
        self._sout = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(self._sin, select.POLLIN)
        self._poll.register(ctl_in, select.POLLIN)
        for _ in self._poll.ipoll(0):  # ipoll allocates its result tuple on first use: do it now
            pass
        self._stdin_open = True
        self._rbuf = bytearray(4096)
        self._ctl_line = bytearray()
        self.serial_buf = bytearray()
        self._kbd_b = bytearray(1)
        # clock
        self._t0 = _real_time.ticks_us()
        self.now = 0  # virtual µs since power-up
        self.limit = 0  # the firmware may run up to here (virtual mode)
        self._events = []  # [time_us, seq, callable, arg], kept sorted
        self._seq = 0
        self._next_ev = -1  # time of the first event, -1 = none
        self._pending = False  # a time command waits for its reply
        self._free_ticks = _FREE_TICKS
        self.quitting = False
        # GPIO bank
        self._mode = bytearray(NPIN)
        self._pull = bytearray(NPIN)
        self._out = bytearray(NPIN)
        self.level = bytearray(NPIN)
        self._irq_trig = bytearray(NPIN)
        self._irq_handler = [None] * NPIN
        self._irq_pin = [None] * NPIN
        self._chg = bytearray(NPIN)
        self._par = bytearray(NPIN + 1)
        self._netfl = bytearray(NPIN + 1)
        self._edges = bytearray()
        self._wired = bytearray(NPIN + 1)  # 1: the pin is on a pressed key's switch
        self._busy = False
        self._again = False
        self.irq_count = 0
        # keypad wiring from the board file
        self._key_nets = {}  # legend -> (gpio, gpio or _GND)
        rows, cols = hw.get("ROW_PINS", ()), hw.get("COL_PINS", ())
        for r, line in enumerate(hw.get("KEYMAP", ())):
            for c, legend in enumerate(line):
                if r < len(rows) and c < len(cols):
                    self._key_nets[legend] = (rows[r], cols[c])
        for legend, gpio in hw.get("DIRECT_KEYS", {}).items():
            self._key_nets[legend] = (gpio, _GND)
        self._key_names = dict(hw.get("KEYS", {}))
        self.pressed = []
        # counters
        self.kbd_char = 3
        self.reset_cause = _PWRON_RESET
        self.mem_base = 0
        self._screen = bytearray(oled.width * oled.height // 8)
        self.reset_stats()

    # -- machine state across resets ---------------------------------------------------------------

    def reset_machine(self):
        """What a reset clears: heap lock, GPIO config, IRQs, Ctrl-C char, timers (the OLED keeps its RAM)."""
        _unlock_heap()
        for i in range(NPIN):
            self._mode[i] = _IN
            self._pull[i] = 0
            self._out[i] = 0
            self._irq_trig[i] = 0
            self._irq_handler[i] = None
            self._irq_pin[i] = None
        self._events = [e for e in self._events if e[4]]  # keys stay pressed, timers go
        self._next_ev = self._events[0][0] if self._events else -1
        self.kbd_char = 3
        self.update_levels()

    def reset_stats(self):
        self.i2c_bytes = 0
        self.i2c_transactions = 0
        self.wakeups = 0
        self.flash.programs = 0
        self.flash.erases = 0

    # -- clock ---------------------------------------------------------------------------------------

    def now_us(self):
        if self.realtime:
            self.now = _real_time.ticks_diff(_real_time.ticks_us(), self._t0)
        return self.now

    def tick(self):
        """now (µs) for a ticks_* call. Time stands still while the firmware computes, except that a
        busy-wait loop (many ticks calls without a sleep) is charged CPU time so it makes progress."""
        if self.realtime:
            return self.now_us()
        if self._free_ticks:
            self._free_ticks -= 1
            return self.now
        t = self.now + _TICK_COST_US
        if t <= self.limit and (self._next_ev < 0 or self._next_ev > t):
            self.now = t
            return t
        self.wait(t)
        return self.now

    def sleep_us(self, us):
        self.wait(self.now_us() + max(0, us), interruptible=True)

    def schedule(self, t, fn, arg, keep=False):
        """Call ``fn(arg)`` at virtual time ``t`` (µs); ``keep``: survives a machine reset."""
        self._seq += 1
        ev = [t, self._seq, fn, arg, keep]
        evs = self._events
        i = len(evs)
        while i and (evs[i - 1][0], evs[i - 1][1]) > (t, self._seq):
            i -= 1
        evs.insert(i, ev)
        self._next_ev = evs[0][0]
        return ev

    def cancel(self, ev):
        if ev in self._events:
            self._events.remove(ev)
        self._next_ev = self._events[0][0] if self._events else -1

    def wait(self, target, until_irq=False, want_serial=False, interruptible=False):
        """Let virtual time pass up to ``target`` µs (None: forever).

        Returns early (1) when ``until_irq`` and an IRQ fired, or (2) when ``want_serial`` and serial
        input is buffered; else 0 at ``target``. Fires scheduled events on the way. With
        ``interruptible``, a Ctrl-C on the serial raises KeyboardInterrupt (if kbd_intr is on).
        """
        irq0 = self.irq_count
        self._free_ticks = _FREE_TICKS
        while True:
            self._service(0, interruptible)
            if until_irq and self.irq_count != irq0:
                return 1
            if want_serial and self.serial_buf:
                return 2
            now = self.now_us()
            horizon = now if self.realtime else self.limit
            stop = horizon if target is None or target > horizon else target
            if 0 <= self._next_ev <= stop:
                ev = self._events.pop(0)
                self._next_ev = self._events[0][0] if self._events else -1
                if not self.realtime and ev[0] > self.now:
                    self.now = ev[0]
                locks = _unlock_heap()
                try:
                    ev[2](ev[3])
                finally:
                    _relock_heap(locks)
                continue
            if target is not None and target <= horizon:
                if not self.realtime and target > self.now:
                    self.now = target
                return 0
            if self.realtime:
                t = target if target is not None else -1
                if self._next_ev >= 0 and (t < 0 or self._next_ev < t):
                    t = self._next_ev
                self._service(-1 if t < 0 else (t - now + 999) // 1000, interruptible)
            else:
                self.now = self.limit
                if self._pending:
                    self._pending = False
                    locks = _unlock_heap()
                    try:
                        self._reply("ok")
                    finally:
                        _relock_heap(locks)
                self._service(-1, interruptible)

    # -- serial + control channel --------------------------------------------------------------------

    def _service(self, timeout_ms, interruptible=False):
        """Poll the serial input and the control channel once (timeout -1: until something arrives)."""
        if self.quitting:
            _unlock_heap()
            raise Quit()
        ctl = sin = 0
        for obj, ev in self._poll.ipoll(timeout_ms):  # ipoll: no list allocated; act after it ends
            if obj is self._ctl_in:
                ctl = ev
            else:
                sin = ev
        # Both inputs are non-blocking fds (set by the harness): readinto returns what is there,
        # None when nothing is, 0 at end of file.
        if sin or ctl or (interruptible and self.kbd_char >= 0 and self.serial_buf):
            locks = _unlock_heap()
            try:
                self._handle_input(sin, ctl, interruptible)
            finally:
                _relock_heap(locks)

    def _handle_input(self, sin, ctl, interruptible):
        if sin:
            n = self._sin.readinto(self._rbuf) if sin & select.POLLIN else 0
            if n is None:
                pass
            elif not n:  # serial closed: stop polling it
                self._poll.unregister(self._sin)
                self._stdin_open = False
            elif len(self.serial_buf) + n <= _SERIAL_MAX:
                self.serial_buf.extend(memoryview(self._rbuf)[:n])
        if ctl:
            n = self._ctl_in.readinto(self._rbuf)
            if n == 0 or (n is None and not ctl & select.POLLIN):
                self.quitting = True
                raise Quit()
            if n:
                self._ctl_line.extend(memoryview(self._rbuf)[:n])
            while True:
                i = self._ctl_line.find(b"\n")
                if i < 0:
                    break
                line = bytes(self._ctl_line[:i]).decode()
                self._ctl_line[:] = self._ctl_line[i + 1:]
                self._command(line)
        if interruptible and self.kbd_char >= 0 and self.serial_buf:
            self._kbd_b[0] = self.kbd_char
            i = self.serial_buf.find(self._kbd_b)
            if i >= 0:  # as on the board: the interrupt char is consumed, not delivered
                self.serial_buf[:] = self.serial_buf[:i] + self.serial_buf[i + 1:]
                raise KeyboardInterrupt()

    def serial_read(self, timeout_ms=None):
        """Serial input for the REPL: waits (servicing control commands) until some arrives.

        Returns the buffered bytes (at least one), or b"" when ``timeout_ms`` of virtual time passed.
        """
        if not self.serial_buf:
            target = None if timeout_ms is None else self.now_us() + timeout_ms * 1000
            self.wait(target, want_serial=True)
        data = bytes(self.serial_buf)
        self.serial_buf[:] = b""
        return data

    def serial_write(self, data):
        """Bytes to the serial output (fd 1, where print() goes too)."""
        self._sout.write(data)

    def _reply(self, text):
        self._ctl_out.write(text.encode() + b"\n")

    def _command(self, line):
        parts = line.split(" ", 2)
        cmd = parts[0]
        try:
            if cmd in ("press", "down", "up", "advance"):
                self._time_command(cmd, parts)
                return
            if cmd == "screen":
                self.oled.render(self._screen)
                o = self.oled
                self._reply("ok %d %d %d %d %s" % (o.width, o.height, o.display_on, o.invert,
                                                  binascii.hexlify(self._screen).decode()))
            elif cmd == "stats":
                self._reply("ok " + json.dumps(self.stats()))
            elif cmd == "reset_stats":
                self.reset_stats()
                self._reply("ok")
            elif cmd == "fs_read":
                with open(parts[1], "rb") as f:
                    self._reply("ok " + binascii.hexlify(f.read()).decode())
            elif cmd == "fs_write":
                data = binascii.unhexlify(parts[2] if len(parts) > 2 else "")
                _makedirs(parts[1])
                with open(parts[1], "wb") as f:
                    f.write(data)
                self._reply("ok")
            elif cmd == "fs_remove":
                os.remove(parts[1])
                self._reply("ok")
            elif cmd == "fs_ls":
                path = parts[1] if len(parts) > 1 else "/"
                names = [e[0] + ("/" if e[1] & 0x4000 else "") for e in os.ilistdir(path)]
                self._reply("ok " + json.dumps(sorted(names)))
            elif cmd == "quit":
                self._reply("ok")
                self.quitting = True
                raise Quit()
            else:
                self._reply("err unknown command " + cmd)
        except OSError as e:
            code = e.args[0] if e.args else 0
            what = _FS_ERRORS.get(code) or "error %s" % code
            self._reply("err %s: %s" % (what, parts[1] if len(parts) > 1 else ""))
        except (ValueError, IndexError, TypeError) as e:
            self._reply("err bad command %s: %s" % (cmd, e))
        except Exception as e:  # never let a control command break the firmware's run
            self._reply("err %s failed: %s" % (cmd, type(e).__name__))

    def _time_command(self, cmd, parts):
        legend = None
        if cmd != "advance":
            if len(parts) < 2:
                raise ValueError("missing key")
            legend = self.legend(parts[1])
            if legend is None:
                self._reply("err unknown key %s; valid keys: %s" % (parts[1], " ".join(self.key_names())))
                return
        now = self.now_us()
        while 0 <= self._next_ev <= now:  # realtime: a release that is due happens before this press
            ev = self._events.pop(0)
            self._next_ev = self._events[0][0] if self._events else -1
            ev[2](ev[3])
        if cmd == "press":
            hold = int(parts[2]) if len(parts) > 2 else 100
            self.key_down(legend)
            self.schedule(now + hold * 1000, self.key_up, legend, True)
            run = (hold + 200) * 1000
        elif cmd == "down":
            self.key_down(legend)
            run = 50000
        elif cmd == "up":
            self.key_up(legend)
            run = 50000
        else:
            run = int(parts[1]) * 1000
            if run < 0:
                raise ValueError("negative time")
        if self.realtime:
            self._reply("ok")
            return
        self.limit = max(self.limit, now) + run
        self._pending = True

    def stats(self):
        gc.collect()
        return {
            "i2c_bytes": self.i2c_bytes,
            "i2c_transactions": self.i2c_transactions,
            "wakeups": self.wakeups,
            "now_ms": self.now_us() // 1000,
            "mem_alloc": gc.mem_alloc() - self.mem_base,
            "mem_free": gc.mem_free(),
            "flash_writes": self.flash.programs,
            "flash_erases": self.flash.erases,
        }

    # -- keypad ----------------------------------------------------------------------------------------

    def key_names(self):
        names = sorted(self._key_names)
        names += sorted(k for k in self._key_nets if k.isdigit())
        return names

    def legend(self, name):
        """Physical legend for a key name (PRESS/OK/DEL, digits, or a legend itself); None if unknown."""
        legend = self._key_names.get(name, name)
        return legend if legend in self._key_nets else None

    def key_down(self, legend):
        if legend not in self.pressed:
            self.pressed.append(legend)
            self._rewire()

    def key_up(self, legend):
        if legend in self.pressed:
            self.pressed.remove(legend)
            self._rewire()

    def _rewire(self):
        edges = bytearray()
        wired = bytearray(NPIN + 1)
        for legend in self.pressed:
            a, b = self._key_nets[legend]
            edges.append(a)
            edges.append(b)
            wired[a] = wired[b] = 1
        self._edges = edges
        self._wired = wired
        self.update_levels()

    # -- GPIO electrical model -------------------------------------------------------------------------

    def configure(self, gpio, mode, pull, value):
        if mode >= 0:
            self._mode[gpio] = mode
        if pull >= 0:
            self._pull[gpio] = pull
        if value is not None:
            self._out[gpio] = 1 if value else 0
        self._pin_changed(gpio)

    def drive(self, gpio, value):
        v = 1 if value else 0
        if self._out[gpio] != v:
            self._out[gpio] = v
            if self._mode[gpio] != _IN:
                self._pin_changed(gpio)

    def _pin_changed(self, gpio):
        if self._wired[gpio] or self._busy:
            self.update_levels()
            return
        # Fast path, the pin is on no pressed key: it is its own net, only it can change.
        m = self._mode[gpio]
        if m == _OUT or (m == _OPEN_DRAIN and not self._out[gpio]):
            lv = self._out[gpio]
        else:
            lv = 1 if self._pull[gpio] == _PULL_UP else 0
        if self.level[gpio] != lv:
            self.level[gpio] = lv
            if self._irq_trig[gpio] & (_IRQ_RISING if lv else _IRQ_FALLING):
                self.irq_count += 1
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
        for k in range(0, len(e), 2):
            a = self._find(e[k])
            b = self._find(e[k + 1])
            if a != b:
                par[a] = b
        fl[self._find(_GND)] |= _F_LOW
        for i in range(NPIN):
            m = self._mode[i]
            r = self._find(i)
            if m == _OUT:
                fl[r] |= _F_HIGH if self._out[i] else _F_LOW
            elif m == _OPEN_DRAIN and not self._out[i]:
                fl[r] |= _F_LOW
            p = self._pull[i]
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
                        self.irq_count += 1
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

    # -- I2C bus ---------------------------------------------------------------------------------------

    def i2c_write(self, addr, bufs, status_read=0):
        self.i2c_transactions += 1
        self.i2c_bytes += 1
        for b in bufs:
            self.i2c_bytes += len(b)
        if addr != self.hw.get("DISPLAY_ADDR", 0x3C):
            raise OSError(errno.ENODEV)
        self.oled.begin()
        for b in bufs:
            self.oled.feed(b)

    def i2c_read(self, addr, buf):
        self.i2c_transactions += 1
        self.i2c_bytes += 1 + len(buf)
        if addr != self.hw.get("DISPLAY_ADDR", 0x3C):
            raise OSError(errno.ENODEV)
        s = self.oled.status()
        for i in range(len(buf)):
            buf[i] = s


def _makedirs(path):
    parts = path.split("/")[1:-1]
    d = ""
    for p in parts:
        d += "/" + p
        try:
            os.mkdir(d)
        except OSError as e:
            if e.args[0] != errno.EEXIST:
                raise


# -- the modules the firmware imports ------------------------------------------------------------------

_board = None  # the Board the stand-in modules act on


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
        _board.configure(self._id, mode, pull, value)

    def mode(self, mode=None):
        if mode is None:
            return _board._mode[self._id]
        _board.configure(self._id, mode, -1, None)

    def pull(self, pull=None):
        if pull is None:
            return _board._pull[self._id]
        _board.configure(self._id, -1, pull, None)

    def value(self, v=None):
        if v is None:
            return _board.level[self._id]
        _board.drive(self._id, v)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        _board.drive(self._id, 1)

    def off(self):
        _board.drive(self._id, 0)

    high = on
    low = off

    def toggle(self):
        _board.drive(self._id, not _board._out[self._id])

    def irq(self, handler=None, trigger=_IRQ_FALLING | _IRQ_RISING, hard=False, wake=None, priority=1):
        _board.set_irq(self._id, self, handler, trigger)
        return self

    def __repr__(self):
        return "Pin(GPIO%d)" % self._id


class I2C:
    def __init__(self, id=0, *, scl=None, sda=None, freq=400000, timeout=50000):
        self.freq = freq

    def scan(self):
        found = []
        for addr in range(0x08, 0x78):
            try:
                _board.i2c_write(addr, ())
                found.append(addr)
            except OSError:
                pass
        return found

    def writeto(self, addr, buf, stop=True):
        _board.i2c_write(addr, (buf,))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        _board.i2c_write(addr, vector)
        return sum(len(b) for b in vector)

    def readfrom_into(self, addr, buf, stop=True):
        _board.i2c_read(addr, buf)

    def readfrom(self, addr, nbytes, stop=True):
        buf = bytearray(nbytes)
        _board.i2c_read(addr, buf)
        return bytes(buf)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        _board.i2c_write(addr, (bytes((memaddr,)), buf))

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        _board.i2c_write(addr, (bytes((memaddr,)),))
        _board.i2c_read(addr, buf)

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        buf = bytearray(nbytes)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)


class SoftI2C(I2C):
    pass


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
        self._ev = _board.schedule(_board.now_us() + self._period, self._fire, None)

    def _fire(self, _):
        self._ev = None
        if self._mode == Timer.PERIODIC:
            self._ev = _board.schedule(_board.now_us() + self._period, self._fire, None)
        if self._cb is not None:
            _board.irq_count += 1
            self._cb(self)

    def deinit(self):
        if self._ev is not None:
            _board.cancel(self._ev)
            self._ev = None


class _Machine:
    Pin = Pin
    I2C = I2C
    SoftI2C = SoftI2C
    Timer = Timer
    PWRON_RESET = _PWRON_RESET
    WDT_RESET = _WDT_RESET
    HardReset = HardReset
    SoftReset = SoftReset

    def lightsleep(self, ms=None):
        """Sleep until an IRQ (or ``ms``); every return counts as a wakeup."""
        b = _board
        try:
            b.wait(None if ms is None else b.now_us() + ms * 1000, until_irq=True, interruptible=True)
        finally:
            b.wakeups += 1

    def deepsleep(self, ms=None):
        self.lightsleep(ms)
        raise HardReset()

    def idle(self):
        _board.wait(_board.now_us() + 1000, until_irq=True, interruptible=True)

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
        return (_board.tick() // 1000) & _TICKS_MASK

    def ticks_us(self):
        return _board.tick() & _TICKS_MASK

    def ticks_cpu(self):
        return _board.tick() & _TICKS_MASK

    def ticks_diff(self, a, b):
        return ((a - b + _TICKS_HALF) & _TICKS_MASK) - _TICKS_HALF

    def ticks_add(self, t, delta):
        return (t + delta) & _TICKS_MASK

    def sleep(self, s):
        _board.sleep_us(int(s * 1000000))

    def sleep_ms(self, ms):
        _board.sleep_us(ms * 1000)

    def sleep_us(self, us):
        _board.sleep_us(us)

    def time(self):
        return _EPOCH_2021 + _board.now_us() // 1000000

    def time_ns(self):
        return (_EPOCH_2021 * 1000000 + _board.now_us()) * 1000

    def __getattr__(self, name):  # gmtime, localtime, mktime
        return getattr(_real_time, name)


class _MicroPython:
    def kbd_intr(self, c):
        """Recorded: Ctrl-C on the serial raises KeyboardInterrupt only while enabled (c >= 0)."""
        _board.kbd_char = c

    def const(self, x):
        return x

    def __getattr__(self, name):  # schedule, heap_lock, mem_info, opt_level, ...
        return getattr(_real_micropython, name)


def install(board):
    """Point the stand-in modules at ``board`` and put them into sys.modules."""
    global _board
    _board = board
    t = _Time()
    sys.modules["machine"] = _Machine()
    sys.modules["time"] = t
    sys.modules["utime"] = t
    sys.modules["micropython"] = _MicroPython()
    return board
