"""SQLAlchemy Core tables of the login service (the migrations in migrations/versions/ build them).

Times are UTC epoch seconds (Float); sealed columns hold AES-GCM blobs (registry.Sealer).
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
NAME = String(64)

meta = Table(
    "sls_meta", metadata, Column("name", NAME, primary_key=True), Column("value", LargeBinary, nullable=False)
)

accounts = Table(
    "accounts",
    metadata,
    Column("name", NAME, primary_key=True),
    Column("participating", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", NAME, primary_key=True),
    Column("account", NAME, ForeignKey("accounts.name"), nullable=False, index=True),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("password_hash", String(200), nullable=False),
    Column("identity", LargeBinary),  # sealed JSON
    Column("identity_digest", String(64), index=True),  # HMAC of the normalised identity (equality)
    Column("failures", Integer, nullable=False, default=0),  # consecutive failures, current run
    Column("failure_times", Text, nullable=False, default="[]"),  # the last MAX_FAILURES of them
    Column("locked_until", Float),
    Column("created_at", Float, nullable=False),
)

tokens = Table(
    "sls_tokens",
    metadata,
    Column("serial", String(32), primary_key=True),
    Column("suite", String(100), nullable=False),
    Column("secret", LargeBinary, nullable=False),  # sealed
    Column("pin_hash", LargeBinary),  # sealed
    Column("counter", BigInteger, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", NAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("serial", String(32), ForeignKey("sls_tokens.serial"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # active | void
    Column("shared_from", NAME),
    Column("created_at", Float, nullable=False),
)

used_challenges = Table(
    "used_challenges",
    metadata,
    Column("serial", String(32), primary_key=True),
    Column("challenge", String(64), primary_key=True),
    Column("at", Float, nullable=False),
)

temp_passcodes = Table(
    "temp_passcodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", NAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("passcode_hash", String(200), nullable=False),
    Column("issued_at", Float, nullable=False),
    Column("status", String(16), nullable=False),  # active | void
)

cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", NAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("cells", LargeBinary, nullable=False),  # sealed JSON
    Column("activation_positions", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("activated_at", Float),
    Column("status", String(16), nullable=False),  # new | active | void
)

card_uses = Table(
    "card_uses",
    metadata,
    Column("card_id", Integer, primary_key=True),
    Column("positions", String(16), primary_key=True),  # "A1,C4" (sorted): the pair, once accepted
    Column("at", Float, nullable=False),
)

replacements = Table(
    "replacements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", NAME, ForeignKey("users.username"), nullable=False, index=True),
    Column("pin", LargeBinary),  # sealed, until shipped
    Column("status", String(16), nullable=False),  # requested | shipped | active | void
    Column("serial", String(32)),
    Column("requested_at", Float, nullable=False),
    Column("shipped_at", Float),
    Column("auto_activate_at", Float),
    Column("notice_7_sent", Boolean, nullable=False, default=False),
    Column("notice_1_sent", Boolean, nullable=False, default=False),
    Column("activated_at", Float),
)

transactions = Table(
    "login_transactions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the transaction token
    Column("username", NAME, nullable=False),
    Column("purpose", String(16), nullable=False),  # login | stepup | reactivate
    Column("method", String(16), nullable=False),  # token | card | passcode
    Column("ref_id", Integer),  # device / card / passcode row
    Column("serial", String(32)),
    Column("challenge", String(64)),
    Column("positions", String(16)),
    Column("session_id", String(64)),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the session token
    Column("username", NAME, nullable=False, index=True),
    Column("access", String(16), nullable=False),
    Column("credential", String(16), nullable=False),
    Column("ref_id", Integer),
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("fresh_until", Float, nullable=False, default=0.0),
    Column("revoked", Boolean, nullable=False, default=False),
)

withdrawals = Table(
    "withdrawals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", NAME, nullable=False, index=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("at", Float, nullable=False),
    Column("ny_date", String(10), nullable=False),
    Column("business_day", String(10), nullable=False),
    Column("level", String(40), nullable=False),
)

throttles = Table(
    "throttles",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),
)

sharing = Table(
    "sharing_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("requester", NAME, nullable=False),
    Column("owner", NAME, nullable=False),
    Column("serial", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", NAME, nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", Float, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("at", Float, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", NAME, nullable=False),
    Column("detail", Text, nullable=False),
    Column("mac", String(64), nullable=False),
)
