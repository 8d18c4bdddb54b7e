"""The security devices, one class per kind, with the same small interface.

``kind`` / ``level`` (higher is more secure), ``prompt(conn, now)`` -> what step 2 asks,
``check(conn, prompt, answer, now)`` -> bool (consumes what must be single-use), ``access(now)`` ->
"full" | "portal-only" | "none". Each rule of the seed is one function with its numbers beside it.
"""

import hmac
import json
import secrets

from sqlalchemy import func, select, update

from .. import ocra
from . import tables as T
from .errors import Conflict
from .store import insert_if_absent
from .users import verify_secret

DAY = 86400

# Security levels, highest first in the seed: DSC+ > DSC > online card > temporary passcode.
LEVELS = {"token-dsc+": 4, "token-dsc": 3, "card": 2, "passcode": 1, "none": 0}

# ---- temporary passcode -------------------------------------------------------------------------
TEMP_PASSCODE_FULL_DAYS = 2  # full access to portal and trading
TEMP_PASSCODE_PORTAL_DAYS = 10  # then portal-only (printing/saving and activating the online card)
PASSCODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # upper case, no 0/O, 1/I
PASSCODE_LENGTH = 10


def temporary_passcode_access(issued_at: float, now: float) -> str:
    """Full for 2 days, portal-only 10 more, then refused (boundaries inclusive, to the second)."""
    if now < issued_at:
        return "none"
    if now <= issued_at + TEMP_PASSCODE_FULL_DAYS * DAY:
        return "full"
    if now <= issued_at + (TEMP_PASSCODE_FULL_DAYS + TEMP_PASSCODE_PORTAL_DAYS) * DAY:
        return "portal-only"
    return "none"


def new_passcode() -> str:
    while True:
        code = "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(PASSCODE_LENGTH))
        if sum(c.isalpha() for c in code) >= 2:  # so a lower-case entry can never match
            return code


class Passcode:
    kind = "passcode"
    level = LEVELS["passcode"]
    method = "passcode"

    def __init__(self, row):
        self.row = row
        self.ref_id = row["id"]

    def access(self, now):
        return temporary_passcode_access(self.row["issued_at"], now)

    def prompt(self, conn, now):
        return {}

    def check(self, conn, prompt, answer, now):
        return verify_secret(self.row["passcode_hash"], answer)

    def full_until(self):
        return self.row["issued_at"] + TEMP_PASSCODE_FULL_DAYS * DAY

    def portal_until(self):
        return self.row["issued_at"] + (TEMP_PASSCODE_FULL_DAYS + TEMP_PASSCODE_PORTAL_DAYS) * DAY


# ---- online security code card ------------------------------------------------------------------
ONLINE_CARD_FULL_DAYS = 21
CARD_ROWS = "ABCDEF"
CARD_COLS = "123456"
CARD_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # unambiguous: no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, 6/G (keeps 6)
CARD_CODE_LENGTH = 3


def online_card_access(activated_at: float | None, now: float) -> str:
    """Full access for 21 days from activation (inclusive, to the second); never before activation."""
    if activated_at is None or now < activated_at:
        return "none"
    return "full" if now <= activated_at + ONLINE_CARD_FULL_DAYS * DAY else "none"


def card_positions():
    return [r + c for r in CARD_ROWS for c in CARD_COLS]


def new_card_cells() -> dict:
    return {
        p: "".join(secrets.choice(CARD_ALPHABET) for _ in range(CARD_CODE_LENGTH)) for p in card_positions()
    }


def pair_key(positions) -> str:
    return ",".join(sorted(positions))


def random_pair(exclude=frozenset()):
    """Two distinct random positions whose (unordered) pair is not in ``exclude``."""
    cells = card_positions()
    free = [(a, b) for i, a in enumerate(cells) for b in cells[i + 1 :] if pair_key((a, b)) not in exclude]
    if not free:
        raise Conflict("every position pair of this card has been used: contact Client Services")
    a, b = secrets.choice(free)
    return (a, b) if secrets.randbelow(2) else (b, a)


class Card:
    kind = "card"
    level = LEVELS["card"]
    method = "card"

    def __init__(self, row, cells: dict):
        self.row = row
        self.ref_id = row["id"]
        self.cells = cells

    def access(self, now):
        return online_card_access(self.row["activated_at"], now)

    def used_pairs(self, conn):
        return {
            r[0]
            for r in conn.execute(select(T.card_uses.c.positions).where(T.card_uses.c.card_id == self.ref_id))
        }

    def prompt(self, conn, now):
        return {"positions": random_pair(self.used_pairs(conn))}

    def expected(self, positions) -> str:
        return "".join(self.cells[p] for p in positions)

    def check_values(self, answers: dict) -> bool:
        """Every position's value, compared in constant time (activation)."""
        ok = True
        for pos, value in answers.items():
            ok &= hmac.compare_digest(self.cells.get(pos, "").encode(), value.encode("utf-8", "replace"))
        return ok

    def check(self, conn, prompt, answer, now):
        positions = tuple(prompt["positions"])
        ok = hmac.compare_digest(self.expected(positions).encode(), answer.encode("utf-8", "replace"))
        if not ok:
            return False
        key = pair_key(positions)
        # a (positions, answer) pair is never accepted twice
        return insert_if_absent(conn, T.card_uses, card_id=self.ref_id, positions=key, at=now)

    def full_until(self):
        at = self.row["activated_at"]
        return None if at is None else at + ONLINE_CARD_FULL_DAYS * DAY


def load_card(store, row) -> Card:
    cells = json.loads(store.unseal(f"card:{row['id']}", "cells", row["cells"]))
    return Card(row, cells)


# ---- token (DSC+ / DSC): wraps the OCRA verifier --------------------------------------------------
COUNTER_WINDOW = 100
USED_CHALLENGE_SHARE = 2  # refuse new challenges once 1/2 of the suite's challenge space is used


def token_kind(suite_text: str) -> str:
    return "token-dsc+" if ocra.parse_suite(suite_text).pin_hash_name else "token-dsc"


def challenge_space(suite) -> int:
    alphabet = {"N": 10, "H": 16, "A": 62}[suite.question_kind]
    return alphabet**suite.question_length


class Token:
    method = "token"

    def __init__(self, device_row, token_row, secret: bytes, pin_hash: bytes | None):
        self.row = device_row
        self.ref_id = device_row["id"]
        self.serial = token_row["serial"]
        self.suite = ocra.parse_suite(token_row["suite"])
        self.counter = token_row["counter"]
        self._prepared = ocra.Prepared(self.suite, secret, pin_hash)
        self.kind = "token-dsc+" if self.suite.pin_hash_name else "token-dsc"
        self.level = LEVELS[self.kind]

    def __repr__(self):
        return f"Token(serial={self.serial!r}, kind={self.kind!r})"

    def access(self, now):
        return "full"

    def prompt(self, conn, now):
        """A challenge never accepted for this serial before (the used-set grows per answer, not per
        request, so asking for challenges cannot exhaust it)."""
        from ..verifier import new_challenge

        used = conn.execute(
            select(func.count())
            .select_from(T.used_challenges)
            .where(T.used_challenges.c.serial == self.serial)
        ).scalar()
        if used * USED_CHALLENGE_SHARE >= challenge_space(self.suite):
            raise Conflict(f"token {self.serial} has used half of its challenges: re-provision it")
        for _ in range(64):
            challenge = new_challenge(self.suite)
            if not conn.execute(
                select(T.used_challenges.c.at).where(
                    T.used_challenges.c.serial == self.serial, T.used_challenges.c.challenge == challenge
                )
            ).first():
                return {"challenge": challenge}
        raise Conflict(f"could not draw an unused challenge for token {self.serial}")

    def check(self, conn, prompt, answer, now):
        """Single use per serial for the secret's life: the challenge enters the used-set on its first
        answer, whatever the outcome. Responses are digits only, no spaces."""
        challenge = prompt["challenge"]
        n = self.suite.digits
        if not (answer.isascii() and answer.isdigit() and (not n or len(answer) == n)):
            answer = None
        if not insert_if_absent(conn, T.used_challenges, serial=self.serial, challenge=challenge, at=now):
            return False
        if answer is None or self.suite.time_step:
            return False
        if self.suite.counter:
            tok = conn.execute(
                select(T.tokens.c.counter).where(T.tokens.c.serial == self.serial).with_for_update()
            ).scalar()
            matched = self._prepared.match(challenge, answer, counter=tok, window=COUNTER_WINDOW)
            if matched is None:
                return False
            conn.execute(update(T.tokens).where(T.tokens.c.serial == self.serial).values(counter=matched + 1))
            return True
        return self._prepared.match(challenge, answer) is not None

    def full_until(self):
        return None


def load_token(store, conn, device_row) -> Token:
    trow = conn.execute(select(T.tokens).where(T.tokens.c.serial == device_row["serial"])).mappings().one()
    secret = store.unseal(f"token:{trow['serial']}", "secret", trow["secret"])
    pin = trow["pin_hash"]
    pin = store.unseal(f"token:{trow['serial']}", "pin_hash", pin) if pin is not None else None
    return Token(device_row, trow, secret, pin)


# ---- which credential is the user's now ------------------------------------------------------------
NO_DEVICE = "none"  # opted out, or never had a device: password alone, "None" limits
UNUSABLE = "unusable"  # had devices, none usable now (expired temporary ones): refused


def active_devices(conn, username, *, lock=False):
    q = select(T.devices).where(T.devices.c.username == username, T.devices.c.status == "active")
    return conn.execute(q.with_for_update() if lock else q).mappings().all()


def active_temp_passcode(conn, username):
    return (
        conn.execute(
            select(T.temp_passcodes).where(
                T.temp_passcodes.c.username == username, T.temp_passcodes.c.status == "active"
            )
        )
        .mappings()
        .first()
    )


def current_card(conn, username):
    return (
        conn.execute(
            select(T.cards).where(T.cards.c.username == username, T.cards.c.status.in_(("new", "active")))
        )
        .mappings()
        .first()
    )


def active_credential(store, conn, user, now):
    """The credential step 2 asks for: an active online card, else a live temporary passcode, else the
    permanent device; :data:`NO_DEVICE` when the account opted out or the user never had one."""
    from .users import account_participating

    if not account_participating(conn, user["account"]):
        return NO_DEVICE
    username = user["username"]
    card = current_card(conn, username)
    if (
        card is not None
        and card["status"] == "active"
        and online_card_access(card["activated_at"], now) != "none"
    ):
        return load_card(store, card)
    pc = active_temp_passcode(conn, username)
    if pc is not None and temporary_passcode_access(pc["issued_at"], now) != "none":
        return Passcode(pc)
    devices = active_devices(conn, username)
    if devices:
        return load_token(store, conn, devices[0])
    had = any(
        conn.execute(select(func.count()).select_from(t).where(t.c.username == username)).scalar()
        for t in (T.devices, T.temp_passcodes, T.cards)
    )
    return UNUSABLE if had else NO_DEVICE


_USABLE = {  # method -> (its table, the statuses in which a transaction opened for it can still use it)
    "token": (T.devices, ("active", "shipped")),
    "card": (T.cards, ("new", "active")),
    "passcode": (T.temp_passcodes, ("active",)),
}


def credential_by_ref(store, conn, username, method, ref_id, now):
    """The credential a transaction was opened for, if still usable; else None."""
    table, usable = _USABLE.get(method, _USABLE["passcode"])
    mine = (table.c.id == ref_id, table.c.username == username, table.c.status.in_(usable))
    row = conn.execute(select(table).where(*mine)).mappings().first()
    if row is None:
        return None
    if method == "token":
        return load_token(store, conn, row)
    if method == "card":
        return load_card(store, row)
    return Passcode(row)
