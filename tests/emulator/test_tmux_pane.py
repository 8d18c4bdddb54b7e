"""`picodsc emulate` in a real terminal: a tmux pane of 80x24, resized to 120x40, then too small; the panel
read back from what tmux shows; a factory reset from the keyboard. Skips (one line) without tmux."""

import os
import shutil
import subprocess
import time

import pytest
from picodsc.emulator.image import token_serial
from picodsc.emulator.render import art_size, pixels_from_art
from picodsc.emulator.screen import Screen
from support.commands import PICODSC
from support.token import provisioned_image

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (`make test` installs it as root; apt-get install tmux)")


class Pane:
    def __init__(self, tmp_path, command, cols, rows):
        self.socket = str(tmp_path / "tmux.sock")
        self.env = dict(os.environ, LC_ALL="C.UTF-8", TERM="xterm-256color")
        self.env.pop("TMUX", None)
        self.tmux("new-session", "-d", "-s", "t", "-x", str(cols), "-y", str(rows), command)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-u", "-S", self.socket, "-f", "/dev/null", *args], env=self.env,
                              capture_output=True, text=True, timeout=30, check=True).stdout

    def lines(self):
        return self.tmux("capture-pane", "-p", "-t", "t").split("\n")

    def panel(self, kind):
        """The token's screen text, read back from the drawing in the pane (None until it is drawn)."""
        rows = self.lines()
        if not rows or not rows[0].startswith("┌"):
            return None
        cols, height = art_size(128, 64, kind)
        art = [row[1:1 + cols].ljust(cols) for row in rows[1:1 + height]]
        try:
            return Screen.from_pixels(pixels_from_art(art, kind, 128, 64)).text()
        except ValueError:  # another rendering (or half drawn)
            return None

    def wait(self, kind, *want, timeout=20):
        """Until the panel, drawn as ``kind``, reads one of ``want``."""
        deadline = time.monotonic() + timeout
        while self.panel(kind) not in want:
            assert time.monotonic() < deadline, "\n".join(self.lines())
            time.sleep(0.1)

    def alive(self):
        return subprocess.run(["tmux", "-S", self.socket, "has-session", "-t", "t"], env=self.env,
                              capture_output=True, timeout=30).returncode == 0

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], env=self.env, capture_output=True,
                       timeout=30)


def test_the_token_in_tmux_80x24_then_120x40_and_a_factory_reset(tmp_path):
    image = provisioned_image(tmp_path / "t.img")
    pane = Pane(tmp_path, f"{PICODSC} emulate --flash {image}", 80, 24)
    try:
        pane.wait("braille", [])  # drawn in braille, the token is off
        assert all(len(row) <= 80 for row in pane.lines())
        assert pane.lines()[17] == "└" + "─" * 64 + "┘"
        assert pane.lines()[18:20] == [
            "0-9 # * A-D  Enter OK  Backspace DEL  p PRESS  w factory reset  ? notes  q quit",
            "USB serial (mpremote connect ...): /dev/pts/" + pane.lines()[19].rpartition("/")[2]]
        assert "the token is off: press p until PIN> shows" in pane.lines()[20]
        pane.tmux("send-keys", "-t", "t", "p", "1", "2")
        pin = (["PIN>*2"], ["PIN>**"])  # the last digit may be masked after a while
        pane.wait("braille", *pin)

        pane.tmux("resize-window", "-t", "t", "-x", "120", "-y", "40")
        pane.wait("quarter", *pin)
        pane.tmux("resize-window", "-t", "t", "-x", "50", "-y", "12")
        deadline = time.monotonic() + 10
        while pane.lines()[0] != "This terminal is 50x12: too small to show the":
            assert time.monotonic() < deadline, pane.lines()
            time.sleep(0.1)
        pane.tmux("resize-window", "-t", "t", "-x", "80", "-y", "24")
        pane.wait("braille", *pin)

        pane.tmux("send-keys", "-t", "t", "p", "w")  # off, then the factory-reset hold
        pane.wait("braille", ["WIPE? OK", "OTHER KEY: NO"])
        pane.tmux("send-keys", "-t", "t", "Enter")
        pane.wait("braille", ["NOT PROVISIONED", token_serial(image)])
        pane.tmux("send-keys", "-t", "t", "q")
        deadline = time.monotonic() + 10
        while pane.alive():  # q quits: the session (and with it the tmux server) ends
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        pane.close()
