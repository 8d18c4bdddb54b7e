"""Emulated boards running a test's own main.py instead of the token firmware: the pinned drivers, the
board file and the emulator's stub helpers (``import stub``: a display, the I2C bus, a keypad scan)."""

import functools
from pathlib import Path

from picodsc import bundle
from picodsc.emulator import Emulator

from .token import BIG


@functools.lru_cache(maxsize=None)
def _drivers():
    return tuple((f"/lib/{rel[:-3]}.mpy", bundle.compile_mpy(src.read_bytes(), Path(rel).name))
                 for rel, src in bundle._driver_sources())


def stub_files(main, board=BIG):
    """The pinned drivers, the board file, the stub helpers and a test's main.py."""
    return list(_drivers()) + [
        ("/board.py", bundle.board_path(board).read_bytes()),
        ("/lib/stub.py", (Path(__file__).parent / "mp" / "stub.py").read_bytes()),
        ("/main.py", main.encode()),
    ]


def stub_emulator(path, main, board=BIG, **kw):
    """An Emulator (not started: use it in a ``with``) of a 64-block image at ``path`` running ``main``."""
    return Emulator(path, board=board, files=stub_files(main, board), blocks=64, **kw)


def run_stub(path, main, board=BIG, advance=0):
    """Boot a stub firmware; returns (screen, serial output) after ``advance`` ms."""
    with stub_emulator(path, main, board) as emu:
        if advance:
            emu.advance(advance)
        return emu.screen(), emu.serial_output().decode()
