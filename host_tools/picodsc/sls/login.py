"""The two login steps and the per-user lockout, one transaction per attempt.

Step 1 checks the password (argon2id; unknown users hash a dummy) *before* taking the user's row lock,
then records the outcome under the lock; step 2 consumes the pending transaction and checks the answer
under the lock. Only a whole login resets the failure run (a right password alone does not, or an
attacker holding it could alternate steps forever).
"""

import hashlib
import json
import secrets

from sqlalchemy import delete, insert, select, update

from . import audit, sessions, throttle
from . import credentials as C
from . import tables as T
from .errors import InvalidCredentials, LoginFailed, Throttled
from .users import MAX_PASSWORD, get_user, user_name_rule, verify_secret
from .views import LoginStep, SessionGrant

MAX_FAILURES = 10  # consecutive failed attempts (either step) ...
FAILURE_WINDOW = 24 * 3600  # ... within any 24-hour period ...
LOCK_SECONDS = 24 * 3600  # ... lock the user until 24 h after the last failed attempt
TRANSACTION_TTL = 120  # seconds to answer step 2
MAX_ANSWER = 128


def is_locked(locked_until, now) -> bool:
    return locked_until is not None and now < locked_until


def lockout_after_failure(failure_times, failures, locked_until, now):
    """The seed's lockout: 10 consecutive failures within any 24 h lock the user until 24 h after the
    last one; an attempt while locked is a failure and extends the lock.

    Returns the new (failure_times, failures, locked_until)."""
    recent = [t for t in failure_times if t > now - FAILURE_WINDOW][-(MAX_FAILURES - 1) :] + [now]
    if is_locked(locked_until, now) or len(recent) >= MAX_FAILURES:
        locked_until = now + LOCK_SECONDS
    return recent, failures + 1, locked_until


def record_failure(conn, user, now):
    times, failures, until = lockout_after_failure(
        json.loads(user["failure_times"]), user["failures"], user["locked_until"], now
    )
    conn.execute(
        update(T.users)
        .where(T.users.c.username == user["username"])
        .values(failure_times=json.dumps(times), failures=failures, locked_until=until)
    )
    return until


def fail_attempt(store, conn, user, now, actor, action, subject, result, **detail):
    """A failed attempt: counted against ``user`` (the lockout rule), then audited with the lock it leaves."""
    until = record_failure(conn, user, now)
    audit.append(store, conn, now, actor, action, subject, result=result, locked_until=until, **detail)
    return until


def reset_failures(conn, username):
    conn.execute(
        update(T.users)
        .where(T.users.c.username == username)
        .values(failure_times="[]", failures=0, locked_until=None)
    )


def _tid(token):
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_transaction(conn, username, purpose, cred, prompt, now, session_id=None):
    # The method's initial leads the token ("p." for a passcode): step 2 hashes a passcode answer before
    # taking the lock without a read for the other methods. A client changing it only gets an unknown id.
    token = f"{cred.method[0]}.{secrets.token_urlsafe(24)}"
    positions = prompt.get("positions")
    conn.execute(
        insert(T.transactions).values(
            id=_tid(token),
            username=username,
            purpose=purpose,
            method=cred.method,
            ref_id=cred.ref_id,
            serial=getattr(cred, "serial", None),
            challenge=prompt.get("challenge"),
            positions=",".join(positions) if positions else None,
            session_id=session_id,
            created_at=now,
            expires_at=now + TRANSACTION_TTL,
        )
    )
    return token


def take_transaction(conn, token, purpose):
    """The pending transaction row, deleted (single use), or None."""
    if not isinstance(token, str) or not (8 <= len(token) <= 128):
        return None
    tid = _tid(token)
    row = (
        conn.execute(
            select(T.transactions)
            .where(T.transactions.c.id == tid, T.transactions.c.purpose == purpose)
            .with_for_update()
        )
        .mappings()
        .first()
    )
    if row is None or conn.execute(delete(T.transactions).where(T.transactions.c.id == tid)).rowcount != 1:
        return None
    return row


def prompt_of(row):
    return {
        "challenge": row["challenge"],
        "positions": tuple(row["positions"].split(",")) if row["positions"] else None,
    }


def check_answer(store, conn, row, answer, now):
    """(ok, credential) for a taken transaction row; the credential must still be usable."""
    cred = C.credential_by_ref(store, conn, row["username"], row["method"], row["ref_id"], now)
    if cred is None or now > row["expires_at"] or not isinstance(answer, str) or len(answer) > MAX_ANSWER:
        return False, cred
    if row["purpose"] == "login" and cred.access(now) == "none":
        return False, cred
    return bool(cred.check(conn, prompt_of(row), answer, now)), cred


def _throttle_address(svc, conn, address, now):
    wait = throttle.take(conn, f"addr:{address}", svc.login_attempts_per_hour, now)
    if wait:
        raise Throttled(wait, "login attempts from this address")


def login_password(svc, username, password, address) -> LoginStep:
    user_name_rule_ok = _name_is_user_form(username)  # BadCharacter raised here touches no counter
    store, now = svc.store, svc.clock.now()
    with store.write() as conn:
        _throttle_address(svc, conn, address, now)
        if user_name_rule_ok and throttle.take(conn, f"user:{username}", svc.login_attempts_per_hour, now):
            user_name_rule_ok = None  # throttled user: refused like a wrong password, not counted
    stored = None
    if user_name_rule_ok:
        with store.read() as conn:
            user = get_user(conn, username)
            stored = user["password_hash"] if user else None
    ok = verify_secret(
        stored, password if isinstance(password, str) and len(password) <= MAX_PASSWORD else ""
    )
    if not user_name_rule_ok:
        raise InvalidCredentials()
    outcome = None
    with store.write() as conn:
        user = get_user(conn, username, lock=True)
        if user is None:
            audit.append(store, conn, now, address, "login-password", username, result="unknown-user")
        elif is_locked(user["locked_until"], now) or not ok:
            result = "locked" if is_locked(user["locked_until"], now) else "failed"
            fail_attempt(store, conn, user, now, address, "login-password", username, result)
        else:
            cred = C.active_credential(store, conn, user, now)
            if cred == C.UNUSABLE:
                audit.append(store, conn, now, address, "login-password", username, result="no-usable-device")
            elif cred == C.NO_DEVICE:
                reset_failures(conn, username)
                token = sessions.create(conn, username, "full", "none", None, now)
                audit.append(store, conn, now, address, "login", username, result="ok", credential="none")
                outcome = LoginStep(
                    session=SessionGrant(token, "full", username, "none", sessions.session_expiry(now, now))
                )
            else:
                try:
                    prompt = prompt_for(svc, conn, cred, username, now)
                except Throttled as e:
                    outcome = e
                else:
                    tx = open_transaction(conn, username, "login", cred, prompt, now)
                    audit.append(
                        store, conn, now, address, "login-password", username, result="ok", method=cred.method
                    )
                    outcome = LoginStep(
                        transaction=tx,
                        method=cred.method,
                        challenge=prompt.get("challenge"),
                        positions=prompt.get("positions"),
                    )
    if outcome is None:
        raise InvalidCredentials()
    if isinstance(outcome, Throttled):
        raise outcome
    return outcome


def prompt_for(svc, conn, cred, username, now):
    """What step 2 asks; token challenges are rate limited per (serial, user), so one user asking for
    challenges in a loop never starves another user of the same device."""
    if cred.method == "token":
        wait = throttle.take(conn, f"challenge:{cred.serial}:{username}", svc.challenges_per_hour, now)
        if wait:
            raise Throttled(wait, f"challenge requests for token {cred.serial}")
    return cred.prompt(conn, now)


def _name_is_user_form(username) -> bool:
    """BadCharacter for a non-alphanumeric name; False for a well-formed name that cannot be a user
    (upper case, too long): it goes through the same motions as an unknown user."""
    try:
        user_name_rule(username)
    except InvalidCredentials:
        return False
    return True


def login_answer(svc, transaction, answer, address) -> SessionGrant:
    store, now = svc.store, svc.clock.now()
    passcode_ok = _precheck_passcode(svc, transaction, answer)
    grant = None
    with store.write() as conn:
        _throttle_address(svc, conn, address, now)
        row = take_transaction(conn, transaction, "login")
        if row is not None:
            username = row["username"]
            user = get_user(conn, username, lock=True)
            locked = is_locked(user["locked_until"], now)
            if row["method"] == "passcode":
                cred = C.credential_by_ref(store, conn, username, "passcode", row["ref_id"], now)
                ok = bool(passcode_ok and cred and now <= row["expires_at"] and cred.access(now) != "none")
            else:
                ok, cred = check_answer(store, conn, row, answer, now)
            if ok and not locked:
                reset_failures(conn, username)
                access = cred.access(now)
                token = sessions.create(conn, username, access, cred.kind, cred.ref_id, now)
                audit.append(
                    store,
                    conn,
                    now,
                    address,
                    "login",
                    username,
                    result="ok",
                    credential=cred.kind,
                    access=access,
                )
                grant = SessionGrant(token, access, username, cred.kind, sessions.session_expiry(now, now))
            else:
                result = "locked" if locked else "failed"
                method = row["method"]
                fail_attempt(store, conn, user, now, address, "login-answer", username, result, method=method)
    if grant is None:
        raise LoginFailed()
    return grant


def _precheck_passcode(svc, transaction, answer):
    """argon2 for a passcode answer runs before the write lock (it takes tens of ms)."""
    if not isinstance(transaction, str) or not isinstance(answer, str) or len(answer) > MAX_ANSWER:
        return False
    if not transaction.startswith("p."):
        return False
    with svc.store.read() as conn:
        row = conn.execute(
            select(T.transactions.c.method, T.transactions.c.ref_id).where(
                T.transactions.c.id == _tid(transaction)
            )
        ).first()
        if row is None or row.method != "passcode":
            return False
        stored = conn.execute(
            select(T.temp_passcodes.c.passcode_hash).where(T.temp_passcodes.c.id == row.ref_id)
        ).scalar()
    return verify_secret(stored, answer)
