"""The OLED for humans: text-art renderings for a terminal, and PNG screenshots (the one PNG writer).

Every rendering draws the panel at true resolution, packing a block of pixels into one character cell:

    half     1x2 pixels per cell  ``▀ ▄ █``            128x64 -> 128 columns x 32 rows
    quarter  2x2 pixels per cell  ``▘ ▝ ▖ ▗ ▚ ▞ ...``   128x64 ->  64 columns x 32 rows
    braille  2x4 pixels per cell  U+2800..U+28FF       128x64 ->  64 columns x 16 rows

:func:`art` draws, :func:`pixels_from_art` reads a drawing back (tests decode a terminal's contents
with it). Everything takes a :class:`picodsc.emulator.screen.Screen`.
"""

import os

from ..errors import PicodscError
from .screen import Screen

# kind -> (pixels across, pixels down, cell bit positions (dx, dy) from bit 0 up)
KINDS = {
    "half": (1, 2, ((0, 0), (0, 1))),
    "quarter": (2, 2, ((0, 0), (1, 0), (0, 1), (1, 1))),
    "braille": (2, 4, ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3))),
}
BY_SIZE = ("half", "quarter", "braille")  # largest drawing first
_CHARS = {
    "half": " ▀▄█",
    "quarter": " ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█",
    "braille": " " + "".join(chr(0x2800 + v) for v in range(1, 256)),
}
_VALUES = {kind: {c: v for v, c in enumerate(chars)} for kind, chars in _CHARS.items()}

PNG_SCALE = 4
PNG_BORDER = 6  # display pixels of black glass around the active area
PNG_ON = (150, 215, 255)  # the blue-white of a typical SSD1306 panel
PNG_OFF = (8, 10, 14)


def lit_rows(screen: Screen) -> list[list[int]]:
    """Rows of 0/1 as the panel glows (all dark while the display is off)."""
    if not screen.on:
        return [[0] * screen.width for _ in range(screen.height)]
    return screen.pixels


def art_size(width: int, height: int, kind: str) -> tuple[int, int]:
    """(columns, rows) of the drawing of a ``width`` x ``height`` panel."""
    across, down, _ = KINDS[kind]
    return -(-width // across), -(-height // down)


def art(screen: Screen, kind: str = "half") -> list[str]:
    """The panel as text rows of one rendering ``kind`` (see the module docstring)."""
    across, down, bits = KINDS[kind]
    chars = _CHARS[kind]
    rows = lit_rows(screen)
    w, h = screen.width, screen.height
    out = []
    for y0 in range(0, h, down):
        line = []
        for x0 in range(0, w, across):
            v = 0
            for bit, (dx, dy) in enumerate(bits):
                x, y = x0 + dx, y0 + dy
                if x < w and y < h and rows[y][x]:
                    v |= 1 << bit
            line.append(chars[v])
        out.append("".join(line))
    return out


def pixels_from_art(lines: list[str], kind: str, width: int, height: int) -> list[list[int]]:
    """``pixels[y][x]`` read back from :func:`art` rows (ValueError on a character it never draws)."""
    across, down, bits = KINDS[kind]
    values = _VALUES[kind]
    pixels = [[0] * width for _ in range(height)]
    for r, line in enumerate(lines):
        for c, ch in enumerate(line):
            if ch not in values:
                raise ValueError(f"{ch!r} at row {r}, column {c} is not a {kind} drawing")
            v = values[ch]
            for bit, (dx, dy) in enumerate(bits):
                x, y = c * across + dx, r * down + dy
                if v >> bit & 1 and x < width and y < height:
                    pixels[y][x] = 1
    return pixels


def write_png(screen: Screen, path: str | os.PathLike, scale: int = PNG_SCALE,
              border: int = PNG_BORDER) -> None:
    """A screenshot of the panel: each pixel ``scale``x``scale``, ``border`` pixels of black glass."""
    from PIL import Image

    b = border
    img = Image.new("RGB", (screen.width + 2 * b, screen.height + 2 * b), PNG_OFF)
    px = img.load()
    for y, row in enumerate(lit_rows(screen)):
        for x, lit in enumerate(row):
            if lit:
                px[x + b, y + b] = PNG_ON
    img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    try:
        img.save(path, format="PNG")
    except OSError as e:
        raise PicodscError(f"cannot write {path}: {e.strerror or e}") from None
