"""`picodsc emulate`: scripted key sessions (decoded screen text, PNG), errors, the terminal UI."""

import os
import select
import subprocess
import time

import pytest
from picodsc.emulator.harness import Emulator
from picodsc.emulator.keys import parse_keys
from picodsc.emulator.render import PNG_BORDER, PNG_SCALE, art, pixels_from_art
from picodsc.emulator.screen import Screen
from picodsc.emulator.terminal import TerminalUI
from PIL import Image
from support.commands import PICODSC, on_pty, run_cli
from support.token import BIG, SMALL, expected, image_serial, provisioned_image


def png_size(w, h):
    return (w + 2 * PNG_BORDER) * PNG_SCALE, (h + 2 * PNG_BORDER) * PNG_SCALE


def run(*argv):
    """Run the picodsc CLI in-process: (exit code, stdout lines, stderr)."""
    code, out, err = run_cli(argv)
    return code, out.splitlines(), err


def test_keys_screen_on_a_fresh_image(tmp_path):
    img = tmp_path / "t.img"
    code, out, err = run("emulate", "--flash", str(img), "--keys", "PRESS", "--screen")
    assert (code, err) == (0, "")
    assert out == ["NOT PROVISIONED", image_serial(img)]


@pytest.mark.parametrize("board,blank", [(BIG, 3), (SMALL, 1)])
def test_scripted_pin_challenge_response(tmp_path, board, blank):
    img = provisioned_image(tmp_path / "t.img", board)
    argv = ["emulate", "--flash", str(img), "--board", board, "--screen"]
    assert run(*argv, "--keys", "PRESS 1 2 3")[:2] == (0, ["PIN>**3"])
    png = tmp_path / "r.png"
    code, out, _ = run(*argv, "--keys", "PRESS 1 2 3 4 OK 1 2 3 4 5 6 OK", "--png", str(png))
    assert (code, out) == (0, [""] * blank + [expected("1234", "123456")])
    # The image persisted: same token, same answer; WAIT lets the 30 s response time run out.
    assert run(*argv, "--keys", "PRESS 1 2 3 4 OK 1 2 3 4 5 6 OK WAIT:31000")[:2] == (0, [])
    # The screenshot is the panel, pixel for pixel (scaled, with a border).
    with Emulator(img, board=board) as emu:
        emu.press_keys("PRESS 1 2 3 4 OK 1 2 3 4 5 6 OK")
        screen = emu.screen()
    shot = Image.open(png).convert("RGB")
    assert shot.size == png_size(screen.width, screen.height)

    def centre(v):
        return (v + PNG_BORDER) * PNG_SCALE + 1

    lit = [[int(sum(shot.getpixel((centre(x), centre(y)))) > 300) for x in range(screen.width)]
           for y in range(screen.height)]
    assert lit == screen.pixels


def test_png_alone_and_bad_usage(tmp_path):
    img = tmp_path / "t.img"
    png = tmp_path / "a.png"
    code, out, _ = run("emulate", "--flash", str(img), "--keys", "PRESS", "--png", str(png))
    assert (code, out) == (0, [])
    assert Image.open(png).size == png_size(128, 64)
    code, out, err = run("emulate", "--flash", str(img), "--keys", "PRESS 1 ENTER", "--screen")
    assert code == 2
    assert "unknown key 'ENTER'; valid keys: PRESS OK DEL 0 1 2 3 4 5 6 7 8 9 # * A B C D and WAIT:<ms>" \
        in err
    assert run("emulate", "--flash", str(img), "--keys", "WAIT:x")[0] == 2
    assert run("emulate", "--serve", "--keys", "PRESS")[0] == 2
    assert run("emulate", "--control", str(tmp_path / "sock"))[0] == 2
    code, _, err = run("emulate", "--control", str(tmp_path / "sock"), "--keys", "PRESS")
    assert code == 1 and "cannot reach the emulator's control socket" in err
    code, _, err = run("emulate", "--flash", str(img))  # interactive, but no terminal here
    assert (code, err) == (1, "error: interactive mode needs a terminal; use --keys/--screen or --serve\n")


def test_image_errors(tmp_path):
    bad = tmp_path / "bad.img"
    bad.write_bytes(b"\xff" * 1000)
    code, _, err = run("emulate", "--flash", str(bad), "--keys", "PRESS", "--screen")
    assert code == 1 and err.startswith("error: image ") and "wrong size" in err
    img = tmp_path / "busy.img"
    with Emulator(img):
        code, _, err = run("emulate", "--flash", str(img), "--keys", "PRESS", "--screen")
    assert (code, err) == (1, f"error: image {img} is in use by another emulator (pid {os.getpid()}, this "
                              "process); run another emulator with its own image: --flash OTHER.img\n")
    code, _, err = run("emulate", "--flash", str(tmp_path / "no" / "t.img"), "--keys", "PRESS")
    assert code == 1 and "no directory" in err


def test_parse_keys():
    assert parse_keys("press 1  ok WAIT:20 del") == [
        ("press", "PRESS"), ("press", "1"), ("press", "OK"), ("wait", 20), ("press", "DEL")]


def test_halfblocks_and_screen_wire_roundtrip():
    data = bytearray(128 * 64 // 8)
    data[0] = 0b01  # (0, 0)
    data[1] = 0b10  # (1, 1)
    data[2] = 0b11  # (2, 0) and (2, 1)
    data[7 * 128 + 127] = 0x80  # (127, 63)
    s = Screen(128, 64, bytes(data))
    lines = art(s, "half")
    assert len(lines) == 32 and all(len(ln) == 128 for ln in lines)
    assert lines[0][:4] == "▀▄█ " and lines[31][-1] == "▄"
    assert s.to_wire() == "128 64 1 0 " + data.hex()
    assert Screen.from_wire(s.to_wire()).pixels == s.pixels
    assert art(Screen(128, 32, bytes([255]) * 512, on=False), "half") == [" " * 128] * 16


def test_terminal_ui_drives_the_keypad(tmp_path):
    img = provisioned_image(tmp_path / "t.img")

    class Out:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    out = Out()
    with Emulator(img) as emu:
        ui = TerminalUI(emu, title="test", notes=["note line"], stdout=out, pace_s=0)
        assert ui.handle(b"p12\x1b[D3\x7f34\r")  # an arrow key's escape sequence is skipped
        screen = emu.screen()
        assert screen.text() == ["CHALLNG>"]
        lines = ui.lines(screen, 140, 40)
        assert ui.handle(b"q") is False
    assert lines[0].startswith("┌─ test ─") and len(lines[0]) == 130
    assert lines[1:33] == ["│" + ln + "│" for ln in art(screen, "half")]
    assert lines[33] == "└" + "─" * 128 + "┘"
    assert lines[34:] == [
        "0-9  Enter OK  Backspace DEL  p PRESS  w factory reset  ? notes  q quit",
        "note line", "last key: OK   (p switches the token off)"]
    assert out.text.startswith("\x1b[H") and "█" in out.text


def frame_text(term_output):
    """Decode the last panel drawn in the terminal: half-blocks back to pixels, then Screen.text()."""
    text = term_output.decode(errors="replace")
    rows = text[text.rindex("┌"):].split("\r\n")[1:33]
    drawing = [row.replace("\x1b[K", "")[1:129] for row in rows]
    return Screen.from_pixels(pixels_from_art(drawing, "half", 128, 64)).text()


def test_interactive_in_a_terminal(tmp_path):
    """The real command on a pseudo-terminal: draws the panel, takes keys, q quits and restores."""
    img = provisioned_image(tmp_path / "t.img")
    with on_pty([PICODSC, "emulate", "--flash", str(img)], stderr=subprocess.PIPE) as (proc, master):
        out = b""

        def read_until(done, timeout=20):
            nonlocal out
            deadline = time.monotonic() + timeout
            while not done():
                left = deadline - time.monotonic()
                assert left > 0, out[-300:]
                if select.select([master], [], [], min(left, 0.2))[0]:
                    out += os.read(master, 65536)

        def complete(frame):
            return "└".encode() in out and out.endswith(b"\x1b[J") and frame_text(out) == frame

        read_until(lambda: b"q quit" in out and out.endswith(b"\x1b[J"))
        assert "┌─ picodsc pico_4x4_128x64 ─".encode() in out
        assert b"USB serial (mpremote connect ...): /dev/pts/" in out
        assert frame_text(out) == []  # the token is off
        os.write(master, b"p12")  # realtime: the UI paces the keys like fingers
        read_until(lambda: complete(["PIN>*2"]))
        assert b"last key: 2" in out
        os.write(master, b"q")
        assert proc.wait(timeout=20) == 0
        read_until(lambda: b"\x1b[?1049l" in out)
    assert proc.stderr.read() == b""
