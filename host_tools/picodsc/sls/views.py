"""Plain data the facade returns (no secrets inside, except SessionGrant.token, shown once)."""

from dataclasses import dataclass, field

__all__ = [  # re-exported by picodsc.sls
    "AuditReport", "CardView", "DeviceInfo", "Identity", "Limits", "LoginStep", "MaintenanceReport", "MeView",
    "Notice", "Prompt", "ReplacementInfo", "SessionGrant", "SessionView", "SharingRequest", "UserInfo",
    "WithdrawalResult",
]


@dataclass(frozen=True)
class Identity:
    """Identification data of the seed's sharing rule (sealed at rest)."""

    date_of_birth: str  # YYYY-MM-DD
    citizenship: str  # ISO country code
    residence: str  # country of legal residence
    id_type: str = ""  # e.g. "passport"
    id_number: str = ""
    ssn: str = ""  # US persons: replaces id_type/id_number

    def __repr__(self):  # personal data: never in logs or tracebacks
        return "Identity(<sealed>)"


@dataclass(frozen=True)
class DeviceInfo:
    serial: str
    kind: str  # "token-dsc+" | "token-dsc"
    status: str  # "active" | "shipped" | "void"
    shared_from: str | None = None  # owner user name when shared


@dataclass(frozen=True)
class UserInfo:
    username: str
    account: str
    primary: bool
    participating: bool  # SLS status of the account
    credential: str  # active credential: "token-dsc+"|"token-dsc"|"card"|"passcode"|"none"
    locked: bool
    locked_until: float | None
    failures: int  # consecutive failed attempts in the current run
    devices: tuple[DeviceInfo, ...] = ()
    temp_passcode_issued_at: float | None = None
    card_status: str | None = None  # "new" | "active" | None
    replacement: "ReplacementInfo | None" = None
    has_identity: bool = False


@dataclass(frozen=True)
class ReplacementInfo:
    username: str
    status: str  # "requested" | "shipped" | "active"
    requested_at: float
    serial: str | None = None
    shipped_at: float | None = None
    auto_activate_at: float | None = None  # shipped: exact; requested: an estimate
    activated_at: float | None = None


@dataclass(frozen=True)
class SharingRequest:
    id: int
    requester: str
    owner: str
    serial: str
    status: str  # "approved" | "pending"
    created_at: float


@dataclass(frozen=True)
class MaintenanceReport:
    activated: tuple[str, ...] = ()  # users whose shipped replacement auto-activated
    notices: tuple[str, ...] = ()  # "user:kind" notices sent
    purged: int = 0  # expired transactions, sessions, throttle rows removed


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    rows: int
    first_bad_row: int | None = None
    reason: str | None = None  # "changed" | "removed" | "reordered"


@dataclass(frozen=True)
class SessionGrant:
    token: str  # secret: give it to the client once, never log it
    access: str  # "full" | "portal-only"
    username: str
    credential: str
    expires_at: float

    def __repr__(self):
        return (
            f"SessionGrant(username={self.username!r}, access={self.access!r}, "
            f"credential={self.credential!r})"
        )


@dataclass(frozen=True)
class LoginStep:
    transaction: str | None = None
    method: str | None = None  # "token" | "card" | "passcode" | None (session granted)
    challenge: str | None = None
    positions: tuple[str, str] | None = None
    session: SessionGrant | None = None


@dataclass(frozen=True)
class Prompt:
    transaction: str
    method: str  # "token" | "card" | "passcode"
    challenge: str | None = None
    positions: tuple[str, str] | None = None


@dataclass(frozen=True)
class SessionView:
    username: str
    access: str
    credential: str
    level: str  # the withdrawal table's row, e.g. "Digital Security Card+"
    created_at: float
    expires_at: float  # min(idle expiry, absolute expiry)
    fresh_until: float  # step-up freshness (0 when never stepped up)


@dataclass(frozen=True)
class Limits:
    level: str
    day_cents: int | None  # None = unlimited
    five_day_cents: int | None
    used_day_cents: int
    used_five_day_cents: int
    left_day_cents: int | None
    left_five_day_cents: int | None


@dataclass(frozen=True)
class Notice:
    kind: str
    text: str
    at: float


@dataclass(frozen=True)
class MeView:
    username: str
    account: str
    primary: bool
    participating: bool
    access: str
    credential: str
    level: str
    full_until: float | None  # temporary credential: end of full access
    portal_until: float | None  # temporary passcode: end of portal-only access
    limits: Limits
    notices: tuple[Notice, ...] = ()
    replacement: ReplacementInfo | None = None


@dataclass(frozen=True)
class WithdrawalResult:
    id: int
    amount_cents: int
    at: float
    limits: Limits  # after this withdrawal


@dataclass(frozen=True)
class CardView:
    rows: tuple[str, ...]  # row labels, e.g. ("A", ..., "F")
    cols: tuple[str, ...]  # column labels, e.g. ("1", ..., "6")
    grid: tuple[tuple[str, ...], ...]  # grid[r][c] is the code at rows[r] + cols[c]
    status: str  # "new" | "active"
    activation_positions: tuple[str, str] | None = None  # what card_activate wants answered
    activated_at: float | None = None
    full_until: float | None = None
    created_at: float = 0.0
    extra: dict = field(default_factory=dict)

    def __repr__(self):  # the codes are secrets
        return f"CardView(status={self.status!r})"
