"""Test helpers (not a test module): a `picodsc` command on a pseudo-terminal of a given size; an emulator
stand-in that records the key calls made on it."""

import os
import select
import time

from support.commands import PICODSC, environ, on_pty

__all__ = ["PICODSC", "KeyRecorder", "run_in_pty"]


def run_in_pty(argv, env=None, cols=140, rows=45, until=b"q quit", keys=b"q", timeout=90):
    """Start ``picodsc ARGV`` on a ``cols`` x ``rows`` pty (``env``: changes to os.environ, None removes a
    variable), wait for ``until`` in its output, type ``keys``, wait for it to exit; returns
    (exit code, everything it printed, decoded)."""
    with on_pty([PICODSC, *argv], rows=rows, cols=cols, env=environ(env)) as (proc, master):
        out = b""
        deadline = time.monotonic() + timeout
        while until not in out and proc.poll() is None:
            left = deadline - time.monotonic()
            assert left > 0, out[-800:]
            if select.select([master], [], [], min(left, 0.2))[0]:
                try:
                    out += os.read(master, 65536)
                except OSError:  # EIO: it closed the terminal
                    break
        if proc.poll() is None:
            os.write(master, keys)
        code = proc.wait(timeout=30)
        while select.select([master], [], [], 0.2)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    return code, out.decode(errors="replace")


class KeyRecorder:
    """Stands in for an emulator: records ``press``/``down``/``up``/``advance``; ``screen()`` is ``blank``."""

    def __init__(self, blank=None):
        self.calls = []
        self.blank = blank

    def press(self, key, hold_ms=100):
        self.calls.append(("press", key, hold_ms))

    def down(self, key):
        self.calls.append(("down", key))

    def up(self, key):
        self.calls.append(("up", key))

    def advance(self, ms):
        self.calls.append(("advance", ms))

    def screen(self):
        return self.blank
