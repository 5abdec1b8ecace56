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
    chain = _Chain(facts, dict(anchors or []))
    try:
        with closing(_entries(session)) as batches:  # a break in the chain stops the stream: its cursor is closed
            for compact, batch in batches:
                chain.compact(batch) if compact else chain.plain(batch)
        count, prev, wanted = chain.count, chain.prev, chain.wanted
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
        return Verdict(False, chain.count, broken.seq, broken.reason)
    return Verdict(True, count, queued=len(queued))


# How many shared values verify keeps as text before it starts again (the entries of one change share theirs).
_SHARED_KEPT = 4096


class _Chain:
    """The chain as verify walks it, a batch of entries at a time: how many so far, the last hash, the witnesses not
    met yet, and what the entries say of the records (facts)."""

    def __init__(self, facts: _Facts, wanted: dict[int, str]) -> None:
        self.facts, self.wanted = facts, wanted
        self.count = 0
        self.prev = ""
        # Values many entries share (the times of one change, actors, triggers, states, channels), as the hash's
        # text holds them: looked up, not quoted again. Started afresh now and then, so memory stays flat.
        self.times: dict[Any, str] = {None: "null"}
        self.words: dict[Any, str] = {None: "null"}

    def _shared(self) -> tuple[dict[Any, str], dict[Any, str]]:
        if len(self.times) > _SHARED_KEPT or len(self.words) > _SHARED_KEPT:
            self.times, self.words = {None: "null"}, {None: "null"}
        return self.times, self.words

    def plain(self, batch: list[tuple[Any, ...]]) -> None:
        """Entries as tuples of _COLUMNS: each checked in full. This is the check; `compact` only spares its work."""
        times, words = self._shared()
        count, prev, wanted, facts = self.count, self.prev, self.wanted, self.facts
        sha256, quoted, states = hashlib.sha256, _quoted, facts.states

        def word(value: Any) -> str:
            text = words[value] = quoted(value)  # raises TypeError for what is not text (see below)
            return text

        try:
            for values in batch:
                seq, at, actor, ref, trigger, from_state, to_state, reason, rule, detail, recorded_at, channel, via, prev_hash, hash_ = values
                count += 1
                if seq != count:
                    raise _Broken(seq, f"entry {count} is missing (entry {seq} follows entry {count - 1}): entries were removed")
                at_quoted = times.get(at) or _time_quoted(times, seq, at, "at")
                recorded_quoted = times.get(recorded_at) or _time_quoted(times, seq, recorded_at, "recorded_at")
                if at_quoted == "null":
                    raise _Broken(seq, f"entry {seq} has no time")
                # The hash's content (see `digest`): FIELDS in order, `at` as UTC text, the witnesses when present and
                # the previous hash, as compact JSON. Written out here because verify pays it once an entry.
                try:
                    text = (f'[{seq},{at_quoted},{words.get(actor) or word(actor)},{"null" if ref is None else quoted(ref)},'
                            f'{words.get(trigger) or word(trigger)},{words.get(from_state) or word(from_state)},'
                            f'{words.get(to_state) or word(to_state)},{"null" if reason is None else quoted(reason)},'
                            f'{words.get(rule) or word(rule)},{"null" if detail is None else quoted(detail)},')
                    if recorded_quoted != "null" or channel is not None or via is not None:
                        text += f'{recorded_quoted},{words.get(channel) or word(channel)},{words.get(via) or word(via)},'
                except TypeError:  # a value that is not text where text belongs (written behind the engine's back)
                    at_text, recorded_text = _hashed_time(at), _hashed_time(recorded_at)
                    text = _canonical([seq, at_text, actor, ref, trigger, from_state, to_state, reason, rule, detail, recorded_text, channel, via])
                # `prev` is "" or a hash this loop computed itself (hexadecimal digits): quoted as it stands.
                if prev_hash != prev or sha256(f'{text}"{prev}"]'.encode("utf-8")).hexdigest() != hash_:
                    raise _Broken(seq, f"entry {seq} was changed after it was written (its hash does not match)")
                prev = hash_
                if wanted and seq in wanted and wanted.pop(seq) != prev:
                    raise _Broken(seq, f"entry {seq} is not the one a witness holds: the chain was rewritten from there on")
                if ref:
                    if to_state is not None:  # the commonest fact, kept without a call (see _Facts.learn)
                        states[ref] = (seq, to_state)
                    if detail and '"sha256"' in detail:
                        facts.learn(values)
        finally:
            self.count, self.prev = count, prev

    def compact(self, batch: list[tuple[Any, ...]]) -> None:
        """Entries as tuples of _COMPACT (SQLite): the text of their middle fields comes from the database as JSON
        (_compact_ready says when it is the text `plain` would write). An entry whose hash does not come out so, or
        that a witness holds, is checked by `plain`, whose verdict it is."""
        times, words = self._shared()
        count, prev, wanted, facts = self.count, self.prev, self.wanted, self.facts
        sha256, states = hashlib.sha256, facts.states
        # The entries of one change follow one another with the same times: a time is looked up when it changes.
        at_seen = recorded_seen = at_quoted = recorded_quoted = object()
        try:
            for values in batch:
                seq, at, recorded_at, channel, via, middle, ref, to_state, prev_hash, hash_ = values
                count += 1
                if seq != count:
                    raise _Broken(seq, f"entry {count} is missing (entry {seq} follows entry {count - 1}): entries were removed")
                if at != at_seen:
                    at_quoted, at_seen = times.get(at) or _time_quoted(times, seq, at, "at"), at
                if recorded_at != recorded_seen:
                    recorded_quoted, recorded_seen = times.get(recorded_at) or _time_quoted(times, seq, recorded_at, "recorded_at"), recorded_at
                if at_quoted == "null":
                    raise _Broken(seq, f"entry {seq} has no time")
                if prev_hash != prev or (wanted and seq in wanted):
                    count, prev = self._one(values, count - 1, prev)
                    continue
                try:
                    if recorded_at is not None or channel is not None or via is not None:
                        text = (f'[{seq},{at_quoted},{middle[1:-1]},{recorded_quoted},{words.get(channel) or _word(words, channel)},'
                                f'{words.get(via) or _word(words, via)},"{prev}"]')
                    else:
                        text = f'[{seq},{at_quoted},{middle[1:-1]},"{prev}"]'
                except TypeError:  # a witness that is not text
                    count, prev = self._one(values, count - 1, prev)
                    continue
                if sha256(text.encode()).hexdigest() != hash_:
                    count, prev = self._one(values, count - 1, prev)
                    continue
                prev = hash_
                if ref:
                    if to_state is not None:
                        states[ref] = (seq, to_state)
                    if '\\"sha256\\"' in middle:  # the detail holds a text's hash ('"sha256"', escaped in the JSON)
                        facts.learn(_expanded(values))
        finally:
            self.count, self.prev = count, prev

    def _one(self, values: tuple[Any, ...], count: int, prev: str) -> tuple[int, str]:
        """One entry of `compact`, checked by `plain` from the count and hash before it; the count and hash after it."""
        self.count, self.prev = count, prev
        self.plain([_expanded(values)])
        return self.count, self.prev


def _word(words: dict[Any, str], value: str) -> str:
    text = words[value] = _quoted(value)
    return text


def _expanded(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """An entry as _COMPACT gives it, as _COLUMNS gives it: the middle fields read back from their JSON."""
    seq, at, recorded_at, channel, via, middle, _ref, _to_state, prev_hash, hash_ = values
    return (seq, at, *json.loads(middle), recorded_at, channel, via, prev_hash, hash_)


def _time_quoted(times: dict[Any, str], seq: int, stored: Any, name: str) -> str:
    """An entry's time (`at` or `recorded_at`) as the hash's text holds it, kept in `times`; a value that cannot be
    read is tampering, not a crash."""
    try:
        moment = _hashed_time(stored)
    except (TypeError, ValueError, OverflowError):
        raise _Broken(seq, f"entry {seq}: its {name} value {str(stored)[:40]!r} cannot be read") from None
    text = times[stored] = "null" if moment is None else _quoted(moment)
    return text


# The columns `_entries` gives, in this order: FIELDS, WITNESSED, prev_hash, hash.
_COLUMNS = (*FIELDS, *WITNESSED, "prev_hash", "hash")
# The fields between `at` and the witnesses, which SQLite can give as the JSON the hash's text holds them in.
_MIDDLE = FIELDS[2:]
# What `_entries` gives on SQLite when it can: the times and witnesses as stored, the middle fields as one JSON
# array, what the facts need (ref, to_state), and the two hashes.
_COMPACT = ("seq", "at", "recorded_at", "channel", "via", f"json_array({', '.join(_MIDDLE)})", "ref", "to_state", "prev_hash", "hash")


def _entries(session: Session) -> Iterator[tuple[bool, list[tuple[Any, ...]]]]:
    """Entries in order, in batches, each batch with whether it is of _COMPACT (else of _COLUMNS), times as the driver
    gives them (text on SQLite), straight from the driver's cursor: the one read that grows with the trail pays no row
    processing it does not need. Should SQLite refuse the JSON of an entry (a value that is not text), the rest come
    as _COLUMNS."""
    plain = f"SELECT {', '.join(_COLUMNS)} FROM audit"
    last = 0
    if _compact_ready(session):
        try:
            for rows in _stream(session, f"SELECT {', '.join(_COMPACT)} FROM audit ORDER BY seq", "audit_verify"):
                yield True, rows
                last = rows[-1][0]
        except session.get_bind().dialect.loaded_dbapi.Error:
            plain += f" WHERE seq > {int(last)}"
        else:
            return
    for rows in _stream(session, f"{plain} ORDER BY seq", "audit_verify"):
        yield False, rows


# Text holding every character JSON escapes, and some it must not: SQLite's JSON must write it as `json` does.
_PROBE = "".join(map(chr, range(128))) + "é€\u2028\u2029\ufeff\U0001f600\U0010ffff"


def _compact_ready(session: Session) -> bool:
    """Whether SQLite can give an entry's middle fields as the very text `plain` writes for them: its JSON writes
    text as Python's does (the probe), and the columns hold only text or nothing (their affinity is TEXT: a number
    written there is kept as text)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    from sqlalchemy.exc import DBAPIError

    try:
        columns = {row[1]: str(row[2]).upper() for row in connection.exec_driver_sql("PRAGMA table_info(audit)")}
        written = connection.exec_driver_sql("SELECT json_array(?, NULL)", (_PROBE,)).scalar()
    except DBAPIError:
        return False
    textual = all(name in columns and "INT" not in columns[name] and any(kind in columns[name] for kind in ("CHAR", "CLOB", "TEXT"))
                  for name in _MIDDLE)
    return textual and written == f"[{_quoted(_PROBE)},null]"


def _stream(session: Session, sql: Any, name: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `sql` (text, or a select of plain columns, which the driver gives as they are stored) in batches of
    tuples, from the driver's cursor: a server-side one on PostgreSQL, so a long table is never held whole in memory."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if not isinstance(sql, str):
        sql = str(sql.compile(dialect=connection.dialect))
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor(name=name)
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
        """Each stored state and text must be the one the trail last recorded: an edit in the tables shows here.

        Read as plain tuples from the driver's cursor, as the entries are: there is a row for every record."""
        states = self.states
        for kind in records.workflow_kinds():
            record_type = records.record_type(kind)
            model = record_type.model_class()
            prefix = f"{record_type.prefix}-"
            with closing(_stream(session, select(model.id, model.state), "audit_verify_states")) as batches:
                for batch in batches:
                    for record_id, state in batch:
                        ref = f"{prefix}{record_id}"
                        said = states.get(ref)
                        if said is None or said[1] != state:  # the sentence comes from _same_state
                            self._same_state(ref, state, count)
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
