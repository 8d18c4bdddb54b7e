"""Factory side: provision a token over its USB serial (:mod:`picodsc.usb`).

Provisioning reads the serial, draws the secret with :mod:`secrets`, sends it to the token in a
script on mpremote's *stdin* (``mpremote connect PORT run /dev/stdin``: never in any argv), records
it in the registry only after the token confirmed, then resets the token so it boots locked
(``exec --no-follow "import machine; machine.reset()"``). Output of mpremote is scrubbed of the
secret before it is shown or put in an exception message.
"""

import secrets
from collections.abc import Callable

from .errors import (
    AlreadyProvisioned,
    AlreadyRegistered,
    DeviceError,
    NoFirmware,
    PicodscError,
    UnsupportedSuite,
)
from .ocra import DEFAULT_SUITE, Suite, SuiteLike, parse_suite, pin_hash
from .registry import Registry, check_serial
from .usb import Mpremote
from .verifier import check_pin

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


def probe(mp: Mpremote) -> tuple[str, bool]:
    """(serial, provisioned) of the token on ``mp``."""
    for line in mp.run(["run", "/dev/stdin"], stdin=_PROBE.encode()).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "PICODSC-PROBE":
            return check_serial(parts[1]), parts[2] == "1"
    raise NoFirmware(f"the device on {mp.port} did not answer like a picodsc token (deploy it first)",
                     mp.port)


def check_suite(suite: SuiteLike) -> Suite:
    """The parsed suite if this token can run it (it has no clock and no session input)."""
    parsed = parse_suite(suite)
    if parsed.time_step or parsed.session_length or parsed.question_kind != "N" or not parsed.digits:
        raise UnsupportedSuite(parsed.text, f"suite {parsed.text}: the token takes numeric challenges (QNxx) "
                               "and has no clock or session input (no T/S), and shows 4..10 digits")
    return parsed


def check_request(suite: SuiteLike, pin: str | None) -> Suite:
    """The parsed suite if a token can be provisioned with it and ``pin``; nothing is touched.

    A P suite needs a PIN the policy accepts (:func:`picodsc.verifier.check_pin`), others take none.
    """
    parsed = check_suite(suite)
    if parsed.pin_hash_name and pin is None:
        raise UnsupportedSuite(parsed.text, f"suite {parsed.text} needs a PIN")
    if not parsed.pin_hash_name and pin is not None:
        raise UnsupportedSuite(parsed.text, f"suite {parsed.text} takes no PIN")
    if pin is not None:
        check_pin(pin)
    return parsed


def provision(registry: Registry, port: str, pin: str | None = None, suite: SuiteLike = DEFAULT_SUITE,
              timeout: float = 30.0, replace: bool = False, log: Callable[[str], None] | None = None) -> str:
    """Provision the token on ``port``; return its serial. See the module docstring."""
    log = log or (lambda msg: None)
    parsed = check_request(suite, pin)
    mp = Mpremote(port, timeout)
    serial, provisioned = probe(mp)
    log(f"token {serial} on {port}")
    if provisioned:
        raise AlreadyProvisioned(f"token {serial} is already provisioned: factory reset it first",
                                 port, serial)
    if registry.has_token(serial) and not replace:
        raise AlreadyRegistered(serial,
                                f"token {serial} is already in the registry (factory reset? use --replace)")
    key = secrets.token_bytes(parsed.key_size)
    key_hex = key.hex()
    script = _PROVISION.format(suite=parsed.text, key=key_hex, counter=0)
    out = mp.run(["run", "/dev/stdin"], stdin=script.encode(), redact=(key_hex,))
    del script
    answer = [ln.split(None, 1) for ln in out.splitlines() if ln.startswith("PICODSC-")]
    if not answer or answer[-1][0] != "PICODSC-OK":
        why = answer[-1][1] if answer and len(answer[-1]) > 1 else "no confirmation"
        raise DeviceError(f"token {serial} refused provisioning: {why}", port)
    if check_serial(answer[-1][1]) != serial:
        raise DeviceError(f"token answered with serial {answer[-1][1]}, expected {serial}", port)
    ph = pin_hash(parsed, pin) if pin is not None else None
    registry.add_token(serial, parsed.text, key, ph, counter=0, replace=replace)
    log(f"token {serial} recorded in {registry.path}; resetting it (it boots locked)")
    try:
        mp.reset()
    except PicodscError as e:
        log(f"warning: reset failed ({e}); unplug the token to lock it")
    return serial
