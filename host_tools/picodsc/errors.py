"""The one exception type that user-facing failures are reported with."""


class PicodscError(Exception):
    """A user error or refused operation; the CLI prints ``str(e)`` and exits with ``exit_code``.

    Messages must never contain secrets (keys, PINs, PIN hashes).
    """

    exit_code = 1

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(PicodscError):
    """Bad arguments (exit code 2, like click's own usage errors)."""

    exit_code = 2
