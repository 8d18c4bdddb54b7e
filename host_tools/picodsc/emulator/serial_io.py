"""The emulated board's USB serial on a pseudo-terminal: the relay between the board process and the pty."""

import os
import select
import termios
import tty

from ..errors import UsageError

SERIAL_MODES = ("pipe", "pty")

_INPUT_KEEP = 1 << 16  # pty input waiting for the board


def relay_pty(out_fd, in_fd, master, stop, keep):
    """Board output ``out_fd`` -> pty ``master`` (and ``keep(data)``); ``master`` -> board input ``in_fd``.

    Output nobody reads is dropped once the pty buffer is full; input waits in a bounded buffer while
    the board is busy (neither side ever blocks the other). Runs until ``stop`` is set or a side closes.
    """
    pending = bytearray()
    while not stop.is_set():
        rl = [out_fd] + ([master] if len(pending) < _INPUT_KEEP else [])
        try:
            ready, writable, _ = select.select(rl, [in_fd] if pending else [], [], 0.2)
        except (OSError, ValueError):
            return
        if out_fd in ready:
            try:
                data = os.read(out_fd, 4096)
            except OSError:
                return
            if not data:
                return
            keep(data)
            try:
                os.write(master, data)
            except BlockingIOError:
                pass  # no client reading: drop, never block the board
            except OSError:
                return
        if master in ready:
            try:
                pending += os.read(master, 4096)
            except BlockingIOError:
                pass
            except OSError:
                return
        if writable:
            try:
                del pending[: os.write(in_fd, pending)]
            except BlockingIOError:
                pass
            except OSError:
                return


def check_serial_mode(serial):
    """An emulator's ``serial`` argument: ``"pipe"`` (bytes through methods) or ``"pty"`` (a port)."""
    if serial not in SERIAL_MODES:
        raise UsageError(f"serial must be 'pipe' or 'pty', not {serial!r}")
    return serial


def open_pty():
    """A raw pseudo-terminal without echo whose master does not block: ``(master, slave, port)``."""
    master, slave = os.openpty()
    tty.setraw(slave)
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)
