"""The MicroPython board process of an emulator: staging its files, starting and stopping it, its pipes,
the serial output it keeps, and the control channel (one request line, one reply line).

:class:`picodsc.emulator.harness.Emulator` is the public API on top (keys, screen, files, serial).
"""

import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .. import bundle, upy
from ..errors import PicodscError, UsageError
from .image import check_image, lock
from .serial_io import check_serial_mode, open_pty, relay_pty

MP_DIR = Path(__file__).resolve().parent / "mp"
_OUTPUT_KEEP = 1 << 20  # serial output kept for serial_output()
# Heap the emulator itself uses inside the MicroPython process (its modules, the REPL, buffers: ~70 KiB
# measured); added to ``heapsize`` so the firmware gets about what it asked for.
EMULATOR_HEAP = 96 * 1024


class BoardProcess:
    """The board process of one emulated token (arguments: :class:`~picodsc.emulator.harness.Emulator`)."""

    def __init__(self, image, board=bundle.DEFAULT_BOARD, serial="pipe", realtime=False, compiled=True,
                 heapsize=None, files=None, sync=True, blocks=None, timeout=60.0, power_cut_after=None,
                 seed=1, early_wakeups=25):
        self.serial = check_serial_mode(serial)
        self.image = Path(image).absolute()  # the board process runs in its staging directory
        self.board = board
        self.realtime = realtime
        self.compiled = compiled
        self.heapsize = heapsize
        self.files = files
        self.sync = sync
        self.blocks = blocks
        self.timeout = timeout
        self.power_cut_after = power_cut_after
        self.wakeup_args = (int(seed), int(early_wakeups))
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
            blocks = check_image(self.image, self.blocks)
            self._lock_file = lock(self.image)
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
                 "--blocks", str(blocks), "--ctl", f"{ctl_r_child},{ctl_w_child}",
                 "--wakeups", "%d,%d" % self.wakeup_args]
        if self.realtime:
            argv.append("--realtime")
        if self.power_cut_after is not None:
            argv += ["--power-cut", str(int(self.power_cut_after))]
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
            self._pty_master, self._pty_slave, self.port = open_pty()
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
        relay_pty(self._proc.stdout.fileno(), self._ser_w, self._pty_master, self._stop, self._keep_output)

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

    def command(self, line):
        """Send one line of the control protocol (docs/DESIGN.md); returns the reply after ``ok ``."""
        return self._command(line)

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


def _close(fd):
    try:
        os.close(fd)
    except OSError:
        pass
