"""Driving an emulator: key scripts, scripted runs, ``--serve`` with its control socket, the demo.

Key scripts are space-separated key names (``PRESS``, ``OK``, ``DEL``, ``0``..``9``) and ``WAIT:<ms>``
(let virtual time pass), e.g. ``"PRESS 1 2 3 4 OK WAIT:500"``.

Control socket (``picodsc emulate --serve``): a Unix stream socket, mode 0600 in a private directory;
one request line, one reply line, any number of requests per connection:

    keys <script>   -> ok                       run a key script on the running token
    screen          -> ok W H ON INVERT HEX     the panel (the emulator's own ``screen`` format)
    stats           -> ok {json}
    (anything else) -> err <message>

:class:`RemoteEmulator` is its client, with the ``press``/``advance``/``screen`` methods of the
harness, so the same code drives a local emulator or one behind a socket.
"""

import json
import os
import socket
import socketserver
import stat
import tempfile
import threading
from pathlib import Path

from ..errors import PicodscError, UsageError
from .screen import Screen

KEY_NAMES = ("PRESS", "OK", "DEL") + tuple("0123456789")
_MAX_WAIT_MS = 24 * 3600 * 1000


def parse_keys(script):
    """``"PRESS 1 WAIT:200"`` -> ``[("press", "PRESS"), ("press", "1"), ("wait", 200)]``."""
    steps = []
    for word in script.split():
        name = word.upper()
        if name in KEY_NAMES:
            steps.append(("press", name))
        elif name.startswith("WAIT:"):
            ms = name[5:]
            if not ms.isdigit() or int(ms) > _MAX_WAIT_MS:
                raise UsageError(f"bad wait {word!r}: use WAIT:<milliseconds>, e.g. WAIT:500")
            steps.append(("wait", int(ms)))
        else:
            raise UsageError(f"unknown key {word!r}; valid keys: {' '.join(KEY_NAMES)} and WAIT:<ms>")
    return steps


def run_keys(emu, steps):
    """Run a key script (text or :func:`parse_keys` steps) on ``emu``."""
    for kind, arg in parse_keys(steps) if isinstance(steps, str) else steps:
        if kind == "press":
            emu.press(arg)
        else:
            emu.advance(arg)


def screen_line(screen):
    """``ok W H ON INVERT HEX``: a Screen in the emulator's reply format (physical pixels)."""
    w, h = screen.width, screen.height
    data = bytearray(w * h // 8)
    for y, row in enumerate(screen.pixels):
        for x, p in enumerate(row):
            if p:
                data[(y >> 3) * w + x] |= 1 << (y & 7)
    return f"ok {w} {h} {int(screen.on)} {int(screen.invert)} {data.hex()}"


def parse_screen(fields):
    w, h, on, inv, hexdata = fields.split()
    return Screen(int(w), int(h), bytes.fromhex(hexdata), on=on == "1", invert=inv == "1")


def screen_lines(screen):
    """Decoded text of what the panel shows (nothing while the display is off)."""
    return screen.text() if screen.on else []


# --- server ---------------------------------------------------------------------------------------
class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for raw in self.rfile:
            reply = self.server.dispatch(raw.decode("utf-8", "replace").strip())
            self.wfile.write(reply.encode() + b"\n")
            self.wfile.flush()


class ControlServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Serve the control socket for ``emu`` (at ``path``, default: a new private directory)."""

    daemon_threads = True

    def __init__(self, emu, path=None):
        self.emu = emu
        self._lock = threading.Lock()  # one emulator command at a time
        self._tmpdir = None
        if path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="picodsc-")  # 0700: only this user reaches it
            path = os.path.join(self._tmpdir, "control.sock")
        self.path = str(path)
        if os.path.lexists(self.path):
            if not stat.S_ISSOCK(os.lstat(self.path).st_mode):
                raise PicodscError(f"{self.path} exists and is not a socket: choose another --control path")
            if not _is_stale_socket(self.path):
                raise PicodscError(f"control socket {self.path} is in use by a running emulator")
            os.unlink(self.path)  # left over from an emulator that was killed
        old = os.umask(0o177)
        try:
            super().__init__(self.path, _Handler)
        except OSError as e:
            self._remove_files()
            raise PicodscError(f"cannot listen on {self.path}: {e.strerror or e}") from None
        finally:
            os.umask(old)
        self._thread = None

    def start(self):
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        return self

    def dispatch(self, line):
        cmd, _, arg = line.partition(" ")
        try:
            with self._lock:
                if cmd == "keys":
                    run_keys(self.emu, arg)
                    return "ok"
                if cmd == "screen":
                    return screen_line(self.emu.screen())
                if cmd == "stats":
                    return "ok " + json.dumps(self.emu.stats())
        except PicodscError as e:
            return f"err {e}"
        return f"err unknown command {cmd!r}: use keys, screen or stats"

    def close(self):
        if self._thread is not None:
            self.shutdown()
            self._thread = None
        self.server_close()
        self._remove_files()

    def _remove_files(self):
        try:
            if stat.S_ISSOCK(os.lstat(self.path).st_mode):
                os.unlink(self.path)
        except OSError:
            pass
        if self._tmpdir:
            try:
                os.rmdir(self._tmpdir)
            except OSError:
                pass


def _is_stale_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return False
    except OSError:
        return True
    finally:
        s.close()


# --- client ---------------------------------------------------------------------------------------
class RemoteEmulator:
    """The keypad and display of an emulator served by ``picodsc emulate --serve``."""

    def __init__(self, path, timeout=120.0):
        self.path = Path(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(str(path))
        except OSError as e:
            self._sock.close()
            raise PicodscError(f"cannot reach the emulator's control socket {path}: {e.strerror}") from None
        self._file = self._sock.makefile("rwb")
        self._pending = []

    def _ask(self, line):
        try:
            self._file.write(line.encode() + b"\n")
            self._file.flush()
            reply = self._file.readline().decode().rstrip("\n")
        except OSError as e:
            raise PicodscError(f"control socket {self.path}: {e}") from None
        if not reply:
            raise PicodscError(f"control socket {self.path}: the emulator went away")
        if reply.startswith("err "):
            raise PicodscError(reply[4:])
        return reply[3:]

    # Keys are queued and sent as one script: one round trip per script, not per key.
    def press(self, key):
        self._pending.append(key)

    def advance(self, ms):
        self._pending.append(f"WAIT:{int(ms)}")

    def flush(self):
        if self._pending:
            script, self._pending = " ".join(self._pending), []
            self._ask("keys " + script)

    def screen(self):
        """The served panel as a :class:`Screen`."""
        self.flush()
        return parse_screen(self._ask("screen"))

    def stats(self):
        self.flush()
        return json.loads(self._ask("stats"))

    def close(self, flush=True):
        try:
            if flush:
                self.flush()
        finally:
            self._file.close()
            self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.close(flush=exc_type is None)  # after an error, type nothing more


# --- sessions (what `picodsc emulate` / `picodsc demo` run) --------------------------------------------
DEMO_PIN = "4071"  # printed by the demo: a demo token protects nothing


def data_dir():
    import platformdirs

    return Path(platformdirs.user_data_dir("picodsc"))


def image_path(image=None):
    """The flash image to use: ``image`` or the default ``<user data dir>/token.img``."""
    if image is not None:
        return Path(image)
    d = data_dir()
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise PicodscError(f"cannot create {d}: {e.strerror}") from None
    return d / "token.img"


def token_serial(image):
    """The serial of the token in ``image``: its flash unique ID (first 8 bytes of the last block)."""
    try:
        with open(image, "rb") as f:
            f.seek(-4096, os.SEEK_END)
            return f.read(8).hex().upper()
    except OSError as e:
        raise PicodscError(f"cannot read image {image}: {e.strerror}") from None


def _emulator(image, board, **kw):
    from .harness import Emulator

    return Emulator(image_path(image), board=board, **kw)


def _report(screen, show_screen, png, echo):
    if show_screen:
        for line in screen_lines(screen):
            echo(line)
    if png:
        from .terminal import write_png

        write_png(screen, png)


def scripted(image, board, steps, show_screen, png, realtime, echo):
    """Boot, run the key script, then print the screen text and/or write a screenshot."""
    with _emulator(image, board, realtime=realtime) as emu:
        run_keys(emu, steps)
        _report(emu.screen(), show_screen, png, echo)


def drive_remote(path, steps, show_screen, png, echo):
    """Run a key script on the emulator served at control socket ``path``; report its screen."""
    with RemoteEmulator(path) as emu:
        run_keys(emu, steps or [])
        _report(emu.screen(), show_screen, png, echo)


def serve(image, board, control_path, realtime, echo, ready=None):
    """Serial on a pty + control socket until SIGINT/SIGTERM; prints ``port:`` and ``control:`` lines."""
    import signal

    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: stop.set()) for s in signals}
    try:
        with _emulator(image, board, serial="pty", realtime=realtime) as emu:
            server = ControlServer(emu, control_path).start()
            try:
                echo(f"port: {emu.port}")
                echo(f"control: {server.path}")
                while not stop.wait(0.2):
                    if not emu.running:
                        raise PicodscError("the emulated board stopped")
            finally:
                server.close()
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def interactive(image, board, realtime=True, notes=(), emu=None):
    """The terminal UI on a running emulator (``emu``) or on a new one, its USB serial on a pty."""
    import sys

    from .terminal import TerminalUI

    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise PicodscError("interactive mode needs a terminal; use --keys/--screen or --serve")
    if emu is not None:
        TerminalUI(emu, title=f"picodsc {board}", notes=notes).run()
        return
    with _emulator(image, board, serial="pty", realtime=realtime) as emu:
        notes = [f"USB serial (mpremote connect ...): {emu.port}", *notes]
        TerminalUI(emu, title=f"picodsc {board}", notes=notes).run()


def demo(image, board, echo):
    """Default image, a demo token provisioned into a demo registry, then the interactive emulator."""
    import sys

    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise PicodscError("the demo is interactive: run it in a terminal")
    path = image_path(image)
    reg_dir = data_dir() / "demo"
    reg_path = reg_dir / "registry.sqlite3"
    echo(f"emulated token: flash image {path}")
    with _emulator(path, board, serial="pty", realtime=True) as emu:
        if "dsc.cfg" in emu.fs_ls("/"):
            serial = token_serial(path)
            echo(f"token {serial} is provisioned (demo PIN {DEMO_PIN} if the demo provisioned it)")
        else:
            serial = _demo_provision(emu, reg_dir, reg_path, echo)
        notes = [f"USB serial: {emu.port}"]
        if serial:
            cmd = _picodsc_command()
            reg = f"--registry {reg_path}"
            notes += [
                f"demo token {serial}, PIN {DEMO_PIN}. In another terminal: "
                f"{cmd} challenge --serial {serial} {reg}",
                "then here: p, the PIN, Enter, the challenge, Enter; check the response with:",
                f"{cmd} verify --serial {serial} {reg} --challenge C --response R",
            ]
        for line in notes[1:]:
            echo(line)
        interactive(path, board, notes=notes, emu=emu)
    for line in notes[1:]:
        echo(line)


def _picodsc_command():
    """How to run `picodsc` from another terminal: the venv's script unless it is on PATH."""
    import shutil
    import sys
    from pathlib import Path

    here = Path(sys.executable).parent / "picodsc"
    on_path = shutil.which("picodsc")
    if on_path and Path(on_path).resolve() == here.resolve():
        return "picodsc"
    return str(here) if here.exists() else "picodsc"


def _demo_provision(emu, reg_dir, reg_path, echo):
    from ..provision import provision
    from ..registry import Registry

    echo(f"provisioning a demo token into the demo registry {reg_path} ...")
    reg_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with Registry(reg_path, key_file=reg_dir / "picodsc.key") as registry:
        return provision(registry, emu.port, pin=DEMO_PIN, replace=True, log=echo)
