"""An emulated token on the official rp2 firmware, with the harness's keypad/screen/serial methods.

    with Rp2Emulator("token.img", "RPI_PICO-v1.28.0.uf2") as emu:   # syncs the bundle, boots the UF2
        emu.press_keys("PRESS")
        print(emu.screen().text())

The flash image is the unix-port emulator's (``picodsc emulate --flash``): 352 blocks of littlefs
(a Pico's filesystem) + the block holding the unique ID. The firmware bundle is brought up to date
in it by the unix-port emulator (the same sync ``picodsc emulate`` does); its littlefs is then the
RP2040's flash filesystem, written back to the image on :meth:`close`.

Time is the chip's simulated clock. ``serial="pipe"``: it moves only through ``press``/``advance``
and while :meth:`read_serial_until` waits, so runs are deterministic. ``serial="pty"``: a thread
runs the chip no faster than the wall clock and relays the USB serial to :attr:`port` (mpremote);
``press``/``advance`` still run their span of simulated time at once.
"""

import os
import select
import threading
import time
from pathlib import Path

from ... import bundle
from ...errors import PicodscError, UsageError
from ..harness import Emulator
from ..image import DEFAULT_BLOCKS, lock
from ..serial_io import check_serial_mode, open_pty
from .chip import BLOCK_SIZE, FS_BLOCKS, Rp2Chip, check_uf2

_SLICE_NS = 2_000_000  # pty mode: the chip runs in 2 ms slices between relays
_OUTPUT_KEEP = 1 << 20
_PTY_KEEP = 1 << 16
_BOOT_LIMIT_NS = 1_500_000_000
_BOOT_SETTLE_MS = 50


class Rp2Emulator:
    def __init__(self, image, uf2, board=bundle.DEFAULT_BOARD, serial="pipe", sync=True, timeout=120.0):
        self.serial = check_serial_mode(serial)
        self.image = Path(image)
        self.uf2 = Path(uf2)
        self.board = board
        self.sync = sync
        self.timeout = timeout
        self.port = None
        self.chip = None
        self._lock = threading.RLock()
        self._out = bytearray()
        self._lock_file = None
        self._master = self._slave = None
        self._to_pty = bytearray()
        self._thread = None
        self._stop = threading.Event()
        self._error = None
        self._pace = (0.0, 0.0)  # (simulated ns, wall s) the pty thread paces from
        self.boot_ms = self.boot_cycles = None  # power-up to the firmware's first display write

    # -- life cycle ------------------------------------------------------------------------------
    def __enter__(self):
        if self.chip is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        check_uf2(self.uf2)  # before anything is written
        if self.sync or not self.image.exists():
            with Emulator(self.image, board=self.board, blocks=DEFAULT_BLOCKS):  # the bundle synced
                pass
        size = self.image.stat().st_size
        if size != DEFAULT_BLOCKS * BLOCK_SIZE:
            raise PicodscError(f"image {self.image} has the wrong size for a Pico ({size} bytes; "
                               f"expected {DEFAULT_BLOCKS * BLOCK_SIZE})")
        self._lock_image()
        board_file = Path(self.board) if str(self.board).endswith(".py") else bundle.board_path(self.board)
        fs = self.image.read_bytes()[:FS_BLOCKS * BLOCK_SIZE]
        try:
            self.chip = Rp2Chip(self.uf2, fs, board_file, on_serial=self._serial_in)
            self.boot_ms = self._boot()
            if self.serial == "pty":
                self._master, self._slave, self.port = open_pty()
                self._pace = (self.chip.nanos, time.monotonic())
                self._thread = threading.Thread(target=self._run, daemon=True, name="picodsc-rp2")
                self._thread.start()
        except BaseException:
            self.close()
            raise
        return self

    def _boot(self):
        """Run until the firmware has set up the display (it then scans the keys): the boot time in ms
        (None: no display within 1.5 s, e.g. a board with MicroPython only)."""
        chip = self.chip
        while not chip.oled.transactions:
            if chip.nanos > _BOOT_LIMIT_NS:
                return None
            chip.run_ms(1)
        booted = chip.nanos / 1e6
        self.boot_cycles = chip.cycles
        chip.run_ms(_BOOT_SETTLE_MS)
        return booted

    def close(self):
        """Stop the chip and write its filesystem back to the image. Idempotent."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.chip is not None:
            with self._lock:
                fs = self.chip.fs_bytes()
            with open(self.image, "r+b") as f:
                f.write(fs)
            self.chip = None
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    @property
    def running(self):
        return self.chip is not None and self._error is None

    def _lock_image(self):
        self._lock_file = lock(self.image)

    # -- the pty thread --------------------------------------------------------------------------
    def _run(self):
        try:
            while not self._stop.is_set():
                try:
                    ready, _, _ = select.select([self._master], [], [], 0)
                    data = os.read(self._master, 4096) if ready else b""
                except OSError:
                    data = b""
                with self._lock:
                    chip = self.chip
                    if data:
                        chip.send(data)
                    sim_ns, wall = self._pace
                    target = sim_ns + (time.monotonic() - wall) * 1e9
                    if chip.nanos < target:
                        chip.run_until(min(target, chip.nanos + _SLICE_NS))
                    self._flush_pty()
                if chip.nanos >= target and not data:
                    time.sleep(0.002)
        except Exception as e:  # the board stopped: report it to the caller
            self._error = e

    def _flush_pty(self):
        if self._to_pty:
            try:
                del self._to_pty[:os.write(self._master, self._to_pty)]
            except (BlockingIOError, OSError):
                pass

    def _serial_in(self, data):
        self._out += data
        del self._out[:-_OUTPUT_KEEP]
        if self._master is not None:
            self._to_pty += data
            del self._to_pty[:-_PTY_KEEP]  # nobody reading the port: drop the oldest, never block

    def _timed(self, fn):
        """Run ``fn(chip)`` under the lock; the pty thread then paces on from the new time."""
        if self.chip is None:
            raise PicodscError("emulator is not running")
        with self._lock:
            fn(self.chip)
            self._pace = (self.chip.nanos, time.monotonic())

    # -- keypad and time -------------------------------------------------------------------------
    def down(self, key, run_ms=50):
        self._timed(lambda c: (c.keys.set(str(key), True), c.run_ms(run_ms)))

    def up(self, key, run_ms=50):
        self._timed(lambda c: (c.keys.set(str(key), False), c.run_ms(run_ms)))

    def press(self, key, hold_ms=100):
        """Press ``key`` for ``hold_ms``, release, run 200 ms more (as the harness does)."""
        self.down(key, hold_ms)
        self.up(key, 200)

    def advance(self, ms):
        ms = int(ms)
        if ms < 0:
            raise UsageError("cannot advance by a negative time")
        self._timed(lambda c: c.run_ms(ms))

    def press_keys(self, keys):
        from ..keys import run_keys

        run_keys(self, keys)

    # -- observation -----------------------------------------------------------------------------
    def screen(self):
        with self._lock:
            return self.chip.oled.screen()

    def stats(self):
        with self._lock:
            c = self.chip
            return {"now_ms": int(c.nanos // 1_000_000), "cycles": c.cycles,
                    "i2c_bytes": c.oled.bytes, "i2c_transactions": c.oled.transactions}

    # -- serial ----------------------------------------------------------------------------------
    def serial_output(self):
        with self._lock:
            return bytes(self._out)

    def serial_write(self, data):
        if self.serial != "pipe":
            raise UsageError("serial_write needs serial='pipe'; use the pty port")
        with self._lock:
            self.chip.send(bytes(data))

    def read_serial_until(self, marker, timeout=None):
        """Run the chip (pipe mode) until ``marker`` appears in the serial output; returns it all.
        ``timeout`` is a wall-clock guard in seconds."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while marker not in self._out:
            if time.monotonic() > deadline:
                raise PicodscError(f"serial output never showed {marker!r}")
            if self.serial == "pipe":
                self._timed(lambda c: c.run_ms(5))
            else:
                time.sleep(0.02)
        return bytes(self._out)
