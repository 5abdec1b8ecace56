"""The audit trail: entries gathered by an operation, chained by hash and written in bulk; verification."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from governance.store.models import AuditEntry, AuditHead


def entry(
    at: datetime,
    actor: str,
    ref: str | None,
    trigger: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    rule: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "ref": ref,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "rule": rule,
        "detail": json.dumps(detail, sort_keys=True, ensure_ascii=False, default=_plain) if detail else None,
    }


def digest(row: dict[str, Any], prev_hash: str) -> str:
    at = row["at"].astimezone(timezone.utc).isoformat()
    content = [row["seq"], at, row["actor"], row["ref"], row["trigger"], row["from_state"], row["to_state"],
               row["reason"], row["rule"], row["detail"], prev_hash]
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append entries after the chain's head; the head row's lock orders concurrent writers."""
    if not entries:
        return
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).one()
    seq, prev = head.seq, head.hash
    rows = []
    for item in entries:
        seq += 1
        row = dict(item, seq=seq, prev_hash=prev)
        row["hash"] = prev = digest(row, row["prev_hash"])
        rows.append(row)
    session.execute(insert(AuditEntry), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))


def verify(session: Session, batch: int = 5000) -> tuple[bool, int, int | None]:
    """Recompute the chain: (ok, entries checked, first bad seq)."""
    prev, expected, count = "", 1, 0
    last = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)).all()
        if not rows:
            break
        for e in rows:
            row = {c: getattr(e, c) for c in ("seq", "at", "actor", "ref", "trigger", "from_state", "to_state", "reason", "rule", "detail")}
            if e.seq != expected or e.prev_hash != prev or digest(row, prev) != e.hash:
                return False, count, e.seq
            prev, expected, count, last = e.hash, expected + 1, count + 1, e.seq
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    if head.seq != count or head.hash != prev:
        return False, count, count + 1 if head.seq > count else count
    return True, count, None


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return str(value)
