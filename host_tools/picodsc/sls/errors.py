"""Domain errors of the Secure Login System. Each carries data, never a secret.

web/ and cli/ map them to HTTP statuses / exit codes in one place each (see the table in
docs/DESIGN.md, "Login service"). ``str(e)`` is the seed's message where the seed has one. Bad input
(``BadCharacter``, ``InvalidInput``) is a :class:`picodsc.errors.InvalidInput`, ``NotFound`` and
``Conflict`` are the package-wide ones too, so cli/errors.py maps them like the rest of the package.
"""

from .. import errors as _errors
from ..errors import PicodscError

BAD_CHARACTER = "BAD CHARACTER"
INVALID_COMBINATION = "Invalid user name password combination"
LOGIN_FAILED = "Login failed"
LESS_SECURE_DEVICE = "Less secure device"


class SlsError(PicodscError):
    """Base of every login-service error."""


class BadCharacter(SlsError, _errors.InvalidInput):
    """A user name with a character that is not a letter or digit (touches no counter)."""

    def __init__(self):
        _errors.InvalidInput.__init__(self, BAD_CHARACTER, field="username")


class InvalidCredentials(SlsError):
    """Step 1 failed: unknown user, wrong password, locked user, user throttled. Never says which."""

    def __init__(self):
        super().__init__(INVALID_COMBINATION)


class LoginFailed(SlsError):
    """Step 2 failed: wrong answer, unknown/used/expired transaction, locked user. Never says which."""

    def __init__(self):
        super().__init__(LOGIN_FAILED)


class Throttled(SlsError):
    """Too many requests from one address (login) or for one token serial (challenges)."""

    def __init__(self, retry_after: int, what: str = "requests"):
        self.retry_after = int(retry_after)
        self.what = what
        super().__init__(f"too many {what}: retry in {self.retry_after} s")


class SessionInvalid(SlsError):
    """Unknown, expired or revoked session."""

    def __init__(self, why: str = "session expired or unknown"):
        self.why = why
        super().__init__(why)


class AccessDenied(SlsError):
    """The session may not do this (portal-only session on a trading action, step-up needed, ...)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class LimitExceeded(SlsError):
    """A withdrawal over a limit. ``limit_name`` is the device row of the seed's table."""

    def __init__(self, limit_name: str, period: str, limit_cents: int, left_cents: int):
        self.limit_name = limit_name
        self.period = period  # "day" | "5 business days"
        self.limit_cents = limit_cents
        self.left_cents = left_cents
        super().__init__(
            f"withdrawal limit exceeded: {limit_name} allows {_usd(limit_cents)} per {period}, "
            f"{_usd(left_cents)} left"
        )


class LessSecureDevice(SlsError):
    """Sharing: the device chosen is not the most secure among the candidates'."""

    def __init__(self):
        super().__init__(LESS_SECURE_DEVICE)


class NotPrimaryUser(SlsError):
    """Security settings are changed by the account's primary user only; names that user."""

    def __init__(self, primary: str | None):
        self.primary = primary
        who = f"user {primary}" if primary else "the account's primary user (none set)"
        super().__init__(f"only the primary user can change the security settings: log in as {who}")


class NotFound(SlsError, _errors.NotFound):
    def __init__(self, what: str):
        self.what = what
        super().__init__(f"{what} not found")


class Conflict(SlsError, _errors.Conflict):
    def __init__(self, what: str):
        self.what = what
        super().__init__(what)


class InvalidInput(SlsError, _errors.InvalidInput):
    def __init__(self, field: str, why: str):
        _errors.InvalidInput.__init__(self, f"{field}: {why}", field=field)
        self.why = why


def _usd(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d} USD"
