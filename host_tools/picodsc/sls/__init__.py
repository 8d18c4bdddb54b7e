"""picodsc.sls: the Secure Login System domain (users, credentials, login, lifecycle, withdrawals, audit).

No HTTP and no click in here: cli/ and web/ call :class:`Service`.
"""

from . import views as _views
from .clock import Clock, FileClock, FixedClock, SystemClock, clock_from_env
from .errors import (
    AccessDenied,
    BadCharacter,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    LessSecureDevice,
    LimitExceeded,
    LoginFailed,
    NotFound,
    NotPrimaryUser,
    SessionInvalid,
    SlsError,
    Throttled,
)
from .service import Service
from .views import *  # noqa: F403  (the dataclasses the facade returns: views.__all__)

__all__ = [
    "AccessDenied",
    "BadCharacter",
    "Clock",
    "Conflict",
    "FileClock",
    "FixedClock",
    "InvalidCredentials",
    "InvalidInput",
    "LessSecureDevice",
    "LimitExceeded",
    "LoginFailed",
    "NotFound",
    "NotPrimaryUser",
    "Service",
    "SessionInvalid",
    "SlsError",
    "SystemClock",
    "Throttled",
    "clock_from_env",
    *_views.__all__,
]
