"""The online security code card as a picture (PNG, Pillow) and as a printable page (PDF, fpdf2).

A card is a grid: column labels across the top, row labels down the side, one short upper-case code
per cell. A position is the row label followed by the column label (``"B3"``: row B, column 3),
the name the login page asks for. Rendering is deterministic, and the PNG draws every character of a
code in its own fixed slot (:func:`cell_box`, :func:`char_origin`), so a test can read the values back off the
picture by comparing each slot with :func:`glyph_tile` — the card's values are never written into
the file in any other form. The PDF has the codes as real text (Courier), so it prints sharp.
"""

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

FONT_SIZE = 28  # px, Pillow's bundled font (the same on every machine: no system fonts)
LABEL_SIZE = 22
SLOT_W = 30  # px per character of a code
PAD = 14  # px inside a cell around the code
LABEL_W = 56  # px of the row-label column
HEADER_H = 96  # px of the title block above the grid
COL_HEAD_H = 44  # px of the column-label row
ROW_H = FONT_SIZE + 2 * PAD
CHAR_TOP = 9  # px from a cell's top to a code's draw origin (the font's caps start 9 px lower)
MARGIN = 24
INK, PAPER, RULE, SHADE = 0, 255, 150, 235


@dataclass(frozen=True)
class Card:
    """What is drawn: ``cells[r][c]`` is the code at position ``rows[r] + cols[c]``."""

    holder: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    title: str = "Online Security Code Card"

    @property
    def code_len(self):
        return max((len(code) for row in self.cells for code in row), default=1)

    def position(self, r, c):
        return f"{self.rows[r]}{self.cols[c]}"

    def codes(self):
        """``{"B3": "K7Q", ...}``: every position and its code."""
        return {self.position(r, c): code for r, row in enumerate(self.cells) for c, code in enumerate(row)}


@lru_cache(maxsize=4)
def _font(size):
    return ImageFont.load_default(size)


def cell_w(card):
    return card.code_len * SLOT_W + 2 * PAD


def cell_box(card, r, c):
    """(left, top, right, bottom) of the cell of row ``r``, column ``c`` in the PNG."""
    left = MARGIN + LABEL_W + c * cell_w(card)
    top = MARGIN + HEADER_H + COL_HEAD_H + r * ROW_H
    return left, top, left + cell_w(card), top + ROW_H


def char_origin(card, r, c, i):
    """Where character ``i`` of the code in cell (r, c) is drawn (its slot's top-left)."""
    left, top, _, _ = cell_box(card, r, c)
    return left + PAD + i * SLOT_W, top + CHAR_TOP


def size(card):
    width = MARGIN * 2 + LABEL_W + len(card.cols) * cell_w(card)
    height = MARGIN * 2 + HEADER_H + COL_HEAD_H + len(card.rows) * ROW_H + 40
    return width, height


def _draw_char(draw, xy, ch):
    """One character centred in its slot (the same pixels wherever the slot is)."""
    font = _font(FONT_SIZE)
    left, _, right, _ = font.getbbox(ch)
    draw.text((xy[0] + (SLOT_W - (right - left)) // 2 - left, xy[1]), ch, fill=INK, font=font)


def glyph_tile(ch):
    """The slot-sized picture of ``ch`` exactly as the PNG draws it (for reading a card back)."""
    tile = Image.new("L", (SLOT_W, ROW_H - PAD), PAPER)
    _draw_char(ImageDraw.Draw(tile), (0, 0), ch)
    return tile


def image(card):
    """The card as a Pillow image (mode ``L``)."""
    img = Image.new("L", size(card), PAPER)
    d = ImageDraw.Draw(img)
    d.text((MARGIN, MARGIN), card.title, fill=INK, font=_font(LABEL_SIZE + 4))
    d.text((MARGIN, MARGIN + 38), f"User: {card.holder}", fill=INK, font=_font(LABEL_SIZE))
    label = _font(LABEL_SIZE)
    for c, name in enumerate(card.cols):
        left, _, right, _ = cell_box(card, 0, c)
        top = MARGIN + HEADER_H
        d.rectangle((left, top, right, top + COL_HEAD_H), fill=SHADE, outline=RULE)
        d.text(((left + right) // 2, top + COL_HEAD_H // 2), name, fill=INK, font=label, anchor="mm")
    for r, name in enumerate(card.rows):
        _, top, _, bottom = cell_box(card, r, 0)
        d.rectangle((MARGIN, top, MARGIN + LABEL_W, bottom), fill=SHADE, outline=RULE)
        d.text((MARGIN + LABEL_W // 2, (top + bottom) // 2), name, fill=INK, font=label, anchor="mm")
        for c, code in enumerate(card.cells[r]):
            d.rectangle(cell_box(card, r, c), outline=RULE)
            for i, ch in enumerate(code):
                _draw_char(d, char_origin(card, r, c, i), ch)
    note = "Login asks for two positions: type both codes one after the other, no spaces."
    d.text((MARGIN, size(card)[1] - MARGIN - 24), note, fill=INK, font=_font(16))
    return img


def png(card):
    """The card as PNG bytes."""
    out = io.BytesIO()
    image(card).save(out, "PNG", optimize=True)
    return out.getvalue()


def pdf(card):
    """The card as a one-page PDF (Letter), codes as text."""
    from fpdf import FPDF

    doc = FPDF(format="letter", unit="mm")
    doc.set_creator("picodsc")
    doc.set_title(card.title)
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, card.title, new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 11)
    doc.cell(0, 7, f"User: {card.holder}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    col_w = max(16.0, 4.5 * card.code_len + 6)
    row_h = 9
    doc.set_font("Courier", "B", 12)
    doc.set_fill_color(225, 225, 225)
    doc.cell(14, row_h, "", border=1, fill=True)
    for name in card.cols:
        doc.cell(col_w, row_h, name, border=1, align="C", fill=True)
    doc.ln(row_h)
    for r, name in enumerate(card.rows):
        doc.set_font("Courier", "B", 12)
        doc.cell(14, row_h, name, border=1, align="C", fill=True)
        doc.set_font("Courier", "", 13)
        for code in card.cells[r]:
            doc.cell(col_w, row_h, code, border=1, align="C")
        doc.ln(row_h)
    doc.ln(6)
    doc.set_font("Helvetica", "", 10)
    doc.multi_cell(
        0,
        5,
        "A position is the row letter followed by the column number (B3). Login asks for "
        "two positions: type both codes one after the other, without spaces. Keep this "
        "card as you would keep a password.",
    )
    return bytes(doc.output())
