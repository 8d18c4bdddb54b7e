"""The USB serial of a board, driven with mpremote (a subprocess): one module, one driver.

``Mpremote(port).run(cmd, ...)`` chains mpremote commands with ``+`` (one connection, one process),
can feed a script on stdin (secrets never go in argv) and scrubs what it shows of given secrets.
Errors are :class:`~picodsc.errors.DeviceError` (they name the port) or
:class:`~picodsc.errors.ToolError` (mpremote cannot run).
"""

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import DeviceError, DeviceTimeout, InvalidInput, NoFirmware, ToolError

RESET = "import machine; machine.reset()"
LOCKED_HINT = "a provisioned token locks its USB REPL: factory reset it first"


def mpremote_argv() -> list[str]:
    """The mpremote command: next to this interpreter (the venv), else on PATH, else ``-m mpremote``."""
    here = Path(sys.executable).parent / "mpremote"
    if here.exists():
        return [str(here)]
    found = shutil.which("mpremote")
    return [found] if found else [sys.executable, "-m", "mpremote"]


def chain(*commands: Sequence[str]) -> list[str]:
    """mpremote argv tail for several commands joined with ``+`` (one connection, one process)."""
    out = []
    for cmd in commands:
        if out:
            out.append("+")
        out.extend(cmd)
    return out


class Mpremote:
    """One serial port, driven through the ``mpremote`` command."""

    def __init__(self, port: str, timeout: float = 30.0) -> None:
        if not port:
            raise InvalidInput("--port is required", field="port")
        self.port = port
        self.timeout = timeout

    def run(self, *commands: Sequence[str], stdin: bytes | None = None, timeout: float | None = None,
            redact: Sequence[str] = (), on_line: Callable[[str], None] | None = None) -> str:
        """Run the chained ``commands``; return stdout. Errors name the port, never a secret.

        ``on_line`` receives each stdout line as it arrives (progress display).
        """
        argv = mpremote_argv() + ["connect", self.port] + chain(*commands)
        timeout = timeout or self.timeout
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            raise ToolError(f"cannot run mpremote: {e.strerror}") from None
        try:
            if on_line is None:
                out, err = proc.communicate(stdin, timeout=timeout)
            else:
                out, err = _stream(proc, stdin, timeout, lambda s: on_line(scrub(s, redact)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise DeviceTimeout(
                f"no answer from {self.port} within {timeout:g} s (is it a token? {LOCKED_HINT})", self.port,
                timeout) from None
        out, err = scrub(out.decode(errors="replace"), redact), scrub(err.decode(errors="replace"), redact)
        if proc.returncode != 0:
            detail = (err.strip() or out.strip()).splitlines()
            reason = detail[-1] if detail else f"exit code {proc.returncode}"
            if "raw repl" in reason.lower():
                reason += f" ({LOCKED_HINT})"
            elif "ImportError" in reason:
                raise NoFirmware(f"mpremote on {self.port} failed: {reason} "
                                 "(no picodsc firmware on it? run `picodsc deploy` first)", self.port)
            raise DeviceError(f"mpremote on {self.port} failed: {reason}", self.port)
        return out

    def reset(self) -> None:
        self.run(["exec", "--no-follow", RESET])


def _stream(proc, stdin, timeout, on_line):
    """communicate() that hands over stdout line by line; TimeoutExpired after ``timeout`` s."""
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    err, fired = [], threading.Event()
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()

    def expire():
        fired.set()
        proc.kill()

    timer = threading.Timer(timeout, expire)
    timer.start()
    lines = []
    try:
        for raw in proc.stdout:
            lines.append(raw)
            on_line(raw.decode(errors="replace").rstrip("\r\n"))
        proc.wait()
    finally:
        timer.cancel()
    reader.join()
    if fired.is_set():
        raise subprocess.TimeoutExpired(proc.args, timeout)
    return b"".join(lines), b"".join(err)


def scrub(text: str, redact: Sequence[str]) -> str:
    for secret in redact:
        for form in {secret, secret.lower(), secret.upper()}:
            text = text.replace(form, "<redacted>")
    return text
