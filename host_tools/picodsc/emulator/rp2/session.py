"""`picodsc emulate --rp2-image FILE.uf2`: the scripted and --serve sessions on the official firmware.

The same key scripts, screen report and control socket as the unix-port sessions (session.py,
control.py); only the emulator underneath differs (:class:`~.emulator.Rp2Emulator`).
"""

from ..image import image_path
from ..keys import run_keys
from ..session import report, serve_on
from .emulator import Rp2Emulator


def _emulator(image, uf2, board, **kw):
    return Rp2Emulator(image_path(image), uf2, board=board, **kw)


def scripted(image, uf2, board, steps, show_screen, png, echo):
    """Boot the UF2, run the key script (simulated time), then print the screen / write a PNG."""
    with _emulator(image, uf2, board) as emu:
        run_keys(emu, steps)
        report(emu.screen(), show_screen, png, echo)


def serve(image, uf2, board, control_path, echo):
    """USB serial on a pty + control socket until SIGINT/SIGTERM; prints ``port:`` and ``control:``."""
    serve_on(lambda: _emulator(image, uf2, board, serial="pty"), control_path, echo)
