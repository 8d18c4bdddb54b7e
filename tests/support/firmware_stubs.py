"""Run firmware unit-test code under the real MicroPython (CPython side): ``mp_run`` puts the board's
bundle, the emulator's models and the stand-in ``machine`` (mp/machine_stub.py, imported as ``hw``)
on its path; ``panel_lines`` decodes a panel image the code printed in hex.
"""

import tempfile
from pathlib import Path

from picodsc import bundle, upy
from picodsc.emulator.harness import MP_DIR
from picodsc.emulator.screen import Screen

_bundles = {}


def mp_run(code, board="pico_4x4_128x64", heapsize=None):
    """Run ``code`` under the real MicroPython with the board's bundle (/lib, board.py) on sys.path,
    machine_stub as ``hw`` installed as ``machine``, and the emulator's models (emu_*) importable."""
    if board not in _bundles:
        root = Path(tempfile.mkdtemp(prefix="picodsc-fw-"))
        for dev_path, data in bundle.files(board, compiled=False):
            target = root / dev_path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _bundles[board] = root
    root = _bundles[board]
    stubs = Path(__file__).resolve().parent / "mp"
    path = (str(upy.FIRMWARE), str(root / "lib"), str(root), str(stubs), str(MP_DIR))
    prelude = "import machine_stub as hw\nhw.install()\n"
    return upy.run(prelude + code, path=path, heapsize=heapsize)


def panel_lines(hexdata, width, height):
    """Text of a panel image printed in hex by code under mp_run, decoded by the emulator's one screen
    decoder (picodsc.emulator.screen); padded with empty lines to one per 8-px band."""
    lines = Screen(width, height, bytes.fromhex(hexdata)).text()
    return lines + [""] * (height // 8 - len(lines))
