"""What the emulated OLED shows: pixels, text decoded from the pixels, and PNG screenshots.

Text decoding (docs/DESIGN.md "Screen decoding"): the panel is read in 8-pixel bands. A band whose
16 cells (x multiples of 8) are all blank or exactly a glyph of framebuf's 8x8 font is a text line.
Otherwise the band and the next one are tried as big text (the same glyphs scaled x2, top at the
band): lit column runs are glyphs (split at blank columns), each downscaled and matched against the
font; a gap of 6 px or more reads as a space; the 16-px band gives ONE output line. Unknown glyphs
read as ``?``. Trailing spaces are stripped; empty lines inside the screen are kept (line numbers
follow the bands from the top), trailing empty lines are dropped, so a blank screen is ``[]``.

The font comes from rendering characters 32..126 with MicroPython's own framebuf (cached per process).
"""

import functools

from .. import upy

_FIRST, _LAST = 32, 126
_SPACE_GAP = 6


@functools.lru_cache(maxsize=1)
def font():
    """{char: 8 column bytes (bit y = row y)} of framebuf's built-in 8x8 font, rendered by MicroPython."""
    code = (
        "import framebuf\n"
        "b = bytearray(8)\n"
        "fb = framebuf.FrameBuffer(b, 8, 8, framebuf.MONO_VLSB)\n"
        f"for c in range({_FIRST}, {_LAST + 1}):\n"
        "    fb.fill(0)\n"
        "    fb.text(chr(c), 0, 0, 1)\n"
        "    print(b.hex())\n"
    )
    lines = upy.run(code, path=()).split()
    return {chr(_FIRST + i): bytes.fromhex(h) for i, h in enumerate(lines)}


@functools.lru_cache(maxsize=1)
def _cell_table():
    return {cols: ch for ch, cols in font().items() if ch != " "}


def _trim(cols):
    """Columns without the blank ones on either side."""
    lo, hi = 0, len(cols)
    while lo < hi and not cols[lo]:
        lo += 1
    while hi > lo and not cols[hi - 1]:
        hi -= 1
    return tuple(cols[lo:hi])


@functools.lru_cache(maxsize=1)
def _glyph_table():
    """{trimmed glyph columns: char} for matching downscaled big glyphs."""
    table = {}
    for ch, cols in font().items():
        t = _trim(list(cols))
        if t and t not in table:
            table[t] = ch
    return table


class Screen:
    """The panel image. ``pixels[y][x]`` is 1 where a pixel is lit.

    Attributes: ``width``, ``height``, ``on`` (display on), ``invert`` (controller inversion; the
    pixels are what the panel lights, inversion applied), ``pixels``.
    """

    def __init__(self, width, height, data, on=True, invert=False):
        """``data``: W*H/8 bytes, page-major like GDDRAM (byte ``(y//8)*W + x``, bit ``y%8``)."""
        if len(data) != width * height // 8:
            raise ValueError("screen data does not match its size")
        self.width = width
        self.height = height
        self.on = on
        self.invert = invert
        self.pixels = [[(data[(y >> 3) * width + x] >> (y & 7)) & 1 for x in range(width)]
                       for y in range(height)]

    def _ink(self):
        """Pixels with the controller's inversion undone (text is decoded as drawn)."""
        if self.invert and self.on:
            return [[1 - p for p in row] for row in self.pixels]
        return self.pixels

    def text(self):
        """Decoded text: a list of strings, one per 8-px band (a band of big text: one line)."""
        ink = self._ink()
        lines = []
        band = 0
        nbands = self.height // 8
        above_used = False
        while band < nbands:
            small = _decode_small(ink, band * 8, self.width)
            if "?" in small:
                big = _decode_big(ink, band * 8, self.width) if band + 1 < nbands else None
                if big is not None and "?" not in big:
                    lines.append(big)
                    band += 2
                    continue
                # big glyphs with a blank top half (e.g. "-") start in the blank band above
                if band > 0 and lines and lines[-1] == "" and not above_used:
                    big = _decode_big(ink, band * 8 - 8, self.width)
                    if big is not None and "?" not in big:
                        lines[-1] = big
                        band += 1
                        above_used = True
                        continue
            above_used = False
            lines.append(small)
            band += 1
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def __str__(self):
        return "\n".join(self.text())

    def ascii_art(self):
        """The pixels as '#'/'.' rows (for debugging failed tests)."""
        return "\n".join("".join("#" if p else "." for p in row) for row in self.pixels)

    def png(self, path, scale=None):
        """Write a screenshot (:func:`picodsc.emulator.render.write_png`); returns ``path``."""
        from .render import PNG_SCALE, write_png

        write_png(self, path, PNG_SCALE if scale is None else scale)
        return path

    # -- the wire format of the emulator's ``screen`` reply: ``W H ON INVERT HEX`` ------------------
    @classmethod
    def from_wire(cls, text):
        """A Screen from ``"W H ON INVERT HEX"`` (the panel's physical pixels, GDDRAM layout)."""
        try:
            w, h, on, inv, hexdata = text.split()
            return cls(int(w), int(h), bytes.fromhex(hexdata), on=on == "1", invert=inv == "1")
        except ValueError:
            raise ValueError(f"not a screen reply: {text[:40]!r}") from None

    def to_wire(self):
        """The inverse of :meth:`from_wire`."""
        data = _pack(self.pixels)
        return f"{self.width} {self.height} {int(self.on)} {int(self.invert)} {data.hex()}"

    @classmethod
    def from_pixels(cls, pixels, on=True):
        """A Screen from ``pixels[y][x]`` rows (e.g. decoded back from a terminal rendering)."""
        return cls(len(pixels[0]), len(pixels), _pack(pixels), on=on)


def _pack(pixels):
    """``pixels[y][x]`` -> GDDRAM bytes (byte ``(y//8)*W + x``, bit ``y%8``)."""
    w = len(pixels[0])
    data = bytearray(w * len(pixels) // 8)
    for y, row in enumerate(pixels):
        for x, p in enumerate(row):
            if p:
                data[(y >> 3) * w + x] |= 1 << (y & 7)
    return bytes(data)


def _column(ink, x, y0, rows=8, step=1):
    v = 0
    for i in range(rows):
        y = y0 + i * step
        if y < len(ink) and ink[y][x]:
            v |= 1 << i
    return v


def _decode_small(ink, y0, width):
    table = _cell_table()
    out = []
    for cx in range(0, width - 7, 8):
        cols = bytes(_column(ink, cx + i, y0) for i in range(8))
        if not any(cols):
            out.append(" ")
        else:
            out.append(table.get(cols, "?"))
    return "".join(out).rstrip()


def _decode_big(ink, y0, width):
    """Big (x2) text in the 16-px band at y0, or None if the band holds nothing."""
    # Downscaled column values: sample every other row; a column is lit if either pixel row pair is.
    cols = [_column(ink, x, y0, rows=8, step=2) | _column(ink, x, y0 + 1, rows=8, step=2)
            for x in range(width)]
    runs = []  # [start, end) of lit column runs
    x = 0
    while x < width:
        if cols[x]:
            s = x
            while x < width and cols[x]:
                x += 1
            runs.append([s, x])
        else:
            x += 1
    if not runs:
        return None
    table = _glyph_table()
    out = []
    prev_end = None
    i = 0
    while i < len(runs):
        s, e = runs[i]
        if prev_end is not None and s - prev_end >= _SPACE_GAP:
            out.append(" ")
        ch, used = None, 1
        # A glyph with an inner blank column (e.g. '"') spans several runs closer than a space.
        for n in (1, 2, 3):
            if i + n > len(runs):
                break
            if n > 1 and runs[i + n - 1][0] - runs[i + n - 2][1] >= _SPACE_GAP:
                break
            end = runs[i + n - 1][1]
            key = _trim([cols[x] for x in range(s, end, 2)])
            if key in table:
                ch, used = table[key], n
                break
        out.append(ch or "?")
        prev_end = runs[i + used - 1][1]
        i += used
    return "".join(out).rstrip()
