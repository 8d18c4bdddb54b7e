"""`picodsc emulate --rp2-image FILE.uf2`: the scripted and --serve sessions on the official firmware.

The same key scripts, screen report and control socket as the unix-port sessions (session.py,
control.py); only the emulator underneath differs (:class:`~.emulator.Rp2Emulator`).
"""

import signal
import threading

from ...errors import PicodscError
from ..control import ControlServer
from ..image import image_path
from ..keys import run_keys
from ..session import report
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
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: stop.set()) for s in signals}
    try:
        with _emulator(image, uf2, board, serial="pty") as emu:
            server = ControlServer(emu, control_path).start()
            try:
                echo(f"port: {emu.port}")
                echo(f"control: {server.path}")
                while not stop.wait(0.2):
                    if not emu.running:
                        raise PicodscError("the emulated board stopped")
            finally:
                server.close()
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
