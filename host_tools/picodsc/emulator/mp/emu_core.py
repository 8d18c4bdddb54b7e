"""What every part of the emulated board shares: the exceptions that unwind the firmware, and the
heap unlock the emulator's own work needs (runs inside MicroPython)."""

import micropython as _real_micropython


class HardReset(BaseException):
    """machine.reset(): the boot loop restarts the board (main.py runs)."""


class SoftReset(BaseException):
    """machine.soft_reset(): the boot loop soft-reboots."""


class Quit(BaseException):
    """The harness asked the emulator to exit (or closed the control channel)."""


def unlock_heap():
    """Unlock the heap (the firmware may hold micropython.heap_lock() while it sleeps) so the
    emulator's own work can allocate; returns the lock depth to restore with relock_heap()."""
    n = 0
    while True:
        d = _real_micropython.heap_unlock()
        if d > 1000:  # it was not locked: unlocking wrapped the depth, undo that
            _real_micropython.heap_lock()
            return n
        n += 1
        if d == 0:
            return n


def relock_heap(n):
    for _ in range(n):
        _real_micropython.heap_lock()
