"""The board's clock and scheduler: virtual time, one event queue, and the wait every sleep goes through.

Virtual clock: the firmware may run up to ``limit`` (µs of virtual time). Time commands on the control
channel move the limit on (``run_for``); a wait that would cross it first replies to the pending command,
then blocks reading the next one. Computing takes no virtual time, but a busy-wait loop (over 1000
``ticks_*`` calls without sleeping) is charged 10 µs per call so it makes progress. In realtime mode the
clock is the wall clock and commands are answered at once.
"""

import time as _real_time

from emu_core import relock_heap, unlock_heap
from micropython import const

_FREE_TICKS = const(1000)  # ticks_* calls between two waits that cost no time
_TICK_COST_US = const(10)  # virtual CPU time charged to each further ticks_* call (busy waiting)


class Clock:
    """Virtual (or wall) time in µs since power-up, events ``[time_us, seq, fn, arg, keep]`` kept sorted.

    ``io`` (set by the board) is the serial + control channel: ``service(timeout_ms, interruptible)``
    polls it, ``serial_buf`` holds serial input, ``reply(text)`` answers the harness.
    ``irq_count`` counts interrupts from any source (pins, timers); an idle wait ends on a change.
    """

    def __init__(self, realtime=False):
        self.realtime = realtime
        self.io = None
        self._t0 = _real_time.ticks_us()
        self.now = 0  # virtual µs since power-up
        self.limit = 0  # the firmware may run up to here (virtual mode)
        self._events = []  # [time_us, seq, callable, arg, keep], kept sorted
        self._seq = 0
        self._next_ev = -1  # time of the first event, -1 = none
        self._pending = False  # a time command waits for its reply
        self._free_ticks = _FREE_TICKS
        self.irq_count = 0

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

    # -- the event queue ---------------------------------------------------------------------------

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

    def drop_timers(self):
        """A machine reset: events not marked ``keep`` go (keys stay pressed, timers stop)."""
        self._events = [e for e in self._events if e[4]]
        self._next_ev = self._events[0][0] if self._events else -1

    def run_next(self, stop):
        """Fire the first event if it is due at or before ``stop``; True if one fired.

        In virtual mode the clock moves on to the event's time. The heap is unlocked while it runs."""
        if not 0 <= self._next_ev <= stop:
            return False
        ev = self._events.pop(0)
        self._next_ev = self._events[0][0] if self._events else -1
        if not self.realtime and ev[0] > self.now:
            self.now = ev[0]
        locks = unlock_heap()
        try:
            ev[2](ev[3])
        finally:
            relock_heap(locks)
        return True

    # -- waiting -------------------------------------------------------------------------------------

    def run_for(self, us):
        """A time command: the firmware may run ``us`` more; the reply waits until it got there."""
        self.limit = max(self.limit, self.now_us()) + us
        self._pending = True

    def wait(self, target, until_irq=False, want_serial=False, interruptible=False):
        """Let virtual time pass up to ``target`` µs (None: forever).

        Returns early (1) when ``until_irq`` and an IRQ fired, or (2) when ``want_serial`` and serial
        input is buffered; else 0 at ``target``. Fires scheduled events on the way. With
        ``interruptible``, a Ctrl-C on the serial raises KeyboardInterrupt (if kbd_intr is on).
        """
        io = self.io
        irq0 = self.irq_count
        self._free_ticks = _FREE_TICKS
        while True:
            io.service(0, interruptible)
            if until_irq and self.irq_count != irq0:
                return 1
            if want_serial and io.serial_buf:
                return 2
            now = self.now_us()
            horizon = now if self.realtime else self.limit
            stop = horizon if target is None or target > horizon else target
            if self.run_next(stop):
                continue
            if target is not None and target <= horizon:
                if not self.realtime and target > self.now:
                    self.now = target
                return 0
            if self.realtime:
                t = target if target is not None else -1
                if self._next_ev >= 0 and (t < 0 or self._next_ev < t):
                    t = self._next_ev
                io.service(-1 if t < 0 else (t - now + 999) // 1000, interruptible)
            else:
                self.now = self.limit
                if self._pending:
                    self._pending = False
                    locks = unlock_heap()
                    try:
                        io.reply("ok")
                    finally:
                        relock_heap(locks)
                io.service(-1, interruptible)
