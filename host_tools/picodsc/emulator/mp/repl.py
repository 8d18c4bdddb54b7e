"""The USB REPL of the emulated Pico (runs inside MicroPython).

Behaves like MicroPython's shared/runtime/pyexec.c on the rp2 port, as far as mpremote and a human
at a terminal can tell:

- friendly REPL: banner, ``>>> `` prompt with echo, backspace, history (up/down), ``... ``
  continuation (brackets, quotes, backslash, compound statements until an empty line), Ctrl-E
  paste mode, Ctrl-A raw REPL, Ctrl-B banner, Ctrl-C cancels, Ctrl-D soft reset;
- raw REPL: ``raw REPL; CTRL-B to exit\\r\\n>``, code until Ctrl-D, ``OK``, output, ``\\x04``,
  traceback, ``\\x04``, ``>``; Ctrl-D on an empty buffer soft-resets; Ctrl-B back to friendly;
  raw-paste mode (``\\x05A\\x01``) with flow control, which mpremote uses when offered.

``run(board, mode) -> (action, mode)``: ``board.serial_read(None) -> bytes`` (waits for input;
empty results are retried) and ``board.serial_write(bytes)``. The only action returned is
``"soft"`` (Ctrl-D soft reset); the caller prints ``MPY: soft reboot`` and calls ``run`` again
with the returned mode.
Exceptions that are not ``Exception``/``KeyboardInterrupt``/``SystemExit`` (``machine.reset()``'s
HardReset) propagate out of ``run``.
"""

import io
import sys

from micropython import const

_CTRL_A = const(1)
_CTRL_B = const(2)
_CTRL_C = const(3)
_CTRL_D = const(4)
_CTRL_E = const(5)
_BS = const(8)
_CR = const(13)
_LF = const(10)
_ESC = const(27)
_DEL = const(127)

# Raw-paste flow-control window: half of a 256-byte stdin buffer, like the ports' default.
_WINDOW = const(128)
_HISTORY = const(8)

_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
_COMPOUND = ("if", "try", "while", "for", "with", "def", "class", "async")


def _banner():
    v = sys.implementation.version
    # sys.version ends with "on <build date>" on every port.
    date = sys.version.rsplit(" on ", 1)[-1] if " on " in sys.version else "2026-01-01"
    return (
        "MicroPython v%d.%d.%d on %s; Raspberry Pi Pico (picodsc emulator) with RP2040\r\n"
        'Type "help()" for more information.\r\n' % (v[0], v[1], v[2], date)
    ).encode()


def continues(src):
    """True if the friendly REPL must read another line (mp_repl_continue_with_input)."""
    if not src:
        return False
    first = src.split("\n", 1)[0]
    word = first.split(None, 1)[0] if first.split() else ""
    word = word.split(":", 1)[0].split("(", 1)[0]
    compound = first.startswith("@") or word in _COMPOUND
    depth = 0
    quote = None  # "'", '"', "'''" or '"""'
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if quote:
            if c == "\\":
                i += 1
            elif src.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif c == "#":
            while i < n and src[i] != "\n":
                i += 1
            continue
        elif c in "'\"":
            quote = c * 3 if src.startswith(c * 3, i) else c
            i += len(quote) - 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "\n" and len(quote or "") == 1:
            quote = None
        i += 1
    if quote and len(quote) == 3:
        return True
    if depth > 0 or quote:
        return True
    if src.endswith("\\"):
        return True
    return compound and not src.endswith("\n")


class _Repl:
    def __init__(self, board, g):
        self._board = board
        self._g = g
        self._buf = b""
        self._pos = 0
        self._history = []
        self._skip_lf = False

    # --- serial -----------------------------------------------------------------------------
    def _getc(self):
        while self._pos >= len(self._buf):
            self._buf = self._board.serial_read(None) or b""
            self._pos = 0
        c = self._buf[self._pos]
        self._pos += 1
        return c

    def _write(self, b):
        self._board.serial_write(b)

    # --- executing ----------------------------------------------------------------------------
    def _traceback(self, e):
        out = io.StringIO()
        sys.print_exception(e, out)
        # Drop this module's own frame: a board's traceback starts at the user's code.
        lines = [ln for ln in out.getvalue().split("\n") if not ln.endswith(", in _execute")]
        self._write("\r\n".join(lines).encode())

    def _execute(self, src, kind, eof):
        """Compile and run ``src``; ``eof`` frames output and error with \\x04 (raw REPL)."""
        try:
            exec(compile(src, "<stdin>", kind), self._g)
            err = None
        except SystemExit:
            err = None  # sys.exit() at the REPL: ignored, as pyexec_system_exit is 0 there
        except (Exception, KeyboardInterrupt) as e:
            err = e
        if eof:
            self._write(b"\x04")
        if err is not None:
            self._traceback(err)
        if eof:
            self._write(b"\x04")

    # --- friendly REPL ------------------------------------------------------------------------
    def _readline(self, prompt):
        """Read one edited line: (0, bytes) on Enter, (CTRL_x, bytes) for a control key."""
        self._write(prompt)
        line = bytearray()
        hist = len(self._history)
        while True:
            c = self._getc()
            if c == _LF and self._skip_lf:
                self._skip_lf = False
                continue
            self._skip_lf = c == _CR
            if c == _CR or c == _LF:
                self._write(b"\r\n")
                if line and (not self._history or self._history[-1] != line):
                    self._history.append(bytes(line))
                    del self._history[:-_HISTORY]
                return 0, bytes(line)
            if c == _CTRL_C:
                return c, bytes(line)
            if c in (_CTRL_A, _CTRL_B, _CTRL_D, _CTRL_E):
                if not line:
                    return c, b""
            elif c == _BS or c == _DEL:
                if line:
                    line = line[:-1]  # bytearray has no pop() or item deletion in MicroPython
                    self._write(b"\x08 \x08")
            elif c == _ESC:
                step = self._escape()
                if step and self._history:
                    hist = min(max(hist + step, 0), len(self._history))
                    new = self._history[hist] if hist < len(self._history) else b""
                    self._write(b"\x08 \x08" * len(line) + new)
                    line = bytearray(new)
            elif c >= 32:
                line.append(c)
                self._write(bytes((c,)))

    def _escape(self):
        """Swallow an ANSI escape sequence; -1 for up, +1 for down, 0 for anything else."""
        c = self._getc()
        if c != ord("[") and c != ord("O"):
            return 0
        while True:
            c = self._getc()
            if 0x40 <= c <= 0x7E:
                return -1 if c == ord("A") else 1 if c == ord("B") else 0

    def _paste(self):
        self._write(b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ")
        src = bytearray()
        while True:
            c = self._getc()
            if c == _CTRL_C:
                self._write(b"\r\n")
                return
            if c == _CTRL_D:
                self._write(b"\r\n")
                self._execute(bytes(src), "exec", False)
                return
            src.append(c)
            if c == _CR:
                src[-1] = _LF
                self._write(b"\r\n=== ")
            elif c != _LF:
                self._write(bytes((c,)))

    def friendly(self):
        """The friendly REPL; returns "raw" (Ctrl-A) or "soft" (Ctrl-D)."""
        self._write(_banner())
        while True:
            code, line = self._readline(b">>> ")
            if code == _CTRL_A:
                self._write(b"\r\n")
                return "raw"
            if code == _CTRL_B:
                self._write(b"\r\n")
                self._write(_banner())
                continue
            if code == _CTRL_C:
                self._write(b"\r\nKeyboardInterrupt\r\n")
                continue
            if code == _CTRL_D:
                self._write(b"\r\n")
                return "soft"
            if code == _CTRL_E:
                self._paste()
                continue
            if not line:
                continue
            src = self._text(line)
            while src is not None and continues(src):
                code, more = self._readline(b"... ")
                if code == _CTRL_C:
                    self._write(b"\r\n")
                    src = None
                elif code == _CTRL_D:
                    self._write(b"\r\n")
                    break
                else:
                    more = self._text(more)
                    src = None if more is None else src + "\n" + more
            if src is not None:
                self._execute(src, "single", False)

    def _text(self, line):
        """The typed bytes as text, or None (after saying so) if they are not UTF-8."""
        try:
            return line.decode()
        except UnicodeError:
            self._write(b"UnicodeError: input is not UTF-8\r\n")
            return None

    # --- raw REPL -----------------------------------------------------------------------------
    def _raw_paste(self):
        """Raw-paste mode: read the code with flow control, ack the end, then run it."""
        self._write(b"R\x01" + bytes((_WINDOW & 0xFF, _WINDOW >> 8, 1)))
        src = bytearray()
        remain = _WINDOW
        while True:
            c = self._getc()
            if c == _CTRL_D or c == _CTRL_C:
                self._write(b"\x04")  # end of data, acknowledged to the host
                break
            src.append(c)
            remain -= 1
            if remain == 0:
                self._write(b"\x01")  # another window may be sent
                remain = _WINDOW
        if c == _CTRL_C:
            # The device would raise KeyboardInterrupt while reading: report it like a failed run.
            self._write(b"\x04")
            self._traceback(KeyboardInterrupt())
            self._write(b"\x04")
            return
        self._execute(bytes(src), "exec", True)

    def raw(self):
        """The raw REPL; returns "friendly" (Ctrl-B) or "soft" (Ctrl-D on an empty buffer)."""
        self._write(_RAW_BANNER)
        line = bytearray()
        self._write(b">")
        while True:
            c = self._getc()
            if c == _CTRL_A:
                if len(line) == 2 and line[0] == _CTRL_E:
                    if line[1] == ord("A"):
                        self._raw_paste()
                    else:
                        self._write(b"R\x00")  # understood, unsupported variant
                    line = bytearray()
                    self._write(b">")
                    continue
                line = bytearray()
                self._write(_RAW_BANNER + b">")
            elif c == _CTRL_B:
                self._write(b"\r\n")
                return "friendly"
            elif c == _CTRL_C:
                line = bytearray()
            elif c == _CTRL_D:
                self._write(b"OK")
                if not line:
                    self._write(b"\r\n")
                    return "soft"
                self._execute(bytes(line), "exec", True)
                line = bytearray()
                self._write(b">")
            else:
                line.append(c)


def run(board, mode="friendly"):
    """Serve the REPL until a soft reset: returns ("soft", mode to come back in).

    The __main__ namespace lives as long as this call: any reset (soft, or machine.reset() raised
    through here) starts the next REPL with a fresh one, as a rebooted VM would.
    """
    repl = _Repl(board, {"__name__": "__main__"})
    while True:
        if mode == "raw":
            nxt = repl.raw()
        else:
            nxt = repl.friendly()
        if nxt == "soft":
            return "soft", mode
        mode = nxt
