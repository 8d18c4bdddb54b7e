"""The library's domain errors: each carries data, none knows about exit codes.

``str(e)`` is one line fit to show a user and never holds a secret (key, PIN, PIN hash). Only the
CLI (:mod:`picodsc.cli.errors`) turns an error into a message and an exit code, in one place::

    PicodscError                         refused operation                         (CLI exit 1)
    ├── InvalidInput, ValueError         bad argument, refused before any change   (CLI exit 2)
    │   ├── picodsc.ocra.OcraError       malformed OCRA suite or OCRA input
    │   ├── UnsupportedSuite             .suite: a suite the token cannot run
    │   ├── PinRefused                   .rule ("digits" | "weak" | "alternating"), .length
    │   └── UnknownBoard                 .name, .known: no such board definition
    ├── NotFound
    │   └── UnknownToken                 .serial: not in the registry
    ├── Conflict
    │   ├── AlreadyProvisioned           .serial (or None), .port: the token holds a configuration
    │   └── AlreadyRegistered            .serial: the registry has it (``replace=True`` overrides)
    ├── DeviceError                      .port: unreachable, mpremote failed, the token refused
    │   ├── DeviceTimeout                .timeout: no answer in time (a locked token says nothing)
    │   ├── NoFirmware                   the board does not run the picodsc firmware (deploy it)
    │   └── MpyVersionMismatch           .found, .expected: the board's .mpy version
    ├── RegistryError                    .path: the registry database is missing, damaged, busy
    │   └── KeyFileError                 .path: its AES key file is missing, loose, wrong
    └── ToolError                        a host tool (mpremote, mpy-cross, a driver package) failed

A verification that fails is not an error: :meth:`picodsc.verifier.Verifier.verify` returns a
``Result`` (``ok``, ``reason``, ``locked_until``).
"""

from collections.abc import Sequence


class PicodscError(Exception):
    """A refused operation; ``str(e)`` is its one-line message (never a secret)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


class InvalidInput(PicodscError, ValueError):
    """A bad argument, refused before anything changed. ``field`` names it when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# Deprecated name of InvalidInput, kept while the emulator modules (edited by other branches) move over.
UsageError = InvalidInput


class UnsupportedSuite(InvalidInput):
    """A well-formed OCRA suite the token cannot run (or one that does not fit the request)."""

    def __init__(self, suite: str, message: str) -> None:
        super().__init__(message, field="suite")
        self.suite = suite


class PinRefused(InvalidInput):
    """A PIN the policy refuses: ``rule`` is ``"digits"`` (not ``length`` digits), ``"weak"`` (common,
    repeated or sequential) or ``"alternating"``. The PIN itself is not kept."""

    _MESSAGES = {
        "digits": "PIN must be {length} digits (the token's PIN> prompt takes {length})",
        "weak": "PIN too weak (common, all the same digit, or sequential): choose another",
        "alternating": "PIN too weak (alternating digits): choose another",
    }

    def __init__(self, rule: str, length: int) -> None:
        super().__init__(self._MESSAGES[rule].format(length=length), field="pin")
        self.rule = rule
        self.length = length


class UnknownBoard(InvalidInput):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown board {name!r}; known boards: {', '.join(known)}", field="board")
        self.name = name
        self.known = tuple(known)


class NotFound(PicodscError):
    """Something named by the caller does not exist."""


class UnknownToken(NotFound):
    def __init__(self, serial: str) -> None:
        super().__init__(f"unknown token {serial}")
        self.serial = serial


class Conflict(PicodscError):
    """The operation clashes with the current state (of a token or the registry)."""


class AlreadyProvisioned(Conflict):
    """The token holds a configuration, so its USB REPL is locked: factory reset it first."""

    def __init__(self, message: str, port: str, serial: str | None = None) -> None:
        super().__init__(message)
        self.port = port
        self.serial = serial


class AlreadyRegistered(Conflict):
    def __init__(self, serial: str, message: str | None = None) -> None:
        super().__init__(message or f"token {serial} is already in the registry")
        self.serial = serial


class DeviceError(PicodscError):
    """The device on ``port`` is unreachable, does not answer, is not a picodsc token or refused."""

    def __init__(self, message: str, port: str) -> None:
        super().__init__(message)
        self.port = port


class DeviceTimeout(DeviceError):
    def __init__(self, message: str, port: str, timeout: float) -> None:
        super().__init__(message, port)
        self.timeout = timeout


class NoFirmware(DeviceError):
    """The board answers but does not run the picodsc firmware (``picodsc deploy`` first)."""


class MpyVersionMismatch(DeviceError):
    def __init__(self, port: str, found: int, expected: int) -> None:
        super().__init__(
            f"board runs .mpy version {found}, mpy-cross makes {expected}: "
            "update MicroPython on the board or deploy sources with --source", port)
        self.found = found
        self.expected = expected


class RegistryError(PicodscError):
    """The registry database at ``path`` cannot be used as it is (missing, damaged, busy, newer)."""

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        self.path = path


class KeyFileError(RegistryError):
    """The registry's AES key file at ``path`` is missing, unsafe or not the registry's key."""


class ToolError(PicodscError):
    """A host tool the operation needs (mpremote, mpy-cross, a pinned driver package) is missing or failed."""
