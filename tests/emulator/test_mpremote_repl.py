"""The emulated USB REPL (emulator/mp/repl.py) under real MicroPython, driven by real mpremote.

A tiny board (fd 0 in, fd 1 out, soft-reset loop) runs ``repl.run`` with a pty master as its serial, so
these tests cover the REPL alone, independent of the emulator core.
"""

import os
import select
import subprocess
import time
import tty

import pytest
from picodsc import upy
from picodsc.emulator.harness import MP_DIR
from support import commands

FAKE_BOARD = """
import sys
sys.path.insert(0, {mp_dir!r})
import repl

class Board:
    def serial_read(self, timeout_ms):
        b = sys.stdin.buffer.read(1)
        if not b:
            raise SystemExit
        return b

    def serial_write(self, b):
        sys.stdout.buffer.write(b)

sys.path.insert(0, {workdir!r})
from fakemachine import HardReset
board = Board()
mode = "friendly"
while True:
    try:
        action, mode = repl.run(board, mode)
        board.serial_write(b"MPY: soft reboot\\r\\n")
    except HardReset:
        board.serial_write(b"HARD RESET\\r\\n")
        mode = "friendly"
"""


class PtyBoard:
    def __init__(self, workdir):
        self.workdir = workdir
        master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no signals: the token sees bytes as sent
        self.port = os.ttyname(self.slave)
        script = workdir / "fake_board.py"
        script.write_text(FAKE_BOARD.format(mp_dir=str(MP_DIR), workdir=str(workdir)))
        # machine.reset() stand-in: raises a BaseException the REPL must let through to the boot loop.
        (workdir / "fakemachine.py").write_text(
            "class HardReset(BaseException):\n    pass\n\ndef reset():\n    raise HardReset()\n")
        fs = workdir / "fs"
        fs.mkdir()
        self.proc = subprocess.Popen(
            [upy.micropython_binary(), str(script)], stdin=master, stdout=master, cwd=fs
        )
        os.close(master)

    def read_until(self, end, timeout=5.0):
        out = b""
        deadline = time.monotonic() + timeout
        while not out.endswith(end):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.slave], [], [], left)[0]:
                raise AssertionError(f"no {end!r} in {out!r}")
            out += os.read(self.slave, 1)
        return out

    def talk(self, data, end):
        os.write(self.slave, data)
        return self.read_until(end)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        os.close(self.slave)


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    b = PtyBoard(tmp_path_factory.mktemp("repl"))
    b.read_until(b">>> ")
    yield b
    b.close()


def mpremote(port, *args, ok=True):
    return commands.mpremote(port, *args, ok=ok, timeout=30)


BANNER_END = b'Type "help()" for more information.\r\n>>> '


def test_friendly_repl_transcript(board):
    assert board.talk(b"\x02", BANNER_END).startswith(b"\r\nMicroPython v1.29.0 on ")
    assert board.talk(b"1+1\r", b">>> ") == b"1+1\r\n2\n>>> "
    assert board.talk(b"x = (1,\r2)\r", b">>> ") == b"x = (1,\r\n... 2)\r\n>>> "
    assert board.talk(b"for i in x:\r  print(i)\r\r", b">>> ") == (
        b"for i in x:\r\n...   print(i)\r\n... \r\n1\n2\n>>> "
    )
    assert board.talk(b"ab\x7fc\r", b">>> ") == (
        b"ab\x08 \x08c\r\nTraceback (most recent call last):\r\n"
        b'  File "<stdin>", line 1, in <module>\r\n'
        b"NameError: name 'ac' isn't defined\r\n>>> "
    )
    assert board.talk(b"12\x03", b">>> ") == b"12\r\nKeyboardInterrupt\r\n>>> "
    assert board.talk(b"\x1b[A\r", b">>> ") == b"ac\r\nTraceback (most recent call last):\r\n" + (
        b'  File "<stdin>", line 1, in <module>\r\nNameError: name \'ac\' isn\'t defined\r\n>>> '
    )
    assert board.talk(b"\x05y=3\rprint(y*2)\r\x04", b">>> ") == (
        b"\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== y=3\r\n=== print(y*2)\r\n=== \r\n6\n>>> "
    )
    assert board.talk(b"def f(:\r\x04", b">>> ") == (
        b"def f(:\r\n... \r\nTraceback (most recent call last):\r\n"
        b'  File "<stdin>", line 1\r\nSyntaxError: invalid syntax\r\n>>> '
    )
    assert board.talk(b"x = '\xc8'\r", b">>> ") == b"x = '\xc8'\r\nUnicodeError: input is not UTF-8\r\n>>> "
    assert board.talk(b"x\r", b">>> ") == b"x\r\n(1, 2)\n>>> "  # bad input lost nothing
    # Ctrl-D: soft reset, a fresh namespace, banner again.
    out = board.talk(b"\x04", BANNER_END)
    assert out.startswith(b"\r\nMPY: soft reboot\r\nMicroPython v1.29.0 on ")
    assert board.talk(b"'y' in globals()\r", b">>> ") == b"'y' in globals()\r\nFalse\n>>> "


def test_raw_repl_transcript(board):
    assert board.talk(b"\x01", b"raw REPL; CTRL-B to exit\r\n>") == b"\r\nraw REPL; CTRL-B to exit\r\n>"
    assert board.talk(b"print(3)\x04", b"\x04>") == b"OK3\n\x04\x04>"
    assert board.talk(b"1/0\x04", b"\x04>") == (
        b'OK\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n'
        b"ZeroDivisionError: divide by zero\r\n\x04>"
    )
    assert board.talk(b"junk\x03print(4)\x04", b"\x04>") == b"OK4\n\x04\x04>"
    # Raw paste: header, window of 128 bytes, a flow-control byte per window consumed, \x04 at the end.
    code = b"print(len(%r))" % (b"z" * 200)
    os.write(board.slave, b"\x05A\x01")
    assert board.read_until(b"R\x01") == b"R\x01"
    assert board.read_until(b"\x00\x01") == b"\x80\x00\x01"
    os.write(board.slave, code + b"\x04")
    assert board.read_until(b"\x04>") == b"\x01\x04200\n\x04\x04>"
    os.write(board.slave, b"\x05B\x01")
    assert board.read_until(b">") == b"R\x00>"
    assert board.talk(b"\x04", b"\r\nraw REPL; CTRL-B to exit\r\n>") == (
        b"OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>"
    )
    assert board.talk(b"\x02", BANNER_END).startswith(b"\r\nMicroPython v1.29.0 on ")


def test_machine_reset_from_exec_propagates(board):
    board.talk(b"\x01", b"raw REPL; CTRL-B to exit\r\n>")
    out = board.talk(b"keep = 1\nimport fakemachine\nfakemachine.reset()\x04", BANNER_END)
    assert out.startswith(b"OKHARD RESET\r\nMicroPython v1.29.0 on ")
    assert board.talk(b"'keep' in globals()\r", b">>> ") == b"'keep' in globals()\r\nFalse\n>>> "


def test_mpremote_exec_and_traceback(board):
    assert mpremote(board.port, "exec", "print(1+1)").stdout == "2\n"
    proc = mpremote(board.port, "exec", "def f():\n  1/0\nf()", ok=False)
    assert proc.returncode == 1
    assert proc.stdout.replace("\r\n", "\n") == (
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 3, in <module>\n'
        '  File "<stdin>", line 2, in f\n'
        "ZeroDivisionError: divide by zero\n"
    )


def test_mpremote_fs_cp_roundtrip_and_soft_reset(board, tmp_path):
    data = bytes(range(256)) * 12 + b"end"
    up, down = tmp_path / "up.bin", tmp_path / "down.bin"
    up.write_bytes(data)
    mpremote(board.port, "fs", "cp", str(up), ":data.bin")
    mpremote(board.port, "exec", "keep = 1")
    # Explicit soft reset in between: files stay, globals go.
    mpremote(board.port, "soft-reset")
    mpremote(board.port, "fs", "cp", ":data.bin", str(down))
    assert down.read_bytes() == data
    assert "data.bin" in mpremote(board.port, "fs", "ls").stdout
    assert mpremote(board.port, "exec", "print('keep' in globals())").stdout == "False\n"


def test_mpremote_run_file(board, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("x = [i * i for i in range(5)]\nprint(x)\n" + "# padding\n" * 40)
    assert mpremote(board.port, "run", str(script)).stdout == "[0, 1, 4, 9, 16]\n"


def test_continuation_rules():
    code = f"""
import sys
sys.path.insert(0, {str(MP_DIR)!r})
from repl import continues
for src in ("1+1", "if x:", "if x:\\n  y\\n", "(1,", "'''a", "x = '''a\\nb'''", "a = \\\\",
            "@dec", "for i in y: pass", "s = 'a#(' # (", "f(')'", "d = {{1: [", ""):
    print(int(continues(src)), end="")
"""
    assert upy.run(code, path=()) == "0101101110110"
