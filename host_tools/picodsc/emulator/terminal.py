"""The interactive emulator in a terminal: the OLED drawn to fit the window, the board's keys on the keyboard.

The panel is drawn with the largest rendering of :mod:`picodsc.emulator.render` that fits the terminal
(half blocks, then quarter blocks, then braille: 128x64 pixels in 64x16 cells fits 80x24), redrawn
when the window is resized (SIGWINCH); a window too small for even braille gets one plain sentence.
Notes (the USB port, the demo's instructions) go beside the panel or under it when there is room,
and always on a page of their own (``?``).
"""

import os
import select
import signal
import sys
import textwrap
import time

from ..errors import PicodscError
from .keys import KEY_NAMES, actions
from .render import BY_SIZE, art, art_size

WIPE_CHORD = ("hold", ("DEL", "PRESS"), 3500)  # the README's factory reset: DEL + PRESS held 3 s
QUIT_BYTES = (ord("q"), ord("Q"), 0x03, 0x04)
NOTES_BYTE = ord("?")
WIPE_BYTES = (ord("w"), ord("W"))
# Terminal byte -> keypad key name, whatever the board: Enter, Backspace, p.
BASE_KEYMAP = {0x0D: "OK", 0x0A: "OK", 0x7F: "DEL", 0x08: "DEL", ord("p"): "PRESS", ord("P"): "PRESS"}
_RESERVED = set(QUIT_BYTES) | set(WIPE_BYTES) | {NOTES_BYTE} | set(BASE_KEYMAP)
_MIN_SIDE = 30  # columns beside the panel worth putting notes in


def keymap(keys=KEY_NAMES):
    """Terminal byte -> key name for a board's ``keys`` (:func:`picodsc.emulator.keys.board_keys`): the
    digits and every one-character legend (``*``, ``#``, ``A``... typed in either case)."""
    out = dict(BASE_KEYMAP)
    for k in keys:
        if len(k) == 1:
            for c in {k, k.lower()}:
                if ord(c) not in _RESERVED:
                    out[ord(c)] = k
    return out


def legend(keys=KEY_NAMES, notes=False):
    """The key help as separate items (wrapped to the window by the UI), e.g. ``0-9 # * A-D``."""
    extra = [k for k in keys if len(k) == 1 and not k.isdigit()]
    letters = [k for k in extra if k.isalpha()]
    if len(letters) >= 3 and [ord(k) for k in letters] == list(range(ord(letters[0]), ord(letters[-1]) + 1)):
        extra = [k for k in extra if not k.isalpha()] + [f"{letters[0]}-{letters[-1]}"]
    items = [" ".join(["0-9", *extra]), "Enter OK", "Backspace DEL", "p PRESS", "w factory reset"]
    return items + (["? notes"] if notes else []) + ["q quit"]


def boxed(lines, title=""):
    """Lines framed with a box; the title goes in the top edge."""
    width = max((len(s) for s in lines), default=0)
    top = ("─ " + title + " ") if title else ""
    top = top[:width]
    out = ["┌" + top + "─" * (width - len(top)) + "┐"]
    out += ["│" + s.ljust(width) + "│" for s in lines]
    out.append("└" + "─" * width + "┘")
    return out


def wrap_items(items, width, sep="  "):
    """Items joined with ``sep`` into lines of at most ``width`` (an item is never split unless too long)."""
    lines, cur = [], ""
    for item in items:
        cand = cur + sep + item if cur else item
        if len(cand) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        cur = item
        while len(cur) > width:
            lines.append(cur[:width])
            cur = cur[width:]
    return lines + ([cur] if cur else [])


def wrap_notes(notes, width):
    return [ln for note in notes for ln in (textwrap.wrap(note, width, break_on_hyphens=False) or [""])]


def layout(screen, cols, rows, title="", bottom_items=(), status="", notes=()):
    """Everything the UI shows in a ``cols`` x ``rows`` window, one string per row; ``(lines, kind)``
    with ``kind`` the rendering used (None: the window is too small)."""
    bottom = wrap_items(bottom_items, cols) + [status[:cols]]
    for kind in BY_SIZE:
        aw, ah = art_size(screen.width, screen.height, kind)
        fw, fh = aw + 2, ah + 2
        if fw <= cols and fh + len(bottom) <= rows:
            break
    else:
        aw, ah = art_size(screen.width, screen.height, BY_SIZE[-1])
        need = (aw + 2, ah + 2 + len(wrap_items(bottom_items, aw + 2)) + 1)
        text = (f"This terminal is {cols}x{rows}: too small to show the token, which needs at least "
                f"{need[0]}x{need[1]}. Enlarge the window (q quits).")
        return textwrap.wrap(text, max(cols, 1))[:max(rows, 1)], None
    frame = boxed(art(screen, kind), title)
    side_w = cols - fw - 2
    side = wrap_notes(notes, side_w) if side_w >= _MIN_SIDE else None
    if side is not None and len(side) <= fh:
        frame = [f + "  " + s if s else f for f, s in zip(frame, side + [""] * (fh - len(side)), strict=True)]
        notes_below = []
    else:
        notes_below = wrap_notes(notes, cols)
        room = rows - fh - len(bottom)
        if len(notes_below) > room:
            notes_below = notes_below[: max(room - 1, 0)] + (["(? shows all the notes)"] if room else [])
    return frame + bottom[:-1] + notes_below + bottom[-1:], kind


class TerminalUI:
    """The interactive emulator: draws the OLED, maps keys to the keypad, ``q`` quits.

    ``emu`` has ``press(key, ms)``, ``down``, ``up`` and ``screen()`` (an Emulator or a RemoteEmulator);
    ``keys``: the board's key names (the legends typed on the keyboard); ``notes`` are extra lines
    (e.g. the USB port, the demo PIN).
    """

    def __init__(self, emu, title="picodsc", notes=(), keys=KEY_NAMES, stdin=None, stdout=None, poll_s=0.05,
                 pace_s=0.15, clock=time.monotonic):
        self.emu = emu
        self.clock = clock
        # Keys typed faster than a finger presses them are queued: in realtime a press holds the key
        # 100 ms, and the same key pressed again while still held would be lost.
        self.pace_s = pace_s
        self._queue = []  # (method, args, seconds after, status text)
        self._next_at = 0.0
        self.title = title
        self.notes = list(notes)
        self.keymap = keymap(keys)
        self.legend = legend(keys, notes=bool(self.notes))
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        self.poll_s = poll_s
        self.status = ""
        self.show_notes = False
        self._drawn = None

    def status_line(self, screen):
        """The last key and a hint about p; or what a key in progress (the wipe hold) is doing."""
        if self.status and not self.status.startswith("last key"):
            return self.status
        hint = ("the token is off: press p until PIN> shows" if not screen.on
                else "p switches the token off")
        return f"{self.status}   ({hint})" if self.status else hint

    def lines(self, screen, cols=None, rows=None):
        """What the UI shows for ``screen`` in a ``cols`` x ``rows`` window (default: the terminal's)."""
        if cols is None:
            cols, rows = terminal_size(self.stdout)
        if self.show_notes:
            page = wrap_notes(["Notes (? returns to the token):", *self.notes], cols)
            return page[:rows]
        return layout(screen, cols, rows, self.title, self.legend, self.status_line(screen), self.notes)[0]

    def draw(self, force=False):
        cols, rows = terminal_size(self.stdout)
        text = self.lines(self.emu.screen(), cols, rows)
        if (text, cols, rows) == self._drawn and not force:
            return
        resized = force or (self._drawn is not None and self._drawn[1:] != (cols, rows))
        self._drawn = (text, cols, rows)
        out = ["\x1b[2J\x1b[H" if resized else "\x1b[H", "\x1b[K\r\n".join(text), "\x1b[K\x1b[J"]
        self.stdout.write("".join(out))
        self.stdout.flush()

    def handle(self, data):
        """Feed terminal bytes; returns False when the user quits."""
        i = 0
        while i < len(data):
            c = data[i]
            i += 1
            if c == 0x1B:  # an escape sequence (arrows, function keys): skip it whole
                if i < len(data) and data[i] in b"[O":
                    i += 1
                    while i < len(data) and not 0x40 <= data[i] <= 0x7E:
                        i += 1
                    i += 1
                continue
            if c in QUIT_BYTES:
                return False
            if c == NOTES_BYTE:
                self.show_notes = not self.show_notes
            elif c in WIPE_BYTES:
                self.queue(WIPE_CHORD, "holding DEL+PRESS for 3.5 s (factory reset)",
                           "factory reset: Enter wipes the token, any other key keeps it")
            elif c in self.keymap:
                self.queue(("press", self.keymap[c]))
        self.pump()
        return True

    def queue(self, step, status=None, done=None):
        """Queue a key step (:mod:`picodsc.emulator.keys`); the status line says what it does
        (``status``; ``done`` once its last action ran)."""
        steps = actions(step, self.pace_s)
        for n, (method, args, seconds) in enumerate(steps):
            if status:
                text = done if done and n == len(steps) - 1 else status
            else:
                text = f"last key: {args[0]}" if method == "press" else None
            self._queue.append((method, args, seconds, text))

    def pump(self):
        """Run the queued key actions that are due; returns seconds until the next one (or None)."""
        while self._queue:
            now = self.clock()
            if now < self._next_at:
                return self._next_at - now
            method, args, seconds, text = self._queue.pop(0)
            if text:
                self.status = text
            getattr(self.emu, method)(*args)
            self._next_at = self.clock() + seconds
            self.draw()
        return None

    def run(self):
        import termios
        import tty

        fd = self.stdin.fileno()
        if not os.isatty(fd):
            raise PicodscError("interactive mode needs a terminal; use --keys/--screen or --serve")
        saved = termios.tcgetattr(fd)
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        old_wakeup = signal.set_wakeup_fd(wake_w)  # SIGWINCH wakes the select below: redraw at once
        old_winch = signal.signal(signal.SIGWINCH, lambda signum, frame: None)
        self.stdout.write("\x1b[?1049h\x1b[?25l\x1b[2J")  # alternate screen, hide the cursor
        try:
            tty.setraw(fd)
            self.draw(force=True)
            while True:
                wait = self.pump()
                ready = select.select([fd, wake_r], [], [], min(self.poll_s, wait or self.poll_s))[0]
                if wake_r in ready:
                    os.read(wake_r, 512)
                if fd in ready:
                    data = os.read(fd, 64)
                    if not data or not self.handle(data):
                        break
                self.draw()
        finally:
            signal.signal(signal.SIGWINCH, old_winch)
            signal.set_wakeup_fd(old_wakeup)
            os.close(wake_r)
            os.close(wake_w)
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            self.stdout.write("\x1b[?25h\x1b[?1049l")
            self.stdout.flush()


def terminal_size(stream):
    """(columns, rows) of the terminal behind ``stream`` (a large window when it is not a terminal)."""
    try:
        size = os.get_terminal_size(stream.fileno())
        return size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        return 1000, 1000
