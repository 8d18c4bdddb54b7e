"""The control socket of ``picodsc emulate --serve``: its server and its client.

Control socket (``picodsc emulate --serve``): a Unix stream socket, mode 0600 in a private directory;
one request line, one reply line, any number of requests per connection:

    keys <script>   -> ok                       run a key script (picodsc.emulator.keys) on the token;
                                                keys it leaves held (HOLD:) stay down
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

from ..errors import PicodscError
from .keys import PRESS_MS, board_keys, parse_keys, run_keys
from .screen import Screen


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
                if cmd == "keys":  # checked whole before the first key is pressed
                    steps = parse_keys(arg, self._valid_keys())
                    run_keys(self.emu, steps, pace=getattr(self.emu, "realtime", False), release=False)
                    return "ok"
                if cmd == "screen":
                    return "ok " + self.emu.screen().to_wire()
                if cmd == "stats":
                    return "ok " + json.dumps(self.emu.stats())
        except PicodscError as e:
            return f"err {e}"
        return f"err unknown command {cmd!r}: use keys, screen or stats"

    def _valid_keys(self):
        board = getattr(self.emu, "board", None)
        return board_keys(board) if board is not None else None

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
    def press(self, key, hold_ms=PRESS_MS):
        self._pending.append(key if hold_ms == PRESS_MS else f"{key}:{int(hold_ms)}")

    def down(self, key):
        self._pending.append(f"HOLD:{key}")

    def up(self, key):
        self._pending.append(f"UP:{key}")

    def advance(self, ms):
        self._pending.append(f"WAIT:{int(ms)}")

    def flush(self):
        if self._pending:
            script, self._pending = " ".join(self._pending), []
            self._ask("keys " + script)

    def screen(self):
        """The served panel as a :class:`Screen`."""
        self.flush()
        return Screen.from_wire(self._ask("screen"))

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
