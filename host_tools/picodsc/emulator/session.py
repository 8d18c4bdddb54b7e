"""What `picodsc emulate` runs: a scripted session, the interactive terminal, ``--serve``, ``--control``."""

import threading

from ..errors import PicodscError
from .control import ControlServer, RemoteEmulator
from .image import image_path
from .keys import board_keys, run_keys


def emulator(image, board, **kw):
    """An :class:`~picodsc.emulator.harness.Emulator` on ``image`` (default: the user's token.img)."""
    from .harness import Emulator

    return Emulator(image_path(image), board=board, **kw)


def report(screen, show_screen, png, echo):
    """Print the decoded screen text (nothing while the display is off) and/or write a screenshot."""
    if show_screen and screen.on:
        for line in screen.text():
            echo(line)
    if png:
        from .render import write_png

        write_png(screen, png)


def scripted(image, board, steps, show_screen, png, realtime, echo):
    """Boot, run the key script, then print the screen text and/or write a screenshot."""
    with emulator(image, board, realtime=realtime) as emu:
        run_keys(emu, steps, pace=realtime)
        report(emu.screen(), show_screen, png, echo)


def drive_remote(path, steps, show_screen, png, echo):
    """Run a key script on the emulator served at control socket ``path``; report its screen."""
    with RemoteEmulator(path) as emu:
        run_keys(emu, steps or [])
        report(emu.screen(), show_screen, png, echo)


def serve(image, board, control_path, realtime, echo):
    """Serial on a pty + control socket until SIGINT/SIGTERM; prints ``port:`` and ``control:`` lines."""
    serve_on(lambda: emulator(image, board, serial="pty", realtime=realtime), control_path, echo)


def serve_on(open_emulator, control_path, echo):
    """Serve ``open_emulator()`` (a pty-serial emulator, as a context manager) on a control socket until
    SIGINT/SIGTERM or until the board stops; prints ``port:`` and ``control:`` lines."""
    import signal

    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: stop.set()) for s in signals}
    try:
        with open_emulator() as emu:
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


def need_terminal(what="interactive mode needs a terminal; use --keys/--screen or --serve"):
    import sys

    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise PicodscError(what)


def interactive(image, board, realtime=True, notes=(), emu=None):
    """The terminal UI on a running emulator (``emu``) or on a new one, its USB serial on a pty."""
    from .terminal import TerminalUI

    need_terminal()
    keys = board_keys(board)
    if emu is not None:
        TerminalUI(emu, title=f"picodsc {board}", notes=notes, keys=keys).run()
        return
    with emulator(image, board, serial="pty", realtime=realtime) as emu:
        notes = [f"USB serial (mpremote connect ...): {emu.port}", *notes]
        TerminalUI(emu, title=f"picodsc {board}", notes=notes, keys=keys).run()
