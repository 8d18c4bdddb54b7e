"""picodsc.sls: the Secure Login System domain (users, credentials, login, lifecycle, withdrawals, audit).

No HTTP and no click in here: cli/ and web/ call :class:`Service`.
"""

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
from .views import (
    AuditReport,
    CardView,
    DeviceInfo,
    Identity,
    Limits,
    LoginStep,
    MaintenanceReport,
    MeView,
    Notice,
    Prompt,
    ReplacementInfo,
    SessionGrant,
    SessionView,
    SharingRequest,
    UserInfo,
    WithdrawalResult,
)

__all__ = [
    "AccessDenied", "AuditReport", "BadCharacter", "CardView", "Clock", "Conflict", "DeviceInfo",
    "FileClock", "FixedClock", "Identity", "InvalidCredentials", "InvalidInput", "LessSecureDevice",
    "LimitExceeded", "Limits", "LoginFailed", "LoginStep", "MaintenanceReport", "MeView", "NotFound",
    "NotPrimaryUser", "Notice", "Prompt", "ReplacementInfo", "Service", "SessionGrant", "SessionInvalid",
    "SessionView", "SharingRequest", "SlsError", "SystemClock", "Throttled", "UserInfo",
    "WithdrawalResult", "clock_from_env",
]
