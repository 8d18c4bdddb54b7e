"""The USB serial (fd 0/1) and the harness's control channel, polled together (runs inside MicroPython).

Both inputs are non-blocking fds (set by the harness): ``readinto`` returns what is there, None when
nothing is, 0 at end of file. Serial input is buffered in ``serial_buf`` (at most 1 MiB); control
input is cut into lines, each handed to ``on_line``. A closed control channel quits the emulator.
"""

import select
import sys

from emu_core import Quit, relock_heap, unlock_heap
from micropython import const

_SERIAL_MAX = const(1 << 20)


class Serial:
    def __init__(self, clock, ctl_in, ctl_out):
        self._clock = clock
        self._ctl_in = ctl_in
        self._ctl_out = ctl_out
        self._sin = sys.stdin.buffer
        self._sout = sys.stdout.buffer
        self._poll = select.poll()
        self._poll.register(self._sin, select.POLLIN)
        self._poll.register(ctl_in, select.POLLIN)
        for _ in self._poll.ipoll(0):  # ipoll allocates its result tuple on first use: do it now
            pass
        self._stdin_open = True
        self._rbuf = bytearray(4096)
        self._ctl_line = bytearray()
        self.serial_buf = bytearray()
        self._kbd_b = bytearray(1)
        self.kbd_char = 3  # micropython.kbd_intr(): Ctrl-C, -1 = off
        self.on_line = None  # a control line (str) arrived
        self.quitting = False

    def service(self, timeout_ms, interruptible=False):
        """Poll the serial input and the control channel once (timeout -1: until something arrives)."""
        if self.quitting:
            unlock_heap()
            raise Quit()
        ctl = sin = 0
        for obj, ev in self._poll.ipoll(timeout_ms):  # ipoll: no list allocated; act after it ends
            if obj is self._ctl_in:
                ctl = ev
            else:
                sin = ev
        if sin or ctl or (interruptible and self.kbd_char >= 0 and self.serial_buf):
            locks = unlock_heap()
            try:
                self._handle_input(sin, ctl, interruptible)
            finally:
                relock_heap(locks)

    def _handle_input(self, sin, ctl, interruptible):
        if sin:
            n = self._sin.readinto(self._rbuf) if sin & select.POLLIN else 0
            if n is None:
                pass
            elif not n:  # serial closed: stop polling it
                self._poll.unregister(self._sin)
                self._stdin_open = False
            elif len(self.serial_buf) + n <= _SERIAL_MAX:
                self.serial_buf.extend(memoryview(self._rbuf)[:n])
        if ctl:
            n = self._ctl_in.readinto(self._rbuf)
            if n == 0 or (n is None and not ctl & select.POLLIN):
                self.quitting = True
                raise Quit()
            if n:
                self._ctl_line.extend(memoryview(self._rbuf)[:n])
            while True:
                i = self._ctl_line.find(b"\n")
                if i < 0:
                    break
                line = bytes(self._ctl_line[:i]).decode()
                self._ctl_line[:] = self._ctl_line[i + 1:]
                self.on_line(line)
        if interruptible and self.kbd_char >= 0 and self.serial_buf:
            self._kbd_b[0] = self.kbd_char
            i = self.serial_buf.find(self._kbd_b)
            if i >= 0:  # as on the board: the interrupt char is consumed, not delivered
                self.serial_buf[:] = self.serial_buf[:i] + self.serial_buf[i + 1:]
                raise KeyboardInterrupt()

    def read(self, timeout_ms=None):
        """Serial input for the REPL: waits (servicing control commands) until some arrives.

        Returns the buffered bytes (at least one), or b"" when ``timeout_ms`` of virtual time passed.
        """
        if not self.serial_buf:
            clock = self._clock
            target = None if timeout_ms is None else clock.now_us() + timeout_ms * 1000
            clock.wait(target, want_serial=True)
        data = bytes(self.serial_buf)
        self.serial_buf[:] = b""
        return data

    def write(self, data):
        """Bytes to the serial output (fd 1, where print() goes too)."""
        self._sout.write(data)

    def reply(self, text):
        """One line to the harness on the control channel."""
        self._ctl_out.write(text.encode() + b"\n")
