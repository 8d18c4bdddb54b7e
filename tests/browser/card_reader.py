"""Reading an online security code card back from its PNG and its PDF, as a person would read them.

PNG: every character slot of every cell is compared pixel for pixel with the glyph of each candidate
character drawn alone (``cards.glyph_tile``); a slot that matches no glyph, or two, is an error.
PDF: the text layer (pypdf), one table row per line.
"""

import io
import string

from picodsc.web import cards
from PIL import Image, ImageChops

CANDIDATES = string.ascii_uppercase + string.digits


def read_png(data, rows, cols, code_len):
    """``{"A1": "K7Q", ...}`` read off the picture; ``rows``/``cols`` are the labels, in order."""
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    img = img.convert("L")
    layout = cards.Card(
        holder="",
        rows=tuple(rows),
        cols=tuple(cols),
        cells=tuple(tuple("X" * code_len for _ in cols) for _ in rows),
    )
    assert img.size == cards.size(layout), "the picture's size does not fit the grid"
    tiles = {ch: cards.glyph_tile(ch) for ch in CANDIDATES}
    out = {}
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            code = ""
            for i in range(code_len):
                x, y = cards.char_origin(layout, r, c, i)
                slot = img.crop((x, y, x + cards.SLOT_W, y + tiles["A"].height))
                hits = [
                    ch for ch, tile in tiles.items() if ImageChops.difference(slot, tile).getbbox() is None
                ]
                assert len(hits) == 1, f"cell {row}{col} slot {i}: {hits or 'no glyph'}"
                code += hits[0]
            out[f"{row}{col}"] = code
    return out


def read_pdf(data, rows, cols):
    """``{"A1": "K7Q", ...}`` from the PDF's text: a line per row, its label first."""
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    out = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) == len(cols) + 1 and words[0] in rows:
            for col, code in zip(cols, words[1:], strict=True):
                out[f"{words[0]}{col}"] = code
    return out
