"""The facade of the Secure Login System: the one object cli/ and web/ call.

Contract: /work/wt/SLS-CONTRACT.md (coordination file). Changes to the contract are listed here:

- (none yet) — additions only: ``Service.close()``, ``Service.pending_sharing()`` returns
  :class:`SharingRequest`, dataclasses live in :mod:`picodsc.sls.views` and are re-exported here.

Every method takes its time from the injected clock. Errors are :mod:`picodsc.sls.errors`.
"""

from __future__ import annotations

from pathlib import Path

from .clock import Clock
from .views import (  # noqa: F401  (re-exported)
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


class Service:
    """Open with :meth:`open`; thread-safe (one engine pool); one per process is enough."""

    @classmethod
    def open(cls, url: str | None = None, *, clock: Clock | None = None, key_file: Path | None = None,
             create: bool = True) -> Service:
        """``url``: SQLAlchemy URL; None = ``PICODSC_DATABASE_URL`` or the SQLite file in the user data
        dir. Runs the Alembic migrations to head when ``create``."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # ---- Client Services -------------------------------------------------------------------------
    def add_user(self, username: str, *, account: str, password: str, primary: bool = False,
                 identity: Identity | None = None, actor: str = "cli") -> None:
        raise NotImplementedError

    def user_info(self, username: str) -> UserInfo:
        raise NotImplementedError

    def unlock(self, username: str, *, actor: str = "cli") -> None:
        raise NotImplementedError

    def import_pskc(self, data: bytes, *, pin: str | None, actor: str = "cli") -> list[str]:
        raise NotImplementedError

    def assign_device(self, username: str, serial: str, *, actor: str = "cli") -> None:
        raise NotImplementedError

    def issue_temp_passcode(self, username: str, *, actor: str = "cli") -> str:
        raise NotImplementedError

    def ship_replacement(self, username: str, serial: str, *, actor: str = "cli") -> ReplacementInfo:
        raise NotImplementedError

    def pending_sharing(self) -> list[SharingRequest]:
        raise NotImplementedError

    def approve_sharing(self, request_id: int, *, actor: str = "cli") -> None:
        raise NotImplementedError

    def maintenance(self) -> MaintenanceReport:
        raise NotImplementedError

    def verify_audit(self) -> AuditReport:
        raise NotImplementedError

    # ---- login -----------------------------------------------------------------------------------
    def login_password(self, username: str, password: str, *, address: str) -> LoginStep:
        raise NotImplementedError

    def login_answer(self, transaction: str, answer: str, *, address: str) -> SessionGrant:
        raise NotImplementedError

    def session(self, token: str) -> SessionView:
        raise NotImplementedError

    def rotate_session(self, token: str) -> str:
        raise NotImplementedError

    def logout(self, token: str) -> None:
        raise NotImplementedError

    def me(self, token: str) -> MeView:
        raise NotImplementedError

    # ---- actions on a session --------------------------------------------------------------------
    def step_up_start(self, token: str) -> Prompt:
        raise NotImplementedError

    def step_up_finish(self, token: str, transaction: str, answer: str) -> None:
        raise NotImplementedError

    def withdraw(self, token: str, amount_cents: int, *, require_fresh: bool = False) -> WithdrawalResult:
        raise NotImplementedError

    def card_view(self, token: str) -> CardView:
        raise NotImplementedError

    def card_activate(self, token: str, answers: dict[str, str]) -> None:
        raise NotImplementedError

    def reactivate_start(self, token: str) -> Prompt:
        raise NotImplementedError

    def reactivate_finish(self, token: str, transaction: str, answer: str) -> None:
        raise NotImplementedError

    def request_replacement(self, token: str, pin: str) -> ReplacementInfo:
        raise NotImplementedError

    def request_sharing(self, token: str, owner_username: str) -> SharingRequest:
        raise NotImplementedError

    def set_sls_participation(self, token: str, participating: bool) -> None:
        raise NotImplementedError
