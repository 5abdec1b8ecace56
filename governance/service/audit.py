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
from weakref import WeakKeyDictionary

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from governance.store.models import AuditEntry, AuditHead, AuditQueued, Comment, Document, DocumentVersion
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


# Where an operation notes that its entries were queued behind another writer (its memo), for a seal once committed.
QUEUED = "audit.queued"


@dataclass(frozen=True)
class Written:
    """What `write` did: the chain's head as "SEQ:HASH" (a witness for the change's letters), and whether the
    entries were queued behind another writer (the head is then the one before them; `seal` links them in)."""

    head: str | None
    queued: bool = False


def write(session: Session, entries: list[dict[str, Any]], recorded_at: datetime, channel: str, via: str | None) -> Written:
    """Append entries to the chain; the head after them, or, when another writer holds the head, the head before
    them and `queued`. With no entries, nothing is read or written (no head).

    The head row's lock orders writers. On PostgreSQL a writer does not wait for it: while another transaction
    holds the head, entries go to the queue in the order written, and whoever holds the head next links them into
    the chain ahead of its own. So writers run side by side, and the chain stays one order of entries, each hashed
    over the one before. SQLite's writers take turns anyway: there, every change seals its own entries.
    """
    if not entries:
        return Written(None)
    rows = [
        # An entry may name its own channel: the engine acting by a rule inside a person's change (a term taking effect).
        dict(item, recorded_at=recorded_at, channel=item.get("channel", channel), via=item.get("via", via))
        for item in entries
    ]
    sealed = _seal(session, rows, wait=False)
    if sealed is not None:
        return Written(sealed)
    session.execute(insert(AuditQueued), rows)
    top = head(session)
    return Written(f"{top[0]}:{top[1]}" if top else None, queued=True)


def seal(session: Session) -> int:
    """Link the queued entries into the chain, waiting for the head if another writer holds it: how many were sealed.

    A writer whose entries were queued calls it once its own transaction is committed, so that when a change
    returns its entries are in the chain, as they are when nobody else was writing.
    """
    before = head(session)
    after = _seal(session, [], wait=True)
    return int(after.partition(":")[0]) - before[0] if after and before else 0


def _seal(session: Session, rows: list[dict[str, Any]], wait: bool) -> str | None:
    """Hold the head (or give up at once when `wait` is false and another writer holds it: None), chain what is
    queued and then `rows`, and move the head. Returns the new head as "SEQ:HASH"."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite and rows:
        moved = _move_known_head(session, rows)
        if moved is not None:
            return moved
    query = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
    # SQLite ignores FOR UPDATE: its writer already holds the whole database, and no entry is ever queued there.
    head_row = session.execute(query if sqlite else query.with_for_update(skip_locked=not wait)).one_or_none()
    if head_row is None:
        return None
    queued = [] if sqlite else _queued(session)
    if not queued and not rows:
        return f"{head_row.seq}:{head_row.hash}"
    chained, seq, prev = _chain([*queued, *rows], head_row.seq, head_row.hash)
    session.execute(insert(AuditEntry.__table__), chained)
    if queued:
        session.execute(delete(AuditQueued).where(AuditQueued.id.in_([row["id"] for row in queued])))
    session.execute(update(AuditHead.__table__).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    if sqlite:
        _KNOWN_HEADS[session.get_bind().pool] = (seq, prev)
    return f"{seq}:{prev}"


# The head this process's writers last left on each SQLite database (by its connection pool, which a disposed engine
# replaces). A writer there holds the whole database, so the next change can move the head from it in one statement
# that checks it is still the head (compare and set), instead of reading it first. Anyone else's write since (another
# process, a rolled-back change, an edit by hand) fails the check, and the head is read as it always was: a head
# that passes the check is the head, whatever the cache held.
_KNOWN_HEADS: WeakKeyDictionary[Any, tuple[int, str]] = WeakKeyDictionary()


def _move_known_head(session: Session, rows: list[dict[str, Any]]) -> str | None:
    """On SQLite, chain `rows` from the head last known here, moving the head only if it is still that one; None when
    no head is known or another has taken its place (nothing written then)."""
    pool = session.get_bind().pool
    known = _KNOWN_HEADS.get(pool)
    if known is None:
        return None
    chained, seq, prev = _chain(rows, *known)
    table = AuditHead.__table__
    moved = session.execute(update(table).where(table.c.id == 1, table.c.seq == known[0], table.c.hash == known[1])
                            .values(seq=seq, hash=prev))
    if moved.rowcount != 1:
        _KNOWN_HEADS.pop(pool, None)
        return None
    session.execute(insert(AuditEntry.__table__), chained)
    _KNOWN_HEADS[pool] = (seq, prev)
    return f"{seq}:{prev}"


# Every column an entry is written with: each row names them all, so the rows go in one statement whatever they hold.
_ENTRY_COLUMNS = (*FIELDS, *WITNESSED, "prev_hash", "hash")


def _chain(rows: list[dict[str, Any]], seq: int, prev: str) -> tuple[list[dict[str, Any]], int, str]:
    """`rows` numbered and hashed after the entry (seq, prev); the rows to insert, and the last seq and hash."""
    chained = []
    for row in rows:
        seq += 1
        linked = {name: row.get(name) for name in _ENTRY_COLUMNS}
        linked.update(seq=seq, prev_hash=prev)
        linked["hash"] = prev = digest(linked, prev)
        chained.append(linked)
    return chained, seq, prev


_QUEUED_COLUMNS = ("at", "actor", "ref", "trigger", "from_state", "to_state", "reason", "rule", "detail", "recorded_at", "channel", "via")


def _queued(session: Session) -> list[dict[str, Any]]:
    """Entries committed to the queue by other writers, in the order they were written (their ids)."""
    table = AuditQueued.__table__
    result = session.execute(select(table.c.id, *(table.c[name] for name in _QUEUED_COLUMNS)).order_by(table.c.id))
    return [dict(row._mapping) for row in result]


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
    queued: int = 0  # entries written but not yet sealed into the chain (their writers' seal follows within moments)


class _Broken(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.reason = seq, reason


def verify(session: Session, anchors: list[tuple[int, str]] | None = None) -> Verdict:
    """Recompute the chain, hold it against the witnesses given, and against what the records say now.

    The entries are streamed through the driver's own cursor (a server-side one on PostgreSQL) as plain tuples:
    memory stays flat however long the trail, and an entry costs its hash and little more. Entries still queued
    for their seal are not in the chain yet; what they say of the records is taken into account all the same.
    """
    facts = _Facts()
    count = 0
    prev = ""
    wanted = dict(anchors or [])
    sha256, quoted, hashed_time, states = hashlib.sha256, _quoted, _hashed_time, facts.states
    try:
        with closing(_entries(session)) as batches:  # a break in the chain stops the stream: its cursor is closed
            for batch in batches:
                for values in batch:
                    seq, at, actor, ref, trigger, from_state, to_state, reason, rule, detail, recorded_at, channel, via, prev_hash, hash_ = values
                    count += 1
                    if seq != count:
                        raise _Broken(seq, f"entry {count} is missing (entry {seq} follows entry {count - 1}): entries were removed")
                    try:
                        at_text, recorded_text = hashed_time(at), hashed_time(recorded_at)
                    except (TypeError, ValueError, OverflowError):
                        _times(values)  # says which value cannot be read
                        raise
                    if at_text is None:
                        raise _Broken(seq, f"entry {seq} has no time")
                    # The hash's content (see `digest`): FIELDS in order, `at` as UTC text, the witnesses when present and
                    # the previous hash, as compact JSON. Written out here because verify pays it once an entry.
                    try:
                        text = (f'[{seq},{quoted(at_text)},{quoted(actor)},{"null" if ref is None else quoted(ref)},{quoted(trigger)},'
                                f'{"null" if from_state is None else quoted(from_state)},{"null" if to_state is None else quoted(to_state)},'
                                f'{"null" if reason is None else quoted(reason)},{"null" if rule is None else quoted(rule)},'
                                f'{"null" if detail is None else quoted(detail)},')
                        if recorded_text is not None or channel is not None or via is not None:
                            text += (f'{"null" if recorded_text is None else quoted(recorded_text)},{"null" if channel is None else quoted(channel)},'
                                     f'{"null" if via is None else quoted(via)},')
                    except TypeError:  # a value that is not text where text belongs (written behind the engine's back)
                        text = _canonical([seq, at_text, actor, ref, trigger, from_state, to_state, reason, rule, detail, recorded_text, channel, via])
                    if prev_hash != prev or sha256(f"{text}{quoted(prev)}]".encode("utf-8")).hexdigest() != hash_:
                        raise _Broken(seq, f"entry {seq} was changed after it was written (its hash does not match)")
                    prev = hash_
                    if seq in wanted and wanted.pop(seq) != prev:
                        raise _Broken(seq, f"entry {seq} is not the one a witness holds: the chain was rewritten from there on")
                    if ref:
                        if to_state is not None:  # the commonest fact, kept without a call (see _Facts.learn)
                            states[ref] = (seq, to_state)
                        if detail and '"sha256"' in detail:
                            facts.learn(values)
        top = head(session)
        if top is None:
            raise _Broken(count + 1, "the chain's head row is missing")
        if top != (count, prev):
            bad = count + 1 if top[0] > count else max(top[0], 1)
            raise _Broken(bad, f"the chain's head says entry {top[0]} but the chain ends at entry {count}: it was cut or moved")
        for seq in sorted(wanted):
            raise _Broken(count + 1, f"a witness holds entry {seq}, but the chain ends at entry {count}: entries were removed")
        queued = _queued(session)
        for row in queued:
            if row["ref"]:
                facts.learn((count + 1, None, None, row["ref"], row["trigger"], None, row["to_state"], None, None, row["detail"]))
        facts.hold_against(session, count)
    except _Broken as broken:
        return Verdict(False, count, broken.seq, broken.reason)
    return Verdict(True, count, queued=len(queued))


# The columns `_entries` gives, in this order: FIELDS, WITNESSED, prev_hash, hash.
_COLUMNS = (*FIELDS, *WITNESSED, "prev_hash", "hash")


def _entries(session: Session) -> Iterator[list[tuple[Any, ...]]]:
    """Entries in order, in batches, as tuples of _COLUMNS, times as the driver gives them (text on SQLite), straight from the
    driver's cursor: the one read that grows with the trail pays no row processing it does not need."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    sql = f"SELECT {', '.join(_COLUMNS)} FROM audit ORDER BY seq"
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor(name="audit_verify")  # server-side: the trail is never held whole in memory
        cursor.itersize = 5000
    else:
        cursor = raw.cursor()
        cursor.arraysize = 5000
    try:
        cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(5000)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()


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
            said = self.comments.get(ref)
            if said is not None:
                self._same_text(said, text, f"the text of {ref}")
        if not self.texts:
            return  # no entry witnesses a text: none to read
        prefix = records.of_model(Document).prefix
        for document_id, number, text in session.execute(select(DocumentVersion.document_id, DocumentVersion.number, DocumentVersion.text)):
            said = self.texts.get((f"{prefix}-{document_id}", number))
            if said is not None:
                self._same_text(said, text, f"the text of {prefix}-{document_id} version {number}")

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
