"""The audit trail: entries gathered by an operation, chained by hash and written in bulk; its head; verification."""

from __future__ import annotations

import hashlib
import json
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from json.encoder import encode_basestring as _quoted
from typing import Any, Iterator

from sqlalchemy import String, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from governance.store.models import AuditEntry, AuditHead, Comment, Document, DocumentVersion
from governance.workflows import records

# The columns an entry's hash covers, in order; the last three came with the witnesses (schema 0004).
FIELDS = ("seq", "at", "actor", "ref", "trigger", "from_state", "to_state", "reason", "rule", "detail")
WITNESSED = ("recorded_at", "channel", "via")


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
    content = [_utc_text(row["at"]) if name == "at" else row[name] for name in FIELDS]
    # Entries written before the witnesses existed carry none of them; their hash stays what it was.
    if any(row.get(name) is not None for name in WITNESSED):
        content += [_utc_text(row.get("recorded_at")), row.get("channel"), row.get("via")]
    content.append(prev_hash)
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _canonical(content: list[Any]) -> str:
    """json.dumps(content, ensure_ascii=False, separators=(",", ":")), at half its cost for what entries hold (text,
    None, whole numbers): `verify` pays it once an entry. Anything else goes through json itself."""
    parts = []
    for value in content:
        if value.__class__ is str:
            parts.append(_quoted(value))
        elif value is None:
            parts.append("null")
        elif value.__class__ is int:
            parts.append(str(value))
        else:
            return json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return "[" + ",".join(parts) + "]"


def write(session: Session, entries: list[dict[str, Any]], recorded_at: datetime, channel: str, via: str | None) -> str | None:
    """Append entries after the chain's head; returns the new head as "SEQ:HASH" (None when nothing was written).

    The head row's lock orders concurrent writers.
    """
    if not entries:
        return None
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).one()
    seq, prev = head.seq, head.hash
    rows = []
    for item in entries:
        seq += 1
        # An entry may name its own channel: the engine acting by a rule inside a person's change (a term taking effect).
        row = dict(item, seq=seq, prev_hash=prev, recorded_at=recorded_at, channel=item.get("channel", channel), via=item.get("via", via))
        row["hash"] = prev = digest(row, row["prev_hash"])
        rows.append(row)
    session.execute(insert(AuditEntry), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    return f"{seq}:{prev}"


def head(session: Session) -> tuple[int, str] | None:
    """The chain's last entry as (seq, hash); None when the head row is missing."""
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()
    return (row.seq, row.hash) if row is not None else None


def parse_anchor(text: str) -> tuple[int, str]:
    """`SEQ:HASH`, as a letter's X-Gov-Audit-Head header or `gov audit head` gives it."""
    from governance.errors import BadInput

    seq, _, value = text.strip().partition(":")
    if not (seq.isdigit() and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)):
        raise BadInput(f"--anchor {text!r} must be SEQ:HASH (a number, a colon and 64 hexadecimal digits), as `gov audit head` prints it")
    return int(seq), value


@dataclass
class Verdict:
    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str | None = None


class _Broken(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.reason = seq, reason


def verify(session: Session, anchors: list[tuple[int, str]] | None = None) -> Verdict:
    """Recompute the chain, hold it against the witnesses given, and against what the records say now.

    The entries are streamed in one query (a server-side cursor on PostgreSQL) as plain tuples: memory stays flat
    however long the trail, and an entry costs its hash and little more.
    """
    facts = _Facts()
    count = 0
    prev = ""
    wanted = dict(anchors or [])
    sha256, canonical = hashlib.sha256, _canonical
    try:
        with closing(_entries(session)) as entries:  # a break in the chain stops the stream: its cursor is closed
            for values in entries:
                count += 1
                seq = values[0]
                if seq != count:
                    raise _Broken(seq, f"entry {count} is missing (entry {seq} follows entry {count - 1}): entries were removed")
                at, recorded_at = _times(values)
                # The hash's content in FIELDS order (`at` as UTC text), the witnesses when present, the previous hash.
                content = [seq, at, *values[2:10]]
                if recorded_at is not None or values[11] is not None or values[12] is not None:
                    content += [recorded_at, values[11], values[12]]
                content.append(prev)
                if values[13] != prev or sha256(canonical(content).encode("utf-8")).hexdigest() != values[14]:
                    raise _Broken(seq, f"entry {seq} was changed after it was written (its hash does not match)")
                prev = values[14]
                if seq in wanted and wanted.pop(seq) != prev:
                    raise _Broken(seq, f"entry {seq} is not the one a witness holds: the chain was rewritten from there on")
                if values[3]:
                    facts.learn(values)
        top = head(session)
        if top is None:
            raise _Broken(count + 1, "the chain's head row is missing")
        if top != (count, prev):
            bad = count + 1 if top[0] > count else max(top[0], 1)
            raise _Broken(bad, f"the chain's head says entry {top[0]} but the chain ends at entry {count}: it was cut or moved")
        for seq in sorted(wanted):
            raise _Broken(count + 1, f"a witness holds entry {seq}, but the chain ends at entry {count}: entries were removed")
        facts.hold_against(session, count)
    except _Broken as broken:
        return Verdict(False, count, broken.seq, broken.reason)
    return Verdict(True, count)


# The columns `_entries` gives, in this order: FIELDS, WITNESSED, prev_hash, hash.
_COLUMNS = (*FIELDS, *WITNESSED, "prev_hash", "hash")


def _entries(session: Session) -> Iterator[tuple[Any, ...]]:
    """Entries in order as tuples of _COLUMNS, times as stored (text on SQLite): one streamed query through Core."""
    table = AuditEntry.__table__
    raw_times = {"at", "recorded_at"}
    columns = [type_coerce(table.c[name], String).label(name) if name in raw_times else table.c[name] for name in _COLUMNS]
    result = session.connection().execution_options(stream_results=True, yield_per=5000).execute(select(*columns).order_by(table.c.seq))
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()


def _times(values: tuple[Any, ...]) -> tuple[str, str | None]:
    """An entry's `at` and `recorded_at` as its hash holds them; a value that cannot be read is tampering, not a crash."""
    seq = values[0]
    read = []
    for index, name in ((1, "at"), (10, "recorded_at")):
        try:
            read.append(_hashed_time(values[index]))
        except (TypeError, ValueError, OverflowError):
            raise _Broken(seq, f"entry {seq}: its {name} value {str(values[index])[:40]!r} cannot be read") from None
    if read[0] is None:
        raise _Broken(seq, f"entry {seq} has no time")
    return read[0], read[1]


@lru_cache(maxsize=4096)
def _hashed_time(stored: Any) -> str | None:
    """A stored time as the hash covers it (UTC, ISO 8601). Kept: the entries of one change share their times."""
    return _utc_text(_read_time(stored))


class _Facts:
    """What the trail says the records are: the last state of each, and the hash of each text, with the entry saying so."""

    def __init__(self) -> None:
        self.states: dict[str, tuple[int, str]] = {}
        self.texts: dict[tuple[str, int], tuple[int, str]] = {}
        self.comments: dict[str, tuple[int, str]] = {}

    def learn(self, values: tuple[Any, ...]) -> None:
        """One entry, as `_entries` gives it (seq, at, actor, ref, trigger, from_state, to_state, reason, rule, detail, ...)."""
        seq, ref, trigger, to_state, detail = values[0], values[3], values[4], values[6], values[9]
        if not ref:
            return
        if to_state is not None:
            self.states[ref] = (seq, to_state)
        if detail and '"sha256"' in detail:
            said = json.loads(detail)
            if trigger == "comment":
                self.comments[ref] = (seq, said["sha256"])
            elif "version" in said:
                self.texts[(ref, int(said["version"]))] = (seq, said["sha256"])

    def hold_against(self, session: Session, count: int) -> None:
        """Each stored state and text must be the one the trail last recorded: an edit in the tables shows here."""
        for kind in records.workflow_kinds():
            record_type = records.record_type(kind)
            model = record_type.model_class()
            for record_id, state in session.execute(select(model.id, model.state)):
                self._same_state(f"{record_type.prefix}-{record_id}", state, count)
        for comment_id, text, decision in session.execute(select(Comment.id, Comment.text, Comment.decision)):
            ref = f"{records.of_model(Comment).prefix}-{comment_id}"
            if decision is not None:
                self._same_state(ref, decision, count)
            self._same_text(self.comments.get(ref), text, f"the text of {ref}")
        for document_id, number, text in session.execute(select(DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.text)):
            ref = f"{records.of_model(Document).prefix}-{document_id}"
            self._same_text(self.texts.get((ref, number)), text, f"the text of {ref} version {number}")

    def _same_state(self, ref: str, stored: str, count: int) -> None:
        said = self.states.get(ref)
        if said is None:
            raise _Broken(count + 1, f"{ref} is in the database but the trail never recorded it")
        if said[1] != stored:
            raise _Broken(said[0], f"{ref} is stored as {stored!r} but the trail last recorded {said[1]!r} (entry {said[0]})")

    @staticmethod
    def _same_text(said: tuple[int, str] | None, text: str, what: str) -> None:
        # Texts stored before their hash went into the trail have no witness there; the chain still covers their entries.
        if said is not None and hashlib.sha256(text.encode("utf-8")).hexdigest() != said[1]:
            raise _Broken(said[0], f"{what} differs from the one the trail recorded (entry {said[0]})")


def _read_time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _utc_text(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment is not None else None


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return str(value)
