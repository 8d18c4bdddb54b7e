"""Credential lifecycle: temporary passcode, online card, reactivation, replacement (+ auto-activation
and notices), device sharing, SLS opt-out/in, and the idempotent :func:`maintenance`.

Every function runs inside the caller's write transaction (``conn``) and appends its audit row there.
"""

import json

from sqlalchemy import insert, select, update

from .. import ocra
from ..errors import PicodscError
from ..verifier import check_pin
from . import audit, sessions
from . import credentials as C
from . import tables as T
from .errors import AccessDenied, Conflict, InvalidInput, LessSecureDevice, NotFound, NotPrimaryUser
from .users import get_user, primary_of, require_user
from .views import ReplacementInfo, SharingRequest

DAY = 86400
REPLACEMENT_AUTO_ACTIVATE_DAYS = 21  # "auto-activate within three weeks from the shipment date"
REPLACEMENT_NOTICE_DAYS = (7, 1)  # "when the auto-activation is approaching and when it is imminent"
SHIPPING_ESTIMATE_DAYS = 14  # "from 3 to 14 days depending upon your country of residence"


def move_status(conn, table, username, old, new):
    """Every row of ``username`` in ``table`` in status ``old`` gets ``new``."""
    conn.execute(update(table).where(table.c.username == username, table.c.status == old).values(status=new))


# ---- temporary credentials -----------------------------------------------------------------------
def void_temporary(conn, username) -> int:
    """Void the temporary passcode and the online card, end the sessions opened with them."""
    move_status(conn, T.temp_passcodes, username, "active", "void")
    conn.execute(
        update(T.cards)
        .where(T.cards.c.username == username, T.cards.c.status != "void")
        .values(status="void")
    )
    return sessions.revoke_temporary(conn, username)


def issue_temp_passcode(store, conn, username, passcode_hash, now, actor):
    """One temporary credential at a time: a new passcode voids the previous passcode and card."""
    require_user(conn, username, lock=True)
    void_temporary(conn, username)
    conn.execute(
        insert(T.temp_passcodes).values(
            username=username, passcode_hash=passcode_hash, issued_at=now, status="active"
        )
    )
    audit.append(store, conn, now, actor, "temp-passcode-issue", username)


def has_temporary(conn, username, now) -> bool:
    """A temporary device (temporary passcode or online card) currently assigned to the user."""
    pc = C.active_temp_passcode(conn, username)
    if pc is not None and C.temporary_passcode_access(pc["issued_at"], now) != "none":
        return True
    card = C.current_card(conn, username)
    return card is not None and (
        card["status"] == "new" or C.online_card_access(card["activated_at"], now) != "none"
    )


def card_for(store, conn, username, now, *, create):
    row = C.current_card(conn, username)
    if row is None:
        if not create:
            raise NotFound("online security code card")
        pc = C.active_temp_passcode(conn, username)
        if pc is None or C.temporary_passcode_access(pc["issued_at"], now) == "none":
            raise AccessDenied("an online card is issued to users holding a valid temporary passcode")
        positions = ",".join(C.random_pair())
        cid = conn.execute(
            insert(T.cards).values(
                username=username, cells=b"-", activation_positions=positions, created_at=now, status="new"
            )
        ).inserted_primary_key[0]
        cells = store.seal(f"card:{cid}", "cells", json.dumps(C.new_card_cells()).encode())
        conn.execute(update(T.cards).where(T.cards.c.id == cid).values(cells=cells))
        audit.append(store, conn, now, username, "card-create", username, card=cid)
        row = conn.execute(select(T.cards).where(T.cards.c.id == cid)).mappings().one()
    return C.load_card(store, row)


def card_activate(store, conn, username, answers, now):
    """Activation by answering the card's two activation positions; then full access for 21 days, and
    the temporary passcode is void (one temporary credential at a time). Returns False when wrong."""
    card = card_for(store, conn, username, now, create=False)
    if card.row["status"] != "new":
        raise Conflict("the online card is already active")
    wanted = card.row["activation_positions"].split(",")
    if (
        not isinstance(answers, dict)
        or sorted(answers) != sorted(wanted)
        or not all(isinstance(v, str) for v in answers.values())
    ):
        raise InvalidInput("answers", f"answer positions {' and '.join(wanted)}")
    if not card.check_values(answers):
        return False
    conn.execute(update(T.cards).where(T.cards.c.id == card.ref_id).values(status="active", activated_at=now))
    move_status(conn, T.temp_passcodes, username, "active", "void")
    audit.append(store, conn, now, username, "card-activate", username, card=card.ref_id)
    return True


# ---- reactivation and replacement ----------------------------------------------------------------
def device_to_prove(conn, username):
    """Reactivation proves the shipped replacement if there is one, else the permanent device."""
    shipped = (
        conn.execute(
            select(T.devices).where(T.devices.c.username == username, T.devices.c.status == "shipped")
        )
        .mappings()
        .first()
    )
    if shipped is not None:
        return shipped
    devices = C.active_devices(conn, username)
    if not devices:
        raise NotFound("permanent security device")
    return devices[0]


def reactivated(store, conn, username, device_id, now, actor):
    """The device was proven: a shipped replacement activates; temporary credentials are void."""
    dev = conn.execute(select(T.devices).where(T.devices.c.id == device_id)).mappings().one()
    if dev["status"] == "shipped":
        activate_replacement(store, conn, username, now, actor, how="user")
    else:
        ended = void_temporary(conn, username)
        audit.append(
            store, conn, now, actor, "reactivate", username, serial=dev["serial"], sessions_ended=ended
        )


def replacement_info(row) -> ReplacementInfo | None:
    if row is None:
        return None
    auto = row["auto_activate_at"]
    if auto is None:
        auto = row["requested_at"] + (SHIPPING_ESTIMATE_DAYS + REPLACEMENT_AUTO_ACTIVATE_DAYS) * DAY
    return ReplacementInfo(
        username=row["username"],
        status=row["status"],
        requested_at=row["requested_at"],
        serial=row["serial"],
        shipped_at=row["shipped_at"],
        auto_activate_at=auto,
        activated_at=row["activated_at"],
    )


def open_replacement(conn, username, *, lock=False):
    q = select(T.replacements).where(
        T.replacements.c.username == username, T.replacements.c.status.in_(("requested", "shipped"))
    )
    return conn.execute(q.with_for_update() if lock else q).mappings().first()


def request_replacement(store, conn, username, pin, now):
    try:
        check_pin(pin)
    except PicodscError as e:  # the verifier's PIN policy (message never holds the PIN)
        raise InvalidInput("pin", str(e)) from None
    if open_replacement(conn, username, lock=True) is not None:
        raise Conflict("a replacement device is already on its way")
    rid = conn.execute(
        insert(T.replacements).values(
            username=username,
            pin=b"-",
            status="requested",
            requested_at=now,
            notice_7_sent=False,
            notice_1_sent=False,
        )
    ).inserted_primary_key[0]
    conn.execute(
        update(T.replacements)
        .where(T.replacements.c.id == rid)
        .values(pin=store.seal(f"replacement:{rid}", "pin", pin.encode()))
    )
    audit.append(store, conn, now, username, "replacement-request", username, replacement=rid)
    return replacement_info(
        conn.execute(select(T.replacements).where(T.replacements.c.id == rid)).mappings().one()
    )


def ship_replacement(store, conn, username, serial, now, actor):
    require_user(conn, username, lock=True)
    rep = open_replacement(conn, username, lock=True)
    if rep is None or rep["status"] != "requested":
        raise Conflict(f"no replacement requested by {username} waiting to ship")
    tok = (
        conn.execute(select(T.tokens).where(T.tokens.c.serial == serial).with_for_update()).mappings().first()
    )
    if tok is None:
        raise NotFound(f"token {serial}")
    if conn.execute(
        select(T.devices.c.id).where(
            T.devices.c.serial == serial, T.devices.c.status.in_(("active", "shipped"))
        )
    ).first():
        raise Conflict(f"token {serial} is already assigned")
    suite = ocra.parse_suite(tok["suite"])
    if suite.pin_hash_name:  # provisioned with the PIN the user chose
        pin = store.unseal(f"replacement:{rep['id']}", "pin", rep["pin"]).decode()
        conn.execute(
            update(T.tokens)
            .where(T.tokens.c.serial == serial)
            .values(pin_hash=store.seal(f"token:{serial}", "pin_hash", ocra.pin_hash(suite, pin)))
        )
    conn.execute(insert(T.devices).values(username=username, serial=serial, status="shipped", created_at=now))
    auto = now + REPLACEMENT_AUTO_ACTIVATE_DAYS * DAY
    conn.execute(
        update(T.replacements)
        .where(T.replacements.c.id == rep["id"])
        .values(status="shipped", serial=serial, shipped_at=now, auto_activate_at=auto, pin=None)
    )
    audit.append(store, conn, now, actor, "replacement-ship", username, serial=serial, auto_activate_at=auto)
    return replacement_info(
        conn.execute(select(T.replacements).where(T.replacements.c.id == rep["id"])).mappings().one()
    )


def activate_replacement(store, conn, username, now, actor, how):
    """The shipped device becomes the permanent one: the old device and temporary credentials are void."""
    rep = open_replacement(conn, username, lock=True)
    if rep is None or rep["status"] != "shipped":
        return False
    move_status(conn, T.devices, username, "active", "void")
    move_status(conn, T.devices, username, "shipped", "active")
    ended = void_temporary(conn, username)
    conn.execute(
        update(T.replacements)
        .where(T.replacements.c.id == rep["id"])
        .values(status="active", activated_at=now)
    )
    audit.append(
        store,
        conn,
        now,
        actor,
        "replacement-activate",
        username,
        serial=rep["serial"],
        how=how,
        sessions_ended=ended,
    )
    return True


def add_notice(conn, username, kind, text, now):
    conn.execute(insert(T.notices).values(username=username, kind=kind, text=text, at=now))


def replacement_due(store, conn, rep_id, now):
    """Due events of one shipped replacement (notices 7 and 1 days before, then auto-activation).
    Idempotent: flags and the status are re-read under the row lock."""
    rep = (
        conn.execute(select(T.replacements).where(T.replacements.c.id == rep_id).with_for_update())
        .mappings()
        .first()
    )
    done = []
    if rep is None or rep["status"] != "shipped":
        return done
    user, auto = rep["username"], rep["auto_activate_at"]
    for days in REPLACEMENT_NOTICE_DAYS:
        flag = f"notice_{days}_sent"
        if not rep[flag] and auto - days * DAY <= now < auto:
            when = "is approaching" if days > 1 else "is imminent"
            add_notice(
                conn,
                user,
                f"auto-activation-{days}d",
                f"The auto-activation of your replacement device {rep['serial']} {when}: "
                f"in {days} day{'s' if days > 1 else ''}. Activate it in the Client Portal when it arrives.",
                now,
            )
            conn.execute(update(T.replacements).where(T.replacements.c.id == rep_id).values(**{flag: True}))
            audit.append(store, conn, now, "maintenance", "notice", user, kind=f"auto-activation-{days}d")
            done.append(f"{user}:auto-activation-{days}d")
    if now >= auto and activate_replacement(store, conn, user, now, "maintenance", how="auto"):
        done.append(f"{user}:activated")
    return done


# ---- sharing -------------------------------------------------------------------------------------
def _own_device(conn, username):
    devices = [d for d in C.active_devices(conn, username) if d["shared_from"] is None]
    return devices[0] if devices else None


def _level(conn, device_row):
    suite = conn.execute(select(T.tokens.c.suite).where(T.tokens.c.serial == device_row["serial"])).scalar()
    return C.LEVELS[C.token_kind(suite)]


def request_sharing(store, conn, requester, owner, now):
    me = require_user(conn, requester, lock=True)
    if not isinstance(owner, str) or owner == requester:
        raise InvalidInput("owner", "another user's name")
    other = get_user(conn, owner)
    if other is None:
        raise NotFound(f"user {owner[:64]}")
    same_account = me["account"] == other["account"]
    same_identity = me["identity_digest"] is not None and me["identity_digest"] == other["identity_digest"]
    if not (same_account or same_identity):
        raise Conflict("sharing needs the same account or the same identification data")
    if has_temporary(conn, requester, now) or has_temporary(conn, owner, now):
        raise Conflict("sharing is refused while a temporary security device is assigned")
    device = _own_device(conn, owner)
    if device is None:
        raise NotFound(f"security device of {owner}")
    mine = C.active_devices(conn, requester)
    if mine and max(_level(conn, d) for d in mine) > _level(conn, device):
        raise LessSecureDevice()
    status = "approved" if same_account else "pending"
    rid = conn.execute(
        insert(T.sharing).values(
            requester=requester,
            owner=owner,
            serial=device["serial"],
            status=status,
            created_at=now,
            decided_at=now if same_account else None,
        )
    ).inserted_primary_key[0]
    if same_account:
        _share(conn, requester, owner, device["serial"], now)
    audit.append(
        store,
        conn,
        now,
        requester,
        "sharing-request",
        requester,
        owner=owner,
        serial=device["serial"],
        status=status,
        request=rid,
    )
    return SharingRequest(rid, requester, owner, device["serial"], status, now)


def _share(conn, requester, owner, serial, now):
    move_status(conn, T.devices, requester, "active", "void")
    conn.execute(
        insert(T.devices).values(
            username=requester, serial=serial, status="active", shared_from=owner, created_at=now
        )
    )


def approve_sharing(store, conn, request_id, now, actor):
    row = (
        conn.execute(select(T.sharing).where(T.sharing.c.id == request_id).with_for_update())
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"sharing request {request_id}")
    if row["status"] != "pending":
        raise Conflict(f"sharing request {request_id} is already {row['status']}")
    _share(conn, row["requester"], row["owner"], row["serial"], now)
    conn.execute(
        update(T.sharing).where(T.sharing.c.id == request_id).values(status="approved", decided_at=now)
    )
    audit.append(
        store, conn, now, actor, "sharing-approve", row["requester"], owner=row["owner"], request=request_id
    )


# ---- opt-out / opt-in ----------------------------------------------------------------------------
def set_participation(store, conn, username, participating, now):
    """Security settings are changed by the account's primary user only; others are told who can."""
    user = require_user(conn, username)
    if not user["is_primary"]:
        raise NotPrimaryUser(primary_of(conn, user["account"]))
    conn.execute(
        update(T.accounts)
        .where(T.accounts.c.name == user["account"])
        .values(participating=bool(participating))
    )
    audit.append(
        store,
        conn,
        now,
        username,
        "sls-opt-in" if participating else "sls-opt-out",
        username,
        account=user["account"],
    )
