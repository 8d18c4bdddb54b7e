"""The online security code card files (web/cards.py): what is drawn and printed reads back exactly."""

import random
import sys
from pathlib import Path

import pytest
from picodsc.web import cards

sys.path.insert(0, str(Path(__file__).parents[1] / "browser"))
from card_reader import read_pdf, read_png  # noqa: E402

ALPHABET = "ACDEFHJKLMNPQRTUVWXY34679"  # unambiguous letters and digits, as the domain's cards use


def a_card(rows="ABCDEFGH", cols=10, code_len=3, seed=7):
    rng = random.Random(seed)
    cols = tuple(str(i) for i in range(1, cols + 1))
    cells = tuple(tuple("".join(rng.choice(ALPHABET) for _ in range(code_len)) for _ in cols) for _ in rows)
    return cards.Card(holder="alice", rows=tuple(rows), cols=cols, cells=cells)


@pytest.mark.parametrize("code_len", [2, 3, 4])
def test_png_reads_back_every_cell(code_len):
    card = a_card(code_len=code_len, seed=code_len)
    data = cards.png(card)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert read_png(data, card.rows, card.cols, code_len) == card.codes()
    assert png_chunks(data) <= {b"IHDR", b"IDAT", b"IEND"}  # the values are in the pixels only


def png_chunks(data):
    kinds, i = set(), 8
    while i < len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        kinds.add(data[i + 4:i + 8])
        i += 12 + length
    return kinds


def test_a_changed_cell_reads_differently():
    card = a_card()
    cells = [list(r) for r in card.cells]
    cells[2][5] = "QQQ" if cells[2][5] != "QQQ" else "AAA"
    other = cards.Card(card.holder, card.rows, card.cols, tuple(tuple(r) for r in cells))
    got = read_png(cards.png(other), card.rows, card.cols, 3)
    assert got["C6"] == cells[2][5] and got != card.codes()


def test_pdf_has_the_codes_as_text():
    card = a_card()
    data = cards.pdf(card)
    assert data.startswith(b"%PDF-")
    assert read_pdf(data, card.rows, card.cols) == card.codes()


def test_position_names_row_then_column():
    card = a_card()
    assert card.position(0, 0) == "A1" and card.position(7, 9) == "H10"
    assert card.codes()["B3"] == card.cells[1][2]
