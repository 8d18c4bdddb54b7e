"""CPython side of the emulator: start the MicroPython board process and drive it.

    with Emulator("token.img") as emu:          # syncs the firmware bundle into the image, boots it
        emu.press_keys("PRESS 1 2 3 4 OK")
        print(emu.screen().text())

Virtual time (default) advances only through ``press``/``down``/``up``/``advance``, so runs are
deterministic; ``realtime=True`` follows the wall clock (interactive use). See docs/DESIGN.md.
"""

import json
import os
import select
import time

from ..errors import PicodscError, UsageError
from .image import BLOCK_SIZE, DEFAULT_BLOCKS, MIN_BLOCKS  # noqa: F401 (re-exported)
from .keys import run_keys
from .process import EMULATOR_HEAP, MP_DIR, BoardProcess  # noqa: F401 (re-exported)
from .screen import Screen


class Emulator(BoardProcess):
    """One emulated token on a flash image file (created if missing).

    Arguments:
      image     -- path of the flash image (``blocks * 4096`` bytes); locked while the emulator runs.
      board     -- board name from ``boards/`` (e.g. ``"pico_4x4_128x64"``) or a path to a board ``.py`` file.
      serial    -- ``"pipe"`` (use :meth:`serial_write` / :meth:`serial_output`) or ``"pty"``
                   (:attr:`port` is a /dev/pts path real mpremote can open).
      realtime  -- follow the wall clock instead of virtual time.
      compiled  -- sync the firmware as ``.mpy`` (like ``picodsc deploy``) rather than ``.py``.
      heapsize  -- heap for the firmware, e.g. ``"64k"`` or 65536 (default: the unix port's 2 MiB); the
                   process gets this plus EMULATOR_HEAP for the emulator's own objects. (Objects on
                   the 64-bit unix port are up to twice their size on the RP2040.)
      files     -- ``[(device_path, bytes)]`` to sync instead of the firmware bundle (test stubs).
      sync      -- ``False``: boot the image as it is (only the board's hardware description is used).
      blocks    -- image size in 4096-byte blocks for a new image (default 512); checked for an existing one.
      timeout   -- seconds to wait for a reply before giving up (a guard, not part of the emulated time).
      power_cut_after -- power-cut hook: the flash operation after the first N (programs + erases from
                   power-up) does not happen and the board stops there; the next command then raises
                   PicodscError saying "power cut".
    """

    # -- keypad and time ---------------------------------------------------------------------------

    def press(self, key, hold_ms=100):
        """Press ``key`` (PRESS, OK, DEL, 0..9 or a legend) for ``hold_ms``, release, run 200 ms more.

        In realtime mode this returns at once (the release still comes ``hold_ms`` later)."""
        self._command(f"press {_key(key)} {int(hold_ms)}")

    def down(self, key):
        """Hold ``key`` down (then 50 ms run; in realtime mode it returns at once)."""
        self._command(f"down {_key(key)}")

    def up(self, key):
        """Release ``key`` (then 50 ms run)."""
        self._command(f"up {_key(key)}")

    def advance(self, ms):
        """Let ``ms`` milliseconds of virtual time pass (no-op in realtime mode)."""
        ms = int(ms)
        if ms < 0:
            raise UsageError("cannot advance by a negative time")
        self._command(f"advance {ms}")

    def press_keys(self, keys):
        """Run a key script (:mod:`picodsc.emulator.keys`), e.g. ``"PRESS 1 2 3 4 OK WAIT:500"``.

        In realtime mode it paces itself on the wall clock (300 ms per key, WAITs and holds sleep)."""
        run_keys(self, keys, pace=self.realtime)

    # -- observation -------------------------------------------------------------------------------

    def screen(self):
        """The panel as it looks now: a :class:`Screen` decoded from the controller's physical pixels."""
        return Screen.from_wire(self.screen_wire())

    def screen_wire(self):
        """The emulator's raw ``screen`` reply, ``"W H ON INVERT HEX"`` (cheap to compare or cache)."""
        return self._command("screen")

    def stats(self):
        """Counters: i2c_bytes, i2c_transactions, wakeups, now_ms, mem_alloc, mem_free, flash_writes,
        flash_erases. mem_alloc = gc.mem_alloc() after gc.collect() minus the same taken just before
        /main.py started (the firmware's live heap)."""
        return json.loads(self._command("stats"))

    def reset_stats(self):
        """Zero i2c_bytes, i2c_transactions, wakeups, flash_writes and flash_erases."""
        self._command("reset_stats")

    # -- flash files -------------------------------------------------------------------------------

    def fs_read(self, path):
        """Content (bytes) of a file on the emulated flash; PicodscError if missing."""
        return bytes.fromhex(self._command(f"fs_read {_path(path)}"))

    def fs_write(self, path, data):
        """Write a file on the flash (parent directories created)."""
        if isinstance(data, str):
            data = data.encode()
        self._command(f"fs_write {_path(path)} {bytes(data).hex()}")

    def fs_remove(self, path):
        self._command(f"fs_remove {_path(path)}")

    def fs_ls(self, path="/"):
        """Sorted names in a flash directory; subdirectories end with ``/``."""
        return json.loads(self._command(f"fs_ls {_path(path)}"))

    # -- serial ------------------------------------------------------------------------------------

    def serial_output(self):
        """Everything the board wrote to its serial so far (bytes; the last 1 MiB)."""
        self._pump_stdout()
        with self._out_lock:
            return bytes(self._out)

    def serial_write(self, data):
        """Send bytes to the board's serial input (pipe mode)."""
        if self.serial != "pipe":
            raise UsageError("serial_write needs serial='pipe'; use the pty port")
        data = memoryview(bytes(data))
        deadline = time.monotonic() + self.timeout
        while data:  # keep draining the board's output meanwhile: both pipes may be full
            if time.monotonic() > deadline:
                raise PicodscError("the board does not read its serial input")
            _, writable, _ = select.select([], [self._ser_w], [], 0.05)
            if writable:
                try:
                    data = data[os.write(self._ser_w, data):]
                except BlockingIOError:
                    pass
                except OSError:
                    raise self._died() from None
            self._pump_stdout()
            if self._proc.poll() is not None:
                raise self._died()

    def read_serial_until(self, marker, timeout=10.0):
        """Wait (wall clock, as a guard) until ``marker`` appears in the serial output; returns it all."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.serial_output()
            if marker in out:
                return out
            if time.monotonic() > deadline:
                raise PicodscError(f"serial output never showed {marker!r}")
            if self._proc is None or self._proc.poll() is not None:
                raise self._died()
            if self.serial == "pipe":
                select.select([self._proc.stdout.fileno()], [], [], 0.1)
            else:
                time.sleep(0.02)


def _key(key):
    key = str(key)
    if not key or any(c.isspace() for c in key):
        raise UsageError(f"bad key name {key!r}")
    return key


def _path(path):
    path = str(path)
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise UsageError(f"bad device path {path!r}: absolute, without spaces")
    return path
