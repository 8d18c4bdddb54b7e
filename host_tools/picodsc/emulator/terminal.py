"""The OLED for humans: half-block text art, PNG screenshots and the interactive terminal UI.

Everything here takes a :class:`picodsc.emulator.screen.Screen` (``pixels[y][x]`` as the panel lights
them, ``on``). Half-block art draws two pixel rows per text row with ``▀ ▄ █``, at true resolution.
"""

import os
import select
import sys
import time

from ..errors import PicodscError

LEGEND = "keys: 0-9 digits   Enter OK   Backspace DEL   p PRESS   q quit"
# Terminal byte -> keypad key name.
KEYMAP = {ord(d): d for d in "0123456789"}
KEYMAP.update({0x0D: "OK", 0x0A: "OK", 0x7F: "DEL", 0x08: "DEL", ord("p"): "PRESS", ord("P"): "PRESS"})
QUIT_BYTES = (ord("q"), ord("Q"), 0x03, 0x04)

_HALF = {(0, 0): " ", (1, 0): "▀", (0, 1): "▄", (1, 1): "█"}
PNG_SCALE = 4
PNG_BORDER = 6  # display pixels of black glass around the active area
PNG_ON = (150, 215, 255)  # the blue-white of a typical SSD1306 panel
PNG_OFF = (8, 10, 14)


def _lit_rows(screen):
    """Rows of 0/1 as the panel glows (all dark while the display is off)."""
    if not screen.on:
        return [[0] * screen.width for _ in range(screen.height)]
    return screen.pixels


def halfblock_lines(screen):
    """The panel as ``height / 2`` strings of ``width`` characters."""
    rows = _lit_rows(screen)
    return ["".join(_HALF[top, bottom] for top, bottom in zip(rows[y], rows[y + 1], strict=True))
            for y in range(0, screen.height, 2)]


def write_png(screen, path, scale=PNG_SCALE):
    """A screenshot of the panel: each pixel ``scale``×``scale``, black glass around it."""
    from PIL import Image

    b = PNG_BORDER
    img = Image.new("RGB", (screen.width + 2 * b, screen.height + 2 * b), PNG_OFF)
    px = img.load()
    for y, row in enumerate(_lit_rows(screen)):
        for x, lit in enumerate(row):
            if lit:
                px[x + b, y + b] = PNG_ON
    img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    try:
        img.save(path, format="PNG")
    except OSError as e:
        raise PicodscError(f"cannot write {path}: {e.strerror or e}") from None


def boxed(lines, title=""):
    """Lines framed with a box; the title goes in the top edge."""
    width = max((len(s) for s in lines), default=0)
    top = ("─ " + title + " ") if title else ""
    top = top[:width]
    out = ["┌" + top + "─" * (width - len(top)) + "┐"]
    out += ["│" + s.ljust(width) + "│" for s in lines]
    out.append("└" + "─" * width + "┘")
    return out


class TerminalUI:
    """The interactive emulator: draws the OLED, maps keys to the keypad, ``q`` quits.

    ``emu`` has ``press(key)`` and ``screen()`` (an Emulator or a RemoteEmulator); ``notes`` are extra
    lines shown under the legend (e.g. the USB port, the demo PIN).
    """

    def __init__(self, emu, title="picodsc", notes=(), stdin=None, stdout=None, poll_s=0.05, pace_s=0.15):
        self.emu = emu
        # Keys typed faster than a finger presses them are queued: in realtime a press holds the key
        # 100 ms, and the same key pressed again while still held would be lost.
        self.pace_s = pace_s
        self._queue = []
        self._next_at = 0.0
        self.title = title
        self.notes = list(notes)
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        self.poll_s = poll_s
        self.status = ""
        self._drawn = None

    def lines(self, screen):
        """Everything the UI shows for ``screen``, one string per terminal row."""
        out = boxed(halfblock_lines(screen), self.title)
        out.append(LEGEND)
        out += self.notes
        out.append(self.status + ("" if screen.on else "   (display off)"))
        return out

    def draw(self, force=False):
        text = self.lines(self.emu.screen())
        cols, rows = _terminal_size(self.stdout)
        if (text, cols, rows) == self._drawn and not force:
            return
        resized = self._drawn is not None and self._drawn[1:] != (cols, rows)
        self._drawn = (text, cols, rows)
        out = ["\x1b[2J\x1b[H" if resized else "\x1b[H"]
        if cols < len(text[0]) or rows < len(text):
            out.append(f"terminal too small: need {len(text[0])}x{len(text)}, have {cols}x{rows}\x1b[K\r\n")
        out += [ln + "\x1b[K\r\n" for ln in text]
        out.append("\x1b[J")
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
            key = KEYMAP.get(c)
            if key:
                self._queue.append(key)
        self.pump()
        return True

    def pump(self):
        """Press the queued keys that are due; returns seconds until the next one (or None)."""
        while self._queue:
            now = time.monotonic()
            if now < self._next_at:
                return self._next_at - now
            key = self._queue.pop(0)
            self.status = f"last key: {key}"
            self.emu.press(key)
            self._next_at = time.monotonic() + self.pace_s
            self.draw()
        return None

    def run(self):
        import termios
        import tty

        fd = self.stdin.fileno()
        if not os.isatty(fd):
            raise PicodscError("interactive mode needs a terminal; use --keys/--screen or --serve")
        saved = termios.tcgetattr(fd)
        self.stdout.write("\x1b[?1049h\x1b[?25l\x1b[2J")  # alternate screen, hide the cursor
        try:
            tty.setraw(fd)
            self.draw(force=True)
            while True:
                wait = self.pump()
                ready = select.select([fd], [], [], min(self.poll_s, wait or self.poll_s))[0]
                if ready:
                    data = os.read(fd, 64)
                    if not data or not self.handle(data):
                        break
                self.draw()
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            self.stdout.write("\x1b[?25h\x1b[?1049l")
            self.stdout.flush()


def _terminal_size(stream):
    try:
        size = os.get_terminal_size(stream.fileno())
        return size.columns, size.lines
    except (OSError, ValueError, AttributeError):
        return 1000, 1000
