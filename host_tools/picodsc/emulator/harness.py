"""CPython side of the emulator: start the MicroPython board process and drive it.

    with Emulator("token.img") as emu:          # syncs the firmware bundle into the image, boots it
        emu.press_keys("PRESS 1 2 3 4 OK")
        print(emu.screen().text())

Virtual time (default) advances only through ``press``/``down``/``up``/``advance``, so runs are
deterministic; ``realtime=True`` follows the wall clock (interactive use). See docs/DESIGN.md.
"""

import errno
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import termios
import threading
import time
import tty
from pathlib import Path

from .. import bundle, upy
from ..errors import PicodscError, UsageError
from .screen import Screen

MP_DIR = Path(__file__).resolve().parent / "mp"
BLOCK_SIZE = 4096
DEFAULT_BLOCKS = 512
MIN_BLOCKS = 16
_OUTPUT_KEEP = 1 << 20  # serial output kept for serial_output()
_INPUT_KEEP = 1 << 16  # pty input waiting for the board
# Heap the emulator itself uses inside the MicroPython process (its modules, the REPL, buffers: ~70 KiB
# measured); added to ``heapsize`` so the firmware gets about what it asked for.
EMULATOR_HEAP = 96 * 1024


class Emulator:
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
    """

    def __init__(self, image, board=bundle.DEFAULT_BOARD, serial="pipe", realtime=False, compiled=True,
                 heapsize=None, files=None, sync=True, blocks=None, timeout=60.0):
        if serial not in ("pipe", "pty"):
            raise UsageError(f"serial must be 'pipe' or 'pty', not {serial!r}")
        self.image = Path(image)
        self.board = board
        self.serial = serial
        self.realtime = realtime
        self.compiled = compiled
        self.heapsize = heapsize
        self.files = files
        self.sync = sync
        self.blocks = blocks
        self.timeout = timeout
        self.port = None
        self._proc = None
        self._lock_file = None
        self._stage = None
        self._ctl_w = self._ctl_r = self._ser_w = None
        self._ctl_buf = b""
        self._ctl_lock = threading.Lock()
        self._out = bytearray()
        self._out_lock = threading.Lock()
        self._err = bytearray()
        self._threads = []
        self._pty_master = self._pty_slave = None
        self._stop = threading.Event()

    # -- life cycle --------------------------------------------------------------------------------

    def __enter__(self):
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        """Lock the image, stage the firmware, boot the board; returns self once it is running."""
        if self._proc is not None:
            raise PicodscError("emulator already started")
        try:
            blocks = self._check_image()
            self._lock()
            self._stage_files()
            self._spawn(blocks)
            self._command("advance 0")  # the board has booted and reached its first wait
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Stop the board process (asking it to quit first) and release the image. Idempotent."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                with self._ctl_lock:
                    os.write(self._ctl_w, b"quit\n")
            except OSError:
                pass
            deadline = time.monotonic() + 5
            while proc.poll() is None and time.monotonic() < deadline:
                self._pump_stdout()  # a board blocked on a full serial pipe could not quit
                time.sleep(0.01)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self._stop.set()
        for fd in (self._ctl_w, self._ctl_r, self._ser_w):
            if fd is not None:
                _close(fd)
        self._ctl_w = self._ctl_r = self._ser_w = None
        if proc is not None:
            for f in (proc.stdin, proc.stdout, proc.stderr):
                if f is not None:
                    try:
                        f.close()
                    except OSError:
                        pass
        for t in self._threads:
            t.join(timeout=5)
        self._threads = []
        for fd in (self._pty_master, self._pty_slave):
            if fd is not None:
                _close(fd)
        self._pty_master = self._pty_slave = None
        if self._stage:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None
        if self._lock_file is not None:
            self._lock_file.close()  # releases the flock
            self._lock_file = None
        self._proc = None

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    def _check_image(self):
        img = self.image
        if img.exists():
            if not img.is_file():
                raise PicodscError(f"image {img} is not a file")
            if not os.access(img, os.R_OK | os.W_OK):
                raise PicodscError(f"image {img} is not readable and writable")
            size = img.stat().st_size
            blocks = size // BLOCK_SIZE
            if size % BLOCK_SIZE or blocks < MIN_BLOCKS or (self.blocks and blocks != self.blocks):
                want = f"{self.blocks} blocks" if self.blocks else f"a multiple of {BLOCK_SIZE}"
                raise PicodscError(f"image {img} has the wrong size ({size} bytes; expected {want})")
            return blocks
        if not img.parent.is_dir():
            raise PicodscError(f"cannot create image {img}: no directory {img.parent}")
        blocks = self.blocks or DEFAULT_BLOCKS
        if blocks < MIN_BLOCKS:
            raise UsageError(f"an image needs at least {MIN_BLOCKS} blocks")
        return blocks

    def _lock(self):
        path = Path(str(self.image) + ".lock")
        try:
            f = open(path, "a")
        except OSError as e:
            raise PicodscError(f"cannot lock image {self.image}: {e.strerror}") from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            f.close()
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise PicodscError(f"image {self.image} is in use by another emulator") from None
            raise PicodscError(f"cannot lock image {self.image}: {e.strerror}") from None
        self._lock_file = f

    def _board_source(self):
        return bundle.board_path(self.board).read_bytes()

    def _stage_files(self):
        self._stage = Path(tempfile.mkdtemp(prefix="picodsc-emu-"))
        (self._stage / "board.py").write_bytes(self._board_source())
        # The emulator's own modules as .mpy: compiling them at run time would need more heap than
        # a small ``heapsize`` leaves.
        emu_dir = self._stage / "emu"
        emu_dir.mkdir()
        for src in sorted(MP_DIR.glob("*.py")):
            if src.name.startswith("_"):
                continue
            try:
                (emu_dir / f"{src.stem}.mpy").write_bytes(bundle.compile_mpy(src.read_bytes(), src.name))
            except PicodscError:
                shutil.copy(src, emu_dir / src.name)
        if not self.sync:
            return
        if self.files is None:
            files = bundle.files(self.board, compiled=self.compiled)
            stale = bundle.stale_paths(compiled=self.compiled)
        else:
            files, stale = list(self.files), []
        for path, data in files:
            if not path.startswith("/") or ".." in path.split("/"):
                raise UsageError(f"bad device path {path!r}")
            dest = self._stage / "fw" / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        manifest = {"files": [p for p, _ in files], "stale": stale}
        (self._stage / "manifest.json").write_text(json.dumps(manifest))

    def _spawn(self, blocks):
        ctl_r_child, self._ctl_w = os.pipe()
        self._ctl_r, ctl_w_child = os.pipe()
        ser_r_child, ser_w = os.pipe()
        # The board reads its inputs without blocking (MicroPython's readinto would wait for a full buffer).
        os.set_blocking(ctl_r_child, False)
        os.set_blocking(ser_r_child, False)
        os.set_blocking(ser_w, False)
        argv = [upy.micropython_binary()]
        if self.heapsize:
            argv += ["-X", f"heapsize={_heap_bytes(self.heapsize) + EMULATOR_HEAP}"]
        argv += ["-m", "emu_main", "--image", str(self.image), "--stage", str(self._stage),
                 "--blocks", str(blocks), "--ctl", f"{ctl_r_child},{ctl_w_child}"]
        if self.realtime:
            argv.append("--realtime")
        env = dict(os.environ, MICROPYPATH=str(self._stage / "emu"))
        try:
            self._proc = subprocess.Popen(argv, stdin=ser_r_child, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, pass_fds=(ctl_r_child, ctl_w_child),
                                          env=env, cwd=str(self._stage))
        except OSError as e:
            raise PicodscError(f"cannot start micropython: {e.strerror}") from None
        except BaseException:
            _close(ser_w)
            raise
        finally:
            _close(ctl_r_child)
            _close(ctl_w_child)
            _close(ser_r_child)
        self._ser_w = ser_w
        self._thread(self._drain_stderr)
        if self.serial == "pty":
            self._pty_master, self._pty_slave = os.openpty()
            tty.setraw(self._pty_slave)
            attrs = termios.tcgetattr(self._pty_slave)
            attrs[3] &= ~termios.ECHO
            termios.tcsetattr(self._pty_slave, termios.TCSANOW, attrs)
            os.set_blocking(self._pty_master, False)
            self.port = os.ttyname(self._pty_slave)
            self._thread(self._relay_pty)
        else:
            os.set_blocking(self._proc.stdout.fileno(), False)

    def _thread(self, fn):
        t = threading.Thread(target=fn, daemon=True, name=f"picodsc-emu-{fn.__name__}")
        t.start()
        self._threads.append(t)

    # -- background I/O ----------------------------------------------------------------------------

    def _drain_stderr(self):
        fd = self._proc.stderr.fileno()
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            self._err += data
            del self._err[:-8192]

    def _keep_output(self, data):
        with self._out_lock:
            self._out += data
            del self._out[:-_OUTPUT_KEEP]

    def _relay_pty(self):
        """Serial <-> pty master. Output nobody reads is dropped once the pty buffer is full; input
        waits in a bounded buffer while the board is busy (neither side ever blocks the other)."""
        out_fd = self._proc.stdout.fileno()
        in_fd = self._ser_w
        master = self._pty_master
        pending = bytearray()
        while not self._stop.is_set():
            rl = [out_fd] + ([master] if len(pending) < _INPUT_KEEP else [])
            try:
                ready, writable, _ = select.select(rl, [in_fd] if pending else [], [], 0.2)
            except (OSError, ValueError):
                return
            if out_fd in ready:
                try:
                    data = os.read(out_fd, 4096)
                except OSError:
                    return
                if not data:
                    return
                self._keep_output(data)
                try:
                    os.write(master, data)
                except BlockingIOError:
                    pass  # no client reading: drop, never block the board
                except OSError:
                    return
            if master in ready:
                try:
                    pending += os.read(master, 4096)
                except BlockingIOError:
                    pass
                except OSError:
                    return
            if writable:
                try:
                    del pending[: os.write(in_fd, pending)]
                except BlockingIOError:
                    pass
                except OSError:
                    return

    def _pump_stdout(self):
        """Pipe mode: move whatever the board printed into the output buffer (non-blocking)."""
        if self.serial != "pipe" or self._proc is None:
            return
        fd = self._proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, OSError, ValueError):
                return
            if not data:
                return
            self._keep_output(data)

    # -- control channel ---------------------------------------------------------------------------

    def _command(self, line):
        if "\n" in line:
            raise UsageError("bad command")
        if self._proc is None:
            raise PicodscError("emulator is not running")
        with self._ctl_lock:
            try:
                os.write(self._ctl_w, line.encode() + b"\n")
            except OSError:
                raise self._died() from None
            reply = self._read_reply()
        if reply.startswith("ok"):
            return reply[3:]
        msg = reply[4:] if reply.startswith("err ") else reply
        if msg.startswith("unknown key"):
            raise UsageError(msg)
        raise PicodscError(msg)

    def _read_reply(self):
        deadline = time.monotonic() + self.timeout
        fds = [self._ctl_r]
        if self.serial == "pipe":
            fds.append(self._proc.stdout.fileno())
        while b"\n" not in self._ctl_buf:
            left = deadline - time.monotonic()
            if left <= 0:
                # A late reply would answer the next command: stop the board instead.
                self._proc.kill()
                raise PicodscError(f"emulator did not answer within {self.timeout:g} s (stopped it)")
            ready, _, _ = select.select(fds, [], [], min(left, 0.5))
            if len(fds) > 1 and fds[1] in ready:
                self._pump_stdout()  # keep the serial pipe from filling up while the board runs
            if self._ctl_r in ready:
                data = os.read(self._ctl_r, 1 << 20)
                if not data:
                    raise self._died()
                self._ctl_buf += data
            elif self._proc.poll() is not None and not ready:
                raise self._died()
        line, _, self._ctl_buf = self._ctl_buf.partition(b"\n")
        self._pump_stdout()
        return line.decode()

    def _died(self):
        try:
            self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.05)
        tail = bytes(self._err).decode(errors="replace").strip().splitlines()[-5:]
        if tail and tail[-1].startswith("error: "):  # the emulator's own one-line refusal
            return PicodscError(tail[-1][7:])
        rc = self._proc.returncode
        return PicodscError(f"emulator stopped (exit code {rc})" + (": " + " | ".join(tail) if tail else ""))

    # -- keypad and time ---------------------------------------------------------------------------

    def press(self, key, hold_ms=100):
        """Press ``key`` (PRESS, OK, DEL, 0..9 or a legend) for ``hold_ms``, release, run 200 ms more.

        In realtime mode this returns at once (the release still comes ``hold_ms`` later)."""
        self._command(f"press {_key(key)} {int(hold_ms)}")

    def down(self, key):
        """Hold ``key`` down (then 50 ms run)."""
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
        """Press keys in order: ``"PRESS 1 2 3 4 OK WAIT:500"`` (``WAIT:<ms>`` advances the clock).

        In realtime mode it paces itself on the wall clock (300 ms per key, WAIT sleeps)."""
        for tok in keys.split() if isinstance(keys, str) else keys:
            if tok.upper().startswith("WAIT:"):
                try:
                    ms = int(tok[5:])
                except ValueError:
                    raise UsageError(f"bad wait {tok!r}: use WAIT:<milliseconds>") from None
                self.advance(ms)
                wall = ms
            else:
                self.press(tok)
                wall = 300
            if self.realtime:
                time.sleep(wall / 1000)

    # -- observation -------------------------------------------------------------------------------

    def screen(self):
        """The panel as it looks now: a :class:`Screen` decoded from the controller's physical pixels."""
        w, h, on, inv, hexdata = self._command("screen").split(" ")
        return Screen(int(w), int(h), bytes.fromhex(hexdata), on=on == "1", invert=inv == "1")

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


def _heap_bytes(size):
    """``"64k"``, ``"1m"`` or an int -> bytes."""
    text = str(size).strip().lower()
    mult = {"k": 1024, "m": 1024 * 1024}.get(text[-1:], 1)
    try:
        n = int(text[:-1] if mult > 1 else text) * mult
    except ValueError:
        raise UsageError(f"bad heap size {size!r}: use e.g. 64k") from None
    if n <= 0:
        raise UsageError(f"bad heap size {size!r}")
    return n


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


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass
