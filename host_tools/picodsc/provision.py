"""Factory side: talk to a token with mpremote (a subprocess) and provision it.

Provisioning reads the serial, draws the secret with :mod:`secrets`, sends it to the token in a
script on mpremote's *stdin* (``mpremote connect PORT run /dev/stdin``: never in any argv), records
it in the registry only after the token confirmed, then resets the token so it boots locked
(``exec --no-follow "import machine; machine.reset()"``). Output of mpremote is scrubbed of the
secret before it is shown or put in an exception message.
"""

import secrets
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from .errors import PicodscError, UsageError
from .ocra import DEFAULT_SUITE, parse_suite, pin_hash
from .registry import check_serial
from .token_policy import unsupported_by_token
from .verifier import check_pin

RESET = "import machine; machine.reset()"
LOCKED_HINT = "a provisioned token locks its USB REPL: factory reset it first"

# Runs on the token (raw REPL). Markers make the answer unambiguous among boot messages.
_PROBE = """\
import os
import dsc.config
try:
    os.stat('/dsc.cfg')
    p = 1
except OSError:
    p = 0
print('PICODSC-PROBE', dsc.config.serial(), p)
"""
_PROVISION = """\
import dsc.config
try:
    print('PICODSC-OK', dsc.config.provision({suite!r}, {key!r}, {counter}))
except Exception as e:
    print('PICODSC-ERR', type(e).__name__, e)
"""


def mpremote_argv():
    here = Path(sys.executable).parent / "mpremote"
    if here.exists():
        return [str(here)]
    found = shutil.which("mpremote")
    return [found] if found else [sys.executable, "-m", "mpremote"]


def chain(*commands):
    """mpremote argv tail for several commands joined with ``+`` (one connection, one process)."""
    out = []
    for cmd in commands:
        if out:
            out.append("+")
        out.extend(cmd)
    return out


class Mpremote:
    """One serial port, driven through the ``mpremote`` command."""

    def __init__(self, port, timeout=30.0):
        if not port:
            raise UsageError("--port is required")
        self.port = port
        self.timeout = timeout

    def run(self, *commands, stdin=None, timeout=None, redact=(), on_line=None):
        """Run the chained ``commands``; return stdout. Errors name the port, never a secret.

        ``on_line`` receives each stdout line as it arrives (progress display).
        """
        argv = mpremote_argv() + ["connect", self.port] + chain(*commands)
        timeout = timeout or self.timeout
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            raise PicodscError(f"cannot run mpremote: {e.strerror}") from None
        try:
            if on_line is None:
                out, err = proc.communicate(stdin, timeout=timeout)
            else:
                out, err = _stream(proc, stdin, timeout, lambda s: on_line(scrub(s, redact)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise PicodscError(
                f"no answer from {self.port} within {timeout:g} s (is it a token? {LOCKED_HINT})"
            ) from None
        out, err = scrub(out.decode(errors="replace"), redact), scrub(err.decode(errors="replace"), redact)
        if proc.returncode != 0:
            detail = (err.strip() or out.strip()).splitlines()
            reason = detail[-1] if detail else f"exit code {proc.returncode}"
            if "raw repl" in reason.lower():
                reason += f" ({LOCKED_HINT})"
            elif "ImportError" in reason:
                reason += " (no picodsc firmware on it? run `picodsc deploy` first)"
            raise PicodscError(f"mpremote on {self.port} failed: {reason}")
        return out

    def reset(self):
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


def scrub(text, redact):
    for secret in redact:
        for form in {secret, secret.lower(), secret.upper()}:
            text = text.replace(form, "<redacted>")
    return text


def probe(mp):
    """(serial, provisioned) of the token on ``mp``."""
    for line in mp.run(["run", "/dev/stdin"], stdin=_PROBE.encode()).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "PICODSC-PROBE":
            return check_serial(parts[1]), parts[2] == "1"
    raise PicodscError(f"the device on {mp.port} did not answer like a picodsc token (deploy it first)")


def check_suite(suite):
    """The parsed suite if the token can run it (the firmware's rule, dsc/policy.py); no I/O."""
    parsed = parse_suite(suite)
    why = unsupported_by_token(parsed)
    if why:
        raise UsageError(f"suite {parsed.text}: the token cannot run it: {why}")
    return parsed


def provision(registry, port, pin=None, suite=DEFAULT_SUITE, timeout=30.0, replace=False, log=None):
    """Provision the token on ``port``; return its serial. See the module docstring."""
    log = log or (lambda msg: None)
    parsed = check_suite(suite)
    if parsed.pin_hash_name and pin is None:
        raise UsageError(f"suite {parsed.text} needs a PIN")
    if not parsed.pin_hash_name and pin is not None:
        raise UsageError(f"suite {parsed.text} takes no PIN")
    if pin is not None:
        check_pin(pin)
    mp = Mpremote(port, timeout)
    serial, provisioned = probe(mp)
    log(f"token {serial} on {port}")
    if provisioned:
        raise PicodscError(f"token {serial} is already provisioned: factory reset it first")
    if registry.has_token(serial) and not replace:
        raise PicodscError(f"token {serial} is already in the registry (factory reset? use --replace)")
    key = secrets.token_bytes(parsed.key_size)
    key_hex = key.hex()
    script = _PROVISION.format(suite=parsed.text, key=key_hex, counter=0)
    out = mp.run(["run", "/dev/stdin"], stdin=script.encode(), redact=(key_hex,))
    del script
    answer = [ln.split(None, 1) for ln in out.splitlines() if ln.startswith("PICODSC-")]
    if not answer or answer[-1][0] != "PICODSC-OK":
        why = answer[-1][1] if answer and len(answer[-1]) > 1 else "no confirmation"
        raise PicodscError(f"token {serial} refused provisioning: {why}")
    if check_serial(answer[-1][1]) != serial:
        raise PicodscError(f"token answered with serial {answer[-1][1]}, expected {serial}")
    ph = pin_hash(parsed, pin) if pin is not None else None
    registry.add_token(serial, parsed.text, key, ph, counter=0, replace=replace)
    log(f"token {serial} recorded in {registry.path}; resetting it (it boots locked)")
    try:
        mp.reset()
    except PicodscError as e:
        log(f"warning: reset failed ({e}); unplug the token to lock it")
    return serial
