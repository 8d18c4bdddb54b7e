"""The audit log: append-only rows chained with HMAC-SHA256; :func:`verify` names the first bad row.

Row ``i`` carries ``mac_i = HMAC(k, mac_{i-1} || canonical(row_i))`` with ids 1, 2, 3, ... without gaps;
the head (last id and mac, itself MAC'd) sits in ``sls_meta`` and is locked while appending, so rows are
appended one at a time on any database and a removed tail is noticed too. Details never hold secrets.
"""

import hmac
import json

from sqlalchemy import insert, select, update

from . import tables as T
from .store import insert_if_absent
from .views import AuditReport

KEY = "audit-key"
HEAD = "audit-head"
GENESIS = "0" * 64


def _canonical(row) -> bytes:
    return json.dumps(
        [row["id"], repr(float(row["at"])), row["actor"], row["action"], row["subject"], row["detail"]],
        separators=(",", ":"),
    ).encode()


def _row_mac(store, prev_mac: str, row) -> str:
    return store.mac(KEY, prev_mac.encode() + _canonical(row))


def _head_value(store, last_id: int, mac: str) -> bytes:
    seal = store.mac(KEY, f"head:{last_id}:{mac}".encode())
    return json.dumps({"id": last_id, "mac": mac, "seal": seal}).encode()


def append(store, conn, at, actor, action, subject, **detail) -> int:
    head = json.loads(
        conn.execute(select(T.meta.c.value).where(T.meta.c.name == HEAD).with_for_update()).scalar()
    )
    row = {
        "id": head["id"] + 1,
        "at": float(at),
        "actor": str(actor)[:64],
        "action": action,
        "subject": str(subject)[:64],
        "detail": json.dumps(detail, sort_keys=True),
    }
    row["mac"] = _row_mac(store, head["mac"], row)
    conn.execute(insert(T.audit).values(**row))
    conn.execute(
        update(T.meta).where(T.meta.c.name == HEAD).values(value=_head_value(store, row["id"], row["mac"]))
    )
    return row["id"]


def ensure_head(store) -> None:
    """The chain's head row, created once when the database is opened."""
    with store.write() as conn:
        insert_if_absent(conn, T.meta, name=HEAD, value=_head_value(store, 0, GENESIS))


def verify(store) -> AuditReport:
    with store.read() as conn:
        head_blob = conn.execute(select(T.meta.c.value).where(T.meta.c.name == HEAD)).scalar()
        rows = conn.execute(select(T.audit).order_by(T.audit.c.id)).mappings().all()
    prev, expected_id, n = GENESIS, 1, 0
    for row in rows:
        if row["id"] != expected_id:
            return AuditReport(False, n, expected_id, "removed")
        if not hmac.compare_digest(row["mac"], _row_mac(store, prev, row)):
            return AuditReport(False, n, row["id"], "changed")
        prev, expected_id, n = row["mac"], expected_id + 1, n + 1
    if head_blob is None:
        return AuditReport(n == 0, n, 1 if n else None, None if n == 0 else "changed")
    head = json.loads(head_blob)
    if not hmac.compare_digest(_head_value(store, head["id"], head["mac"]), head_blob):
        return AuditReport(False, n, head["id"], "changed")
    if head["id"] > n:
        return AuditReport(False, n, n + 1, "removed")
    if head["id"] != n or head["mac"] != prev:
        return AuditReport(False, n, head["id"] + 1, "changed")
    return AuditReport(True, n)


def rows(store, subject=None, action=None):
    q = select(T.audit).order_by(T.audit.c.id)
    if subject is not None:
        q = q.where(T.audit.c.subject == subject)
    if action is not None:
        q = q.where(T.audit.c.action == action)
    with store.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
