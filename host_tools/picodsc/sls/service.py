"""The facade of the Secure Login System: the one object cli/ and web/ call.

Contract: /work/wt/SLS-CONTRACT.md (coordination file). Differences and additions:

- ``Service.open(..., login_attempts_per_hour=100, challenges_per_hour=120)``: the throttles are settable.
- ``Service.close()``; ``Service.audit_rows(subject=None, action=None)`` (list of dicts, for tests/admin).
- ``CardView.activation_positions``: the two positions ``card_activate`` wants answered (a dict
  position -> code). A wrong activation answer raises ``LoginFailed`` and counts as a failed attempt.
- Dataclasses live in :mod:`picodsc.sls.views` and are re-exported by ``picodsc.sls``.
- Bad serials raise ``InvalidInput("serial", ...)``; a PIN the policy refuses, ``InvalidInput("pin", ...)``.
- ``Service.maintenance()`` sends a notice only while it is still ahead of the auto-activation (a
  notice whose moment passed while maintenance did not run is skipped, the activation is not).
- The per-user login throttle refuses as ``InvalidCredentials`` (not counted as a failure); the
  per-address one raises ``Throttled``; so do token challenge requests over their rate (per serial+user).

Every method takes its time from the injected clock. Errors are :mod:`picodsc.sls.errors`.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select, update

from .. import ocra
from ..errors import PicodscError
from ..registry import check_serial as _check_serial
from . import audit, lifecycle, login, sessions, throttle
from . import credentials as C
from . import tables as T
from . import withdrawals as W
from .clock import Clock, SystemClock
from .errors import AccessDenied, Conflict, InvalidInput, LimitExceeded, LoginFailed, NotFound, SessionInvalid
from .store import Store
from .users import account_participating, add_user, hash_secret, require_user
from .views import (
    AuditReport,
    CardView,
    DeviceInfo,
    Identity,
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


def check_serial(serial) -> str:
    """The registry's serial rule (8..32 hex digits, upper-cased), as this package's InvalidInput."""
    try:
        return _check_serial(serial if isinstance(serial, str) else "")
    except PicodscError as e:
        raise InvalidInput("serial", str(e)) from None


_ACCESS_ORDER = {"none": 0, "portal-only": 1, "full": 2}


def _weaker(a, b):
    return a if _ACCESS_ORDER[a] <= _ACCESS_ORDER[b] else b


class Service:
    """Open with :meth:`open`; thread-safe (one engine pool); one per process is enough."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        login_attempts_per_hour=throttle.LOGIN_ATTEMPTS_PER_HOUR,
        challenges_per_hour=throttle.CHALLENGES_PER_HOUR,
    ):
        self.store = store
        self.clock = clock
        self.login_attempts_per_hour = login_attempts_per_hour
        self.challenges_per_hour = challenges_per_hour

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        clock: Clock | None = None,
        key_file: Path | None = None,
        create: bool = True,
        login_attempts_per_hour: int = throttle.LOGIN_ATTEMPTS_PER_HOUR,
        challenges_per_hour: int = throttle.CHALLENGES_PER_HOUR,
    ) -> Service:
        """``url``: SQLAlchemy URL; None = ``PICODSC_DATABASE_URL`` or the SQLite file in the user data
        dir. Runs the Alembic migrations to head when ``create``."""
        store = Store(url, key_file, create)
        audit.ensure_head(store)
        return cls(store, clock or SystemClock(), login_attempts_per_hour, challenges_per_hour)

    def close(self) -> None:
        self.store.close()

    def _now(self):
        return self.clock.now()

    # ---- Client Services -------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        *,
        account: str,
        password: str,
        primary: bool = False,
        identity: Identity | None = None,
        actor: str = "cli",
    ) -> None:
        from .users import check_password, new_user_name

        new_user_name(username)
        check_password(password)
        pw_hash = hash_secret(password)
        now = self._now()
        with self.store.write() as conn:
            add_user(
                self.store,
                conn,
                username,
                account=account,
                password_hash=pw_hash,
                primary=primary,
                identity=identity,
                now=now,
            )
            audit.append(self.store, conn, now, actor, "user-add", username, account=account, primary=primary)

    def user_info(self, username: str) -> UserInfo:
        now = self._now()
        with self.store.read() as conn:
            user = require_user(conn, username)
            cred = C.active_credential(self.store, conn, user, now)
            devices = (
                conn.execute(
                    select(T.devices, T.tokens.c.suite)
                    .join(T.tokens, T.tokens.c.serial == T.devices.c.serial)
                    .where(T.devices.c.username == username)
                    .order_by(T.devices.c.id)
                )
                .mappings()
                .all()
            )
            pc = C.active_temp_passcode(conn, username)
            card = C.current_card(conn, username)
            rep = (
                conn.execute(
                    select(T.replacements)
                    .where(T.replacements.c.username == username)
                    .order_by(T.replacements.c.id.desc())
                )
                .mappings()
                .first()
            )
            return UserInfo(
                username=username,
                account=user["account"],
                primary=bool(user["is_primary"]),
                participating=account_participating(conn, user["account"]),
                credential=cred if isinstance(cred, str) else cred.kind,
                locked=login.is_locked(user["locked_until"], now),
                locked_until=user["locked_until"],
                failures=user["failures"],
                devices=tuple(
                    DeviceInfo(d["serial"], C.token_kind(d["suite"]), d["status"], d["shared_from"])
                    for d in devices
                ),
                temp_passcode_issued_at=pc["issued_at"] if pc else None,
                card_status=card["status"] if card else None,
                replacement=lifecycle.replacement_info(rep),
                has_identity=user["identity"] is not None,
            )

    def unlock(self, username: str, *, actor: str = "cli") -> None:
        now = self._now()
        with self.store.write() as conn:
            require_user(conn, username, lock=True)
            login.reset_failures(conn, username)
            audit.append(self.store, conn, now, actor, "user-unlock", username)

    def import_pskc(self, data: bytes, *, pin: str | None, actor: str = "cli") -> list[str]:
        """Tokens from an RFC 6030 PSKC file. ``pin``: the tokens' PIN (suites with P); without it, a
        P suite's PIN hash is set when the token ships as a replacement (the PIN the user chose)."""
        from pskc import PSKC

        try:
            keys = PSKC(io.BytesIO(data)).keys
        except Exception as e:
            raise InvalidInput("pskc", f"not a PSKC document ({type(e).__name__})") from None
        now, rows = self._now(), []
        for key in keys:
            serial = check_serial(key.serial or key.id or "")
            try:
                suite = ocra.parse_suite(key.algorithm_suite or "")
            except ocra.OcraError as e:
                raise InvalidInput("pskc", f"token {serial}: {e}") from None
            secret = key.secret
            if not secret:
                raise InvalidInput(
                    "pskc", f"token {serial} has no secret (encrypted PSKC files are not supported)"
                )
            pin_hash = None
            if suite.pin_hash_name and pin is not None:
                if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and len(pin) == 4):
                    raise InvalidInput("pin", "4 digits")
                pin_hash = ocra.pin_hash(suite, pin)
            rows.append((serial, suite.text, secret, pin_hash, key.counter or 0))
        with self.store.write() as conn:
            for serial, suite, secret, pin_hash, counter in rows:
                if conn.execute(select(T.tokens.c.serial).where(T.tokens.c.serial == serial)).first():
                    raise Conflict(f"token {serial} is already imported")
                conn.execute(
                    T.tokens.insert().values(
                        serial=serial,
                        suite=suite,
                        secret=self.store.seal(f"token:{serial}", "secret", secret),
                        pin_hash=self.store.seal(f"token:{serial}", "pin_hash", pin_hash)
                        if pin_hash
                        else None,
                        counter=int(counter),
                        created_at=now,
                    )
                )
                audit.append(self.store, conn, now, actor, "token-import", serial, suite=suite)
        return [r[0] for r in rows]

    def assign_device(self, username: str, serial: str, *, actor: str = "cli") -> None:
        serial = check_serial(serial)
        now = self._now()
        with self.store.write() as conn:
            require_user(conn, username, lock=True)
            tok = conn.execute(select(T.tokens).where(T.tokens.c.serial == serial)).mappings().first()
            if tok is None:
                raise NotFound(f"token {serial}")
            if ocra.parse_suite(tok["suite"]).pin_hash_name and tok["pin_hash"] is None:
                raise Conflict(
                    f"token {serial} has no PIN yet: import it with its PIN or ship it as a replacement"
                )
            if conn.execute(
                select(T.devices.c.id).where(
                    T.devices.c.serial == serial, T.devices.c.status.in_(("active", "shipped"))
                )
            ).first():
                raise Conflict(f"token {serial} is already assigned")
            lifecycle.move_status(conn, T.devices, username, "active", "void")
            conn.execute(
                T.devices.insert().values(username=username, serial=serial, status="active", created_at=now)
            )
            audit.append(self.store, conn, now, actor, "device-assign", username, serial=serial)

    def issue_temp_passcode(self, username: str, *, actor: str = "cli") -> str:
        passcode = C.new_passcode()
        pc_hash = hash_secret(passcode)
        now = self._now()
        with self.store.write() as conn:
            lifecycle.issue_temp_passcode(self.store, conn, username, pc_hash, now, actor)
        return passcode

    def ship_replacement(self, username: str, serial: str, *, actor: str = "cli") -> ReplacementInfo:
        serial = check_serial(serial)
        now = self._now()
        with self.store.write() as conn:
            return lifecycle.ship_replacement(self.store, conn, username, serial, now, actor)

    def pending_sharing(self) -> list[SharingRequest]:
        with self.store.read() as conn:
            rows = (
                conn.execute(
                    select(T.sharing).where(T.sharing.c.status == "pending").order_by(T.sharing.c.id)
                )
                .mappings()
                .all()
            )
        return [
            SharingRequest(r["id"], r["requester"], r["owner"], r["serial"], r["status"], r["created_at"])
            for r in rows
        ]

    def approve_sharing(self, request_id: int, *, actor: str = "cli") -> None:
        now = self._now()
        with self.store.write() as conn:
            lifecycle.approve_sharing(self.store, conn, int(request_id), now, actor)

    def maintenance(self) -> MaintenanceReport:
        """Idempotent: due notices and auto-activations, then purges. Safe from cron every minute."""
        now = self._now()
        with self.store.read() as conn:
            due = [
                r[0]
                for r in conn.execute(
                    select(T.replacements.c.id).where(
                        T.replacements.c.status == "shipped",
                        T.replacements.c.auto_activate_at
                        - max(lifecycle.REPLACEMENT_NOTICE_DAYS) * lifecycle.DAY
                        <= now,
                    )
                )
            ]
        events = []
        for rep_id in due:
            with self.store.write() as conn:
                events += lifecycle.replacement_due(self.store, conn, rep_id, now)
        with self.store.write() as conn:
            purged = sessions.purge(conn, now)
            purged += conn.execute(T.transactions.delete().where(T.transactions.c.expires_at < now)).rowcount
            purged += conn.execute(
                T.throttles.delete().where(T.throttles.c.updated < now - throttle.HOUR)
            ).rowcount
        return MaintenanceReport(
            activated=tuple(e.split(":")[0] for e in events if e.endswith(":activated")),
            notices=tuple(e for e in events if not e.endswith(":activated")),
            purged=purged,
        )

    def verify_audit(self) -> AuditReport:
        return audit.verify(self.store)

    def audit_rows(self, subject: str | None = None, action: str | None = None) -> list[dict]:
        return audit.rows(self.store, subject, action)

    # ---- login -----------------------------------------------------------------------------------
    def login_password(self, username: str, password: str, *, address: str) -> LoginStep:
        return login.login_password(self, username, password, address)

    def login_answer(self, transaction: str, answer: str, *, address: str) -> SessionGrant:
        return login.login_answer(self, transaction, answer, address)

    def _live(self, conn, token, now, *, lock=False, need="full", card_ok=False):
        """(session row, access now). ``need``: "full" refuses portal-only sessions unless ``card_ok``."""
        row = sessions.lookup(conn, token, now, lock=lock)
        access = row["access"]
        if row["credential"] == "passcode":
            issued = conn.execute(
                select(T.temp_passcodes.c.issued_at).where(T.temp_passcodes.c.id == row["ref_id"])
            ).scalar()
            access = _weaker(access, C.temporary_passcode_access(issued, now))
        elif row["credential"] == "card":
            activated = conn.execute(
                select(T.cards.c.activated_at).where(T.cards.c.id == row["ref_id"])
            ).scalar()
            access = _weaker(access, C.online_card_access(activated, now))
        if access == "none":
            raise SessionInvalid("the temporary credential of this session has expired")
        if need == "full" and access != "full" and not card_ok:
            raise AccessDenied("portal-only access: only the online security card pages are available")
        return row, access

    def session(self, token: str) -> SessionView:
        now = self._now()
        with self.store.write() as conn:
            row, access = self._live(conn, token, now, need=None)
            sessions.touch(conn, row, now)
        return SessionView(
            row["username"],
            access,
            row["credential"],
            W.LIMIT_ROW[row["credential"]],
            row["created_at"],
            sessions.session_expiry(row["created_at"], now),
            row["fresh_until"],
        )

    def rotate_session(self, token: str) -> str:
        now = self._now()
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now, lock=True, need=None)
            sessions.revoke(conn, row["id"])
            return sessions.create(
                conn,
                row["username"],
                row["access"],
                row["credential"],
                row["ref_id"],
                now,
                created_at=row["created_at"],
                fresh_until=row["fresh_until"],
            )

    def logout(self, token: str) -> None:
        sid = sessions.token_id(token)
        if sid:
            with self.store.write() as conn:
                sessions.revoke(conn, sid)

    def me(self, token: str) -> MeView:
        now = self._now()
        with self.store.write() as conn:
            row, access = self._live(conn, token, now, need=None)
            sessions.touch(conn, row, now)
            user = require_user(conn, row["username"])
            level = W.LIMIT_ROW[row["credential"]]
            full_until = portal_until = None
            if row["credential"] == "passcode":
                pc = (
                    conn.execute(select(T.temp_passcodes).where(T.temp_passcodes.c.id == row["ref_id"]))
                    .mappings()
                    .one()
                )
                full_until, portal_until = C.Passcode(pc).full_until(), C.Passcode(pc).portal_until()
            elif row["credential"] == "card":
                at = conn.execute(
                    select(T.cards.c.activated_at).where(T.cards.c.id == row["ref_id"])
                ).scalar()
                full_until = at + C.ONLINE_CARD_FULL_DAYS * C.DAY if at is not None else None
            notices = (
                conn.execute(
                    select(T.notices).where(T.notices.c.username == row["username"]).order_by(T.notices.c.id)
                )
                .mappings()
                .all()
            )
            rep = lifecycle.open_replacement(conn, row["username"])
            return MeView(
                username=row["username"],
                account=user["account"],
                primary=bool(user["is_primary"]),
                participating=account_participating(conn, user["account"]),
                access=access,
                credential=row["credential"],
                level=level,
                full_until=full_until,
                portal_until=portal_until,
                limits=W.limits_now(conn, row["username"], level, now),
                notices=tuple(Notice(n["kind"], n["text"], n["at"]) for n in notices),
                replacement=lifecycle.replacement_info(rep),
            )

    # ---- actions on a session --------------------------------------------------------------------
    def _start(self, token, purpose, pick):
        now = self._now()
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now)
            cred = pick(conn, row)
            prompt = login.prompt_for(self, conn, cred, row["username"], now)
            tx = login.open_transaction(
                conn, row["username"], purpose, cred, prompt, now, session_id=row["id"]
            )
        return Prompt(tx, cred.method, prompt.get("challenge"), prompt.get("positions"))

    def _finish(self, token, transaction, answer, purpose, on_ok):
        now = self._now()
        failed = False
        with self.store.write() as conn:
            srow, _ = self._live(conn, token, now)
            tx = login.take_transaction(conn, transaction, purpose)
            user = require_user(conn, srow["username"], lock=True)
            ok = False
            if (
                tx is not None
                and tx["session_id"] == srow["id"]
                and not login.is_locked(user["locked_until"], now)
            ):
                ok, _cred = login.check_answer(self.store, conn, tx, answer, now)
            if ok:
                on_ok(conn, srow, tx, now)
            else:
                who = srow["username"]
                login.fail_attempt(self.store, conn, user, now, who, purpose, who, "failed")
                failed = True
        if failed:
            raise LoginFailed()

    def step_up_start(self, token: str) -> Prompt:
        def pick(conn, row):
            user = require_user(conn, row["username"])
            cred = C.active_credential(self.store, conn, user, self._now())
            if isinstance(cred, str):
                raise AccessDenied("no security device to confirm with")
            return cred

        return self._start(token, "stepup", pick)

    def step_up_finish(self, token: str, transaction: str, answer: str) -> None:
        def ok(conn, srow, tx, now):
            conn.execute(
                update(T.sessions)
                .where(T.sessions.c.id == srow["id"])
                .values(fresh_until=now + sessions.STEP_UP_FRESH)
            )
            audit.append(self.store, conn, now, srow["username"], "stepup", srow["username"], result="ok")

        self._finish(token, transaction, answer, "stepup", ok)

    def withdraw(self, token: str, amount_cents: int, *, require_fresh: bool = False) -> WithdrawalResult:
        now = self._now()
        refused = None
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now)
            username = row["username"]
            require_user(conn, username, lock=True)  # concurrent withdrawals of a user run one at a time
            if require_fresh and row["credential"] != "none" and now > row["fresh_until"]:
                raise AccessDenied("confirm with your security device first (step-up)")
            level = W.LIMIT_ROW[row["credential"]]

            def audited(result, **detail):
                audit.append(
                    self.store, conn, now, username, "withdrawal", username,
                    result=result, amount_cents=amount_cents, **detail,
                )

            try:
                wid, limits = W.withdraw(conn, username, level, amount_cents, now)
            except LimitExceeded as e:
                refused = e
                audited("refused", limit=e.limit_name, period=e.period)
            else:
                audited("ok", level=level, id=wid)
        if refused is not None:
            raise refused
        return WithdrawalResult(wid, amount_cents, now, limits)

    def card_view(self, token: str) -> CardView:
        now = self._now()
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now, card_ok=True)
            card = lifecycle.card_for(self.store, conn, row["username"], now, create=True)
        rows, cols = tuple(C.CARD_ROWS), tuple(C.CARD_COLS)
        return CardView(
            rows=rows,
            cols=cols,
            grid=tuple(tuple(card.cells[r + c] for c in cols) for r in rows),
            status=card.row["status"],
            activation_positions=tuple(card.row["activation_positions"].split(","))
            if card.row["status"] == "new"
            else None,
            activated_at=card.row["activated_at"],
            full_until=card.full_until(),
            created_at=card.row["created_at"],
        )

    def card_activate(self, token: str, answers: dict[str, str]) -> None:
        now = self._now()
        failed = False
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now, card_ok=True)
            user = require_user(conn, row["username"], lock=True)
            if login.is_locked(user["locked_until"], now) or not lifecycle.card_activate(
                self.store, conn, row["username"], answers, now
            ):
                login.fail_attempt(
                    self.store, conn, user, now, row["username"], "card-activate", row["username"], "failed"
                )
                failed = True
        if failed:
            raise LoginFailed()

    def reactivate_start(self, token: str) -> Prompt:
        def pick(conn, row):
            return C.load_token(self.store, conn, lifecycle.device_to_prove(conn, row["username"]))

        return self._start(token, "reactivate", pick)

    def reactivate_finish(self, token: str, transaction: str, answer: str) -> None:
        def ok(conn, srow, tx, now):
            lifecycle.reactivated(self.store, conn, srow["username"], tx["ref_id"], now, srow["username"])

        self._finish(token, transaction, answer, "reactivate", ok)

    def request_replacement(self, token: str, pin: str) -> ReplacementInfo:
        now = self._now()
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now)
            return lifecycle.request_replacement(self.store, conn, row["username"], pin, now)

    def request_sharing(self, token: str, owner_username: str) -> SharingRequest:
        now = self._now()
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now)
            return lifecycle.request_sharing(self.store, conn, row["username"], owner_username, now)

    def set_sls_participation(self, token: str, participating: bool) -> None:
        now = self._now()
        with self.store.write() as conn:
            row, _ = self._live(conn, token, now)
            lifecycle.set_participation(self.store, conn, row["username"], participating, now)
