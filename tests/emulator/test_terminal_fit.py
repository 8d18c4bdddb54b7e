"""The token in a person's terminal: the rendering picked by window size, read back pixel for pixel; the
too-small sentence; notes beside, below or on their own page; the board's legends and the wipe key.
No terminal needed: everything renders to a given size."""

import random

import pytest
from emulator_helpers import KeyRecorder
from picodsc.emulator.keys import board_keys
from picodsc.emulator.render import BY_SIZE, art, art_size, pixels_from_art
from picodsc.emulator.screen import Screen, font
from picodsc.emulator.terminal import TerminalUI, keymap, layout, legend
from support.token import BIG, SMALL, Clock

TITLE = "picodsc pico_4x4_128x64"


def text_screen(lines, width=128, height=64):
    """A panel with ``lines`` drawn in framebuf's 8x8 font, as the firmware's display does."""
    pixels = [[0] * width for _ in range(height)]
    glyphs = font()
    for row, text in enumerate(lines):
        for col, ch in enumerate(text):
            for dx, bits in enumerate(glyphs[ch]):
                for dy in range(8):
                    if bits >> dy & 1:
                        pixels[row * 8 + dy][col * 8 + dx] = 1
    return Screen.from_pixels(pixels)


def ui_lines(screen, cols, rows, notes=(), board=BIG, status="last key: 2"):
    ui = TerminalUI(emu=None, title=TITLE, notes=notes, keys=board_keys(board))
    ui.status = status
    return ui.lines(screen, cols, rows)


def frame_art(lines, kind, screen):
    """The drawing inside the box of a UI frame (the box's top-left corner is on row 0)."""
    cols, rows = art_size(screen.width, screen.height, kind)
    return [ln[1:1 + cols] for ln in lines[1:1 + rows]]


@pytest.mark.parametrize("kind", BY_SIZE)
@pytest.mark.parametrize("height", [64, 32])
def test_every_rendering_reads_back_pixel_for_pixel(kind, height):
    rnd = random.Random(height)
    pixels = [[rnd.randint(0, 1) for _ in range(128)] for _ in range(height)]
    screen = Screen.from_pixels(pixels)
    drawing = art(screen, kind)
    assert (len(drawing[0]), len(drawing)) == art_size(128, height, kind)
    assert pixels_from_art(drawing, kind, 128, height) == pixels


def test_the_sizes_of_the_renderings():
    assert [art_size(128, 64, k) for k in BY_SIZE] == [(128, 32), (64, 32), (64, 16)]
    dots = Screen.from_pixels([[1, 0], [0, 1], [1, 1]] + [[0, 0]] * 5)  # 2x8 pixels
    assert art(dots, "braille") == [chr(0x2800 + 0b110101), " "]  # dots 1, 3, 5, 6 of the first cell
    assert art(dots, "quarter") == ["▚", "▀", " ", " "]


@pytest.mark.parametrize("board,cols,rows,kind", [
    (BIG, 140, 40, "half"),
    (BIG, 130, 36, "half"),
    (BIG, 129, 40, "quarter"),
    (BIG, 120, 40, "quarter"),
    (BIG, 80, 24, "braille"),
    (BIG, 66, 21, "braille"),
    (BIG, 65, 40, None),
    (BIG, 80, 20, "braille"),
    (BIG, 80, 19, None),
    (SMALL, 80, 24, "quarter"),
    (SMALL, 130, 20, "half"),
    (SMALL, 66, 13, "braille"),
])
def test_the_largest_rendering_that_fits_is_picked(board, cols, rows, kind):
    height = 64 if board == BIG else 32
    screen = text_screen(["PIN>*2"], height=height)
    lines, picked = layout(screen, cols, rows, TITLE, legend(board_keys(board)), "last key: 2")
    assert picked == kind
    assert len(lines) <= rows and all(len(ln) <= cols for ln in lines)


@pytest.mark.parametrize("cols,rows,kind", [(80, 24, "braille"), (120, 40, "quarter"), (140, 40, "half")])
def test_the_token_is_readable_in_the_window(cols, rows, kind):
    screen = text_screen(["PIN>*2", "", "", "", "", "", "", "NEED 4 DIGITS"])
    lines = ui_lines(screen, cols, rows, notes=["USB serial (mpremote connect ...): /dev/pts/7"])
    assert len(lines) <= rows and all(len(ln) <= cols for ln in lines)
    pixels = pixels_from_art(frame_art(lines, kind, screen), kind, 128, 64)
    assert Screen.from_pixels(pixels).text() == ["PIN>*2", "", "", "", "", "", "", "NEED 4 DIGITS"]
    assert lines[0].startswith("┌─ picodsc pico_4x4_128x64 ─")
    assert "USB serial (mpremote connect ...): /dev/pts/7" in "\n".join(lines)
    assert lines[-1] == "last key: 2   (p switches the token off)"


def test_80x24_in_full():
    lines = ui_lines(text_screen(["PIN>*2"]), 80, 24, notes=["USB serial: /dev/pts/7"])
    assert lines[18:] == [
        "0-9 # * A-D  Enter OK  Backspace DEL  p PRESS  w factory reset  ? notes  q quit",
        "USB serial: /dev/pts/7",
        "last key: 2   (p switches the token off)",
    ]
    assert lines[17] == "└" + "─" * 64 + "┘"


def test_a_window_too_small_gets_one_plain_sentence():
    assert ui_lines(text_screen(["PIN>"]), 50, 12) == [
        "This terminal is 50x12: too small to show the",
        "token, which needs at least 66x21. Enlarge the",
        "window (q quits).",
    ]
    assert ui_lines(text_screen(["PIN>"]), 10, 1) == ["This"]


def test_the_hint_says_p_switches_the_token_on_and_off():
    off = Screen.from_pixels([[0] * 128 for _ in range(64)])
    off.on = False
    assert ui_lines(off, 80, 24, status="")[-1] == "the token is off: press p until PIN> shows"
    assert ui_lines(text_screen(["12345678"]), 80, 24)[-1] == "last key: 2   (p switches the token off)"


def test_notes_go_beside_below_or_on_their_own_page():
    notes = ["demo token 0123456789ABCDEF, PIN 4071. In another terminal: "
             "/very/long/path/to/a/venv/bin/picodsc challenge --serial 0123456789ABCDEF "
             "--registry /root/.local/share/picodsc/demo/registry.sqlite3",
             "then here: press p until PIN> shows", "check the response with: picodsc verify"]
    screen = text_screen(["PIN>"])
    wide = ui_lines(screen, 120, 40, notes=notes)  # quarter blocks, 52 columns beside them
    assert wide[0].startswith("┌") and wide[0].endswith("demo token 0123456789ABCDEF, PIN 4071. In another")
    assert all(len(ln) <= 120 for ln in wide)
    small = ui_lines(screen, 80, 24, notes=notes)  # braille: no room beside, 4 rows below
    assert small[19:23] == [
        "demo token 0123456789ABCDEF, PIN 4071. In another terminal:",
        "/very/long/path/to/a/venv/bin/picodsc challenge --serial 0123456789ABCDEF",
        "--registry /root/.local/share/picodsc/demo/registry.sqlite3",
        "(? shows all the notes)",
    ]
    ui = TerminalUI(emu=None, notes=notes)
    ui.handle(b"?")
    page = ui.lines(screen, 80, 24)
    assert page[0] == "Notes (? returns to the token):"
    assert "--registry /root/.local/share/picodsc/demo/registry.sqlite3" in " ".join(page)
    ui.handle(b"?")
    assert ui.lines(screen, 80, 24)[0].startswith("┌")


def test_the_board_legends_are_keys():
    big = keymap(board_keys(BIG))
    typed = {chr(b): k for b, k in big.items()}
    assert {c: typed[c] for c in "*#aAbBcCdD5\r\x7fp"} == {
        "*": "*", "#": "#", "a": "A", "A": "A", "b": "B", "B": "B", "c": "C", "C": "C", "d": "D", "D": "D",
        "5": "5", "\r": "OK", "\x7f": "DEL", "p": "PRESS"}
    assert "q" not in typed and "w" not in typed and "?" not in typed
    small = {chr(b): k for b, k in keymap(board_keys(SMALL)).items()}
    assert "a" not in small and small["*"] == "*" and small["p"] == "PRESS"
    assert legend(board_keys(SMALL))[0] == "0-9 # *"
    assert legend(board_keys(BIG))[0] == "0-9 # * A-D"


class Sink:
    def write(self, s):
        pass

    def flush(self):
        pass


def test_w_holds_del_and_press_for_the_factory_reset_paced_like_fingers():
    emu, clock = KeyRecorder(text_screen([])), Clock(0.0)
    ui = TerminalUI(emu, keys=board_keys(BIG), stdout=Sink(), clock=clock, pace_s=0.15)
    assert ui.handle(b"w*")
    assert emu.calls == [("down", "DEL")]
    assert ui.status_line(emu.screen()) == "holding DEL+PRESS for 3.5 s (factory reset)"
    clock.t = 0.149
    assert ui.pump() == pytest.approx(0.001)
    clock.t = 0.15
    ui.pump()
    assert emu.calls[-1] == ("press", "PRESS", 3500)
    clock.t = 0.15 + 3.5 + 0.149
    ui.pump()
    assert emu.calls[-1] == ("press", "PRESS", 3500)  # PRESS is still held
    clock.t = 0.15 + 3.5 + 0.15
    ui.pump()
    assert emu.calls[-1] == ("up", "DEL")
    assert ui.status_line(emu.screen()) == "factory reset: Enter wipes the token, any other key keeps it"
    clock.t += 0.075
    ui.pump()
    assert emu.calls[-1] == ("press", "*", 100)
    assert ui.status == "last key: *"
