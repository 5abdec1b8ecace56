"""The alarm's work: fire every due deadline row once, in due order, many rows to a transaction, each in a savepoint."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import bindparam, event, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, instance_state, set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import ClauseElement

from governance.clock import add_days
from governance.errors import Conflict, GovError
from governance.service import audiences, audit, engine, lookup, outbox
from governance.service.actors import SYSTEM
from governance.service.context import AUDIENCES, Instance, Operation
from governance.service.engine import CANCEL_LATER
from governance.service.describe import letter_context
from governance.service.effects import Step, pending_row
from governance.service.transaction import change
from governance.store.models import Counter, Deadline, OutboxMessage, Term

# The rows of a batch ([scheduler] tick_batch in config.toml, 200 by default) fire in one transaction: one commit,
# one audit append and one outbox insert for all of them. SQLite's writers wait while a batch holds the lock, so a
# batch stays well under a second.
# Not the row's fault: someone changed its record at the same moment, or the database stumbled. Tried again alone.
_NOT_THE_ROWS_FAULT = (Conflict, StaleDataError, OperationalError, IntegrityError)


@dataclass(slots=True)
class Fired:
    ref: str
    name: str
    kind: str
    due: datetime
    outcome: str
    status: str
    letters: int = 0


@dataclass
class TickReport:
    """What a tick did: counts always; the rows themselves only when asked (a burst of 100,000 is not held in memory)."""

    now: datetime
    keep: bool = True
    fired: list[Fired] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # rows by status: fired, skipped, failed
    queued_mail: int = 0

    def add(self, row: Fired) -> None:
        self.counts[row.status] = self.counts.get(row.status, 0) + 1
        self.queued_mail += row.letters
        if self.keep:
            self.fired.append(row)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def tick(instance: Instance, now: datetime | None = None, limit: int | None = None, keep: bool = True,
         each: Callable[[Fired], None] | None = None) -> TickReport:
    """Fire what is due at `now` (the clock's moment by default). Running it twice changes nothing.

    `keep=False` keeps counts only; `each` is told of every row as it is done (the scheduler logs them).
    """
    instance.require_real_time()
    moment = now or instance.clock.now()
    report = TickReport(moment, keep)
    with _collector_spared():
        _prepare_letters(instance, moment)
        _fire_due(instance, moment, limit, report, each)
    return report


@contextmanager
def _collector_spared() -> Iterator[None]:
    """While a tick fires its rows, Python's collector of reference cycles leaves alone what was there before it.

    A batch makes objects by the hundred thousand (records, letters, statements' parameters); many live until the
    batch ends, so the collector moves them on to its oldest generation, and every so often searches that whole
    generation: every module, the engine, the workflows, the templates, which a tick neither makes nor frees. That
    search cost about a sixth of a tick. Frozen for the tick, those objects are not searched through; what the tick
    makes is collected as before. A caller that froze objects itself (or turned the collector off) is left as it is.
    """
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _fire_due(instance: Instance, moment: datetime, limit: int | None, report: TickReport,
              each: Callable[[Fired], None] | None) -> None:
    """The batches of a tick, until no row is due (or `limit` rows are done); the last one records the tick."""
    marked = False
    while not marked and (limit is None or report.rows < limit):
        batch_rows = instance.settings.tick_batch
        size = batch_rows if limit is None else min(batch_rows, limit - report.rows)
        batch = _fire_batch(instance, moment, size, report.rows)
        marked = batch.marked
        for row_id in batch.again:
            row = _fire_isolated(instance, row_id, moment)
            if row is not None:
                batch.done.append(row)
        for row in batch.done:
            report.add(row)
            if each is not None:
                each(row)
        if not batch.claimed:
            break
    if not marked:
        change(instance, SYSTEM, lambda op: _mark_tick(op, moment, report.rows))


def _prepare_letters(instance: Instance, moment: datetime) -> None:
    """In a fresh process (no letter written yet), the letters the first batch's rows write are compiled before the
    batch takes the writer's lock (SQLite) and holds its rows (PostgreSQL): not while it holds them."""
    if "renderer" in vars(instance):  # letters were written before in this process: their machinery is ready
        return
    with instance.db.read() as session:
        due = session.execute(select(Deadline.ref, Deadline.fire, Deadline.template)
                              .where(Deadline.status == "pending", Deadline.due <= moment)
                              .order_by(Deadline.due, Deadline.id).limit(instance.settings.tick_batch)).all()
    names = {row.template for row in due if row.template}
    for row in due:
        if row.fire:
            names |= _letters_of(instance, row.ref, row.fire)
    if due:
        instance.renderer.prepare(names)


def _letters_of(instance: Instance, ref: str, fire: str) -> set[str]:
    """The letters a trigger fired on `ref` writes: its own effects' and those of the state it enters."""
    from governance.workflows import records

    kind = records.by_prefix(ref.split("-", 1)[0])
    spec = instance.workflows.get(kind.kind) if kind is not None else None
    trigger = spec.triggers.get(fire) if spec is not None else None
    if trigger is None or trigger.dest not in spec.states:
        return set()
    uses = (*trigger.effects, *spec.states[trigger.dest].on_enter)
    return {use.params["template"] for use in uses if use.name == "notify" and isinstance(use.params.get("template"), str)}


@dataclass
class _Batch:
    claimed: list[int] = field(default_factory=list)
    done: list[Fired] = field(default_factory=list)
    again: list[int] = field(default_factory=list)  # to try alone: a row that met someone else's change
    marked: bool = False  # the last batch (no row due past those it took) recorded the tick itself


# The key of Operation.memo under which a batch keeps the records its rows name, by reference.
_HELD = "tick.held"
# The columns a row is fired from: read as plain values (no ORM object to track and flush for each row).
_DUE = (Deadline.id, Deadline.ref, Deadline.name, Deadline.kind, Deadline.due, Deadline.scope, Deadline.fire, Deadline.audience,
        Deadline.template, Deadline.repeat_days, Deadline.rule, Deadline.condition, Deadline.offset_days)
_ROWS = Deadline.__table__
# What a batch writes of its rows, once for all of them at its end (executemany): each row's own outcome (and the rows
# its records left behind: engine.cancel_gathered).
_SETTLE = (update(_ROWS).where(_ROWS.c.id == bindparam("b_id"))
           .values(status=bindparam("b_status"), outcome=bindparam("b_outcome"), fired_at=bindparam("b_at")))


class _Refused(Exception):
    """The trigger a row fires no longer applies (engine.advance said no): the row is skipped, never retried."""

    def __init__(self, refusal: GovError) -> None:
        super().__init__(refusal.sentence())
        self.refusal = refusal


class _Careful(Exception):
    """A row of a batch fired without savepoints broke or was refused: the batch is undone and fired again, each row
    in a savepoint of its own."""


def _fire_batch(instance: Instance, moment: datetime, size: int, before: int) -> _Batch:
    """Claim up to `size` due rows and fire them in one transaction.

    Most batches break nowhere, so a batch first fires its rows one after the other with nothing in between. Should a
    row break or be refused (or the batch fail as it is written), none of it stands and the batch is fired again,
    each row in a savepoint of its own: a row that breaks then is rolled back to its savepoint (what it gathered
    for the end of the transaction too) and set aside as failed in the same batch, a refused one skipped. Should the
    batch fail even so, each of its rows is tried alone, as a tick did before batches: nothing is lost, nothing
    fires twice. The last batch records the tick (`before` rows were done by the batches before it), saving a
    transaction.
    """
    try:
        return _run_batch(instance, moment, size, before, careful=False)
    except Exception:  # noqa: BLE001 - nothing of the attempt was written; the careful one says what each row comes to
        return _run_batch(instance, moment, size, before, careful=True)


def _run_batch(instance: Instance, moment: datetime, size: int, before: int, careful: bool) -> _Batch:
    """One attempt at a batch (see _fire_batch): `careful`, each row in a savepoint; else a row that breaks raises _Careful.

    The rows' own outcomes and the rows their records' moves cancel are written at the batch's end, one statement
    each: the batch holds its rows (a lock on PostgreSQL, the writer's turn on SQLite), so nobody else can see or
    change them meanwhile, and within the batch a row whose record left its state is known to be cancelled.
    """
    batch = _Batch()

    def work(op: Operation) -> None:
        op.now = moment
        # One row more than the batch fires: whether any is left says, without a transaction of its own, whether this
        # batch is the last (the row past the batch is left pending, and on PostgreSQL held only until it commits).
        due = _claim_due(op, moment, size + 1)
        more = len(due) > size
        del due[size:]
        batch.claimed.extend(row.id for row in due)
        held = _load_records(op, [row.ref for row in due])
        op.memo[_HELD] = held  # kept while the batch runs (the session holds them weakly), each found by its row's reference
        event.listen(op.session, "before_flush", lambda *_: _write_records(op, held.values()))
        settled: list[dict[str, Any]] = []
        cancels: list[dict[str, Any]] = op.memo.setdefault(CANCEL_LATER, [])
        gone: set[tuple[str, str]] = set()  # (ref, state) of the rows cancelled so far: the first `counted` of cancels
        counted = 0
        _fresh_audiences(op)
        for claimed in due:
            if (claimed.ref, claimed.scope) in gone:
                continue  # a row before it moved its record out of the state that wrote it: it was cancelled
            if _is_term(claimed.ref):
                _fresh_audiences(op)  # a term's row may hand an office over, and write to its new holders
            letters = len(op.mail)
            if careful:
                done = _act_in_savepoint(op, claimed, moment)
                if done is None:
                    batch.again.append(claimed.id)
                    continue
                status, outcome = done
            else:
                try:
                    status, outcome = _act(op, claimed, moment)
                except Exception as exc:
                    raise _Careful(claimed.id) from exc
            gone.update((c["b_ref"], c["b_scope"]) for c in cancels[counted:])
            counted = len(cancels)
            settled.append({"b_id": claimed.id, "b_status": status, "b_outcome": outcome, "b_at": moment})
            row = Fired(claimed.ref, claimed.name, claimed.kind, claimed.due, outcome, status, len(op.mail) - letters)
            batch.done.append(row)
            if _changes_who_holds_what(row):
                _fresh_audiences(op)  # an office changed hands: the audiences looked up so far are not the ones now
        _write_records(op, held.values(), let_go=True)
        engine.cancel_gathered(op)
        if settled:
            op.session.connection().execute(_SETTLE, settled)
        # The last batch: no row was due past those it took, and none it wrote is due already (a term's end schedules
        # the vacancy at that same moment: it fires in this tick, by the next batch).
        if not more and not any(row["due"] <= moment for row in op.deadlines):
            _mark_tick(op, moment, before + len(batch.done) + len(batch.again))
            batch.marked = True

    try:
        change(instance, SYSTEM, work)
    except Exception:
        if not batch.claimed or not careful:
            raise
        # Written whole or not at all: none of it stands, so each row claimed is tried alone.
        return _Batch(claimed=batch.claimed, again=list(batch.claimed))
    return batch


def _act_in_savepoint(op: Operation, row: Any, moment: datetime) -> tuple[str, str] | None:
    """Fire a row of a careful batch in a savepoint: its status and outcome (failed, for a row that broke); None for a
    row to try alone (it met someone else's change, or even setting it aside failed)."""
    saved = _gathered(op)
    try:
        with op.session.begin_nested():
            return _act(op, row, moment)
    except _Refused as refused:
        _restore(op, saved)
        return "skipped", refused.refusal.sentence()
    except _NOT_THE_ROWS_FAULT:
        _restore(op, saved)
        return None
    except Exception as exc:  # noqa: BLE001 - whatever breaks one row must not stop the rows after it
        _restore(op, saved)
        return _fail_in_batch(op, row, moment, exc)


def _claim_due(op: Operation, moment: datetime, size: int) -> list[Any]:
    """The next due rows in due order, held for this transaction (PostgreSQL skips rows another worker holds;
    SQLite's writers take turns, so what is pending here is this writer's)."""
    query = (select(*_DUE).where(Deadline.status == "pending", Deadline.due <= moment)
             .order_by(Deadline.due, Deadline.id).limit(size))
    if not op.instance.db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    return list(op.session.connection().execute(query))  # plain columns: the ORM has nothing to add to them


def _load_records(op: Operation, refs: list[str]) -> dict[str, Any]:
    """The records the batch's rows name, read in one query per kind, by the reference each row gives."""
    from governance.errors import BadInput

    wanted: dict[Any, dict[int, list[str]]] = {}
    for ref in set(refs):
        try:
            kind, number = lookup.parse_ref(ref)
        except BadInput:
            continue  # the row fails when it fires, with the reason lookup gives
        wanted.setdefault(kind.model_class(), {}).setdefault(number, []).append(ref)
    held: dict[str, Any] = {}
    for model, numbers in wanted.items():
        for record in op.session.scalars(select(model).where(model.id.in_(sorted(numbers)))):
            for ref in numbers[record.id]:
                held[ref] = record
    return held


def _record(op: Operation, ref: str) -> Any:
    """The record a row names: the one its batch read, while the session holds it; else as lookup finds it (and says
    why there is none)."""
    found = op.memo.get(_HELD, {}).get(ref)
    return found if found is not None and found in op.session else lookup.record(op.session, ref)


def _write_records(op: Operation, records: Iterable[Any], let_go: bool = False) -> None:
    """The batch's records that moved, written in one statement per kind and set of columns that changed, each row
    against the version it was read at, as the session's flush would write them (it writes a record with a version
    one statement at a time).

    Before a flush the session makes for a query within the batch, what was written becomes the records' committed
    state, which the flush finds unchanged (a row still being fired may read its record further). At the batch's end
    (`let_go`), nothing reads them any more: the session lets go of them, and its last flush has nothing of theirs to
    look through. Only plain changes are written so: column values on a record of one table whose version the engine
    counts, in a session holding no new or deleted object. Anything else is left to the flush, as before.
    """
    session = op.session
    if session.new or session.deleted or not session.get_bind().dialect.supports_sane_multi_rowcount:
        return
    groups: dict[tuple[Any, tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    for record in records:
        state = instance_state(record)
        if not state.modified or state.key is None or state._deleted or not state.committed_state:
            continue
        plain = _plain_change(state)
        if plain is not None:
            groups.setdefault((state.mapper, tuple(sorted(plain))), []).append((record, plain))
    for (mapper, names), members in groups.items():
        table, key, version, key_attr, version_attr = _plainly_written(mapper)  # type: ignore[misc]
        params = []
        for record, values in members:
            loaded = instance_state(record).dict
            current = loaded[version_attr]
            params.append({**values, version.key: mapper.version_id_generator(current), "b_record": loaded[key_attr], "b_version": current})
        statement = update(table).where(key == bindparam("b_record"), version == bindparam("b_version"))
        written = session.connection().execute(statement, params).rowcount
        if written != len(params):
            raise StaleDataError(f"{mapper.class_.__name__}: {len(params) - written} of {len(params)} records changed by someone else")
        if let_go:
            for record, _ in members:
                session.expunge(record)
            continue
        attributes = [(mapper.get_property_by_column(table.c[name]).key, name) for name in names]
        for (record, values), written_row in zip(members, params):
            for attribute, name in attributes:
                set_committed_value(record, attribute, values[name])
            set_committed_value(record, version_attr, written_row[version.key])


def _plain_change(state: Any) -> dict[str, Any] | None:
    """A record's changed columns by the column's key, when its change is plain (see _write_records); else None."""
    mapper = state.mapper
    if not _plainly_written(mapper) or mapper.dispatch.before_update or mapper.dispatch.after_update:
        return None
    values: dict[str, Any] = {}
    for name in state.committed_state:
        prop = mapper.attrs[name] if name in mapper.attrs else None
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            return None  # a relationship, or a property over several columns
        column = prop.columns[0]
        if column.table is not mapper.local_table or column.primary_key or column is mapper.version_id_col:
            return None
        added = state.get_history(name, PASSIVE_NO_INITIALIZE).added
        if added:
            value = added[0]
            if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
                return None  # a SQL expression the flush would inline
            values[column.key] = value
    return values or None


@lru_cache(maxsize=64)
def _plainly_written(mapper: Any) -> tuple[Any, ...] | None:
    """For a mapper whose records the flush writes as one table's columns, checked and moved on by a counted version:
    its table, key column, version column and the attributes holding those two; None for any other."""
    table, version = mapper.local_table, mapper.version_id_col
    if (len(mapper.tables) != 1 or len(mapper.primary_key) != 1 or version is None or not callable(mapper.version_id_generator)
            or version.table is not table or any(c.onupdate is not None or c.server_onupdate is not None for c in table.columns)):
        return None
    key = mapper.primary_key[0]
    return table, key, version, mapper.get_property_by_column(key).key, mapper.get_property_by_column(version).key


def _gathered(op: Operation) -> tuple[list[Any], ...]:
    """What the operation has gathered for its end, as it stands: a row rolled back to its savepoint drops its share."""
    return list(op.audit), list(op.mail), list(op.deadlines), list(op.cancelled), list(op.warnings), list(op.memo.get(CANCEL_LATER, ()))


def _restore(op: Operation, saved: tuple[list[Any], ...]) -> None:
    op.audit[:], op.mail[:], op.deadlines[:], op.cancelled[:], op.warnings[:] = saved[:5]
    if CANCEL_LATER in op.memo:
        op.memo[CANCEL_LATER][:] = saved[5]
    if AUDIENCES in op.memo:
        _fresh_audiences(op)  # what was looked up inside the savepoint may have been undone with it


def _fresh_audiences(op: Operation) -> None:
    """Audiences not tied to a record are looked up once for the batch from here on (see audiences.people)."""
    op.memo[AUDIENCES] = {}


def _fail_in_batch(op: Operation, row: Any, moment: datetime, exc: Exception) -> tuple[str, str] | None:
    """Set a broken row aside within the batch; None when even that cannot be written here (it is tried alone)."""
    saved = _gathered(op)
    try:
        with op.session.begin_nested():
            return _failed(op, row, moment, _one_line(exc))
    except Exception:  # noqa: BLE001 - the row goes to the one-row path, which sets it aside in a transaction of its own
        _restore(op, saved)
        return None


def _changes_who_holds_what(row: Fired) -> bool:
    """A term's row that moved it: who holds an office (and so who the office's audiences are) may have changed."""
    return row.status == "fired" and _is_term(row.ref)


def _is_term(ref: str) -> bool:
    return _term_prefix(ref.split("-", 1)[0])


@lru_cache(maxsize=64)
def _term_prefix(prefix: str) -> bool:
    from governance.workflows import records

    kind = records.by_prefix(prefix)
    return kind is None or kind.model_class() is Term


def _fire_isolated(instance: Instance, row_id: int, moment: datetime) -> Fired | None:
    """Fire one row in its own transaction; a row that breaks is set aside as failed and the alarm goes on.

    A broken row (its template, audience, trigger or record gone since it was written) raised out of tick, and
    since rows fire in due order, nothing due after it ever fired. Its transaction is rolled back whole, then a
    new one marks it failed, audits that and tells the secretariat. A conflict (someone changed the record at the
    same moment) or a database hiccup is tried once more first: those are not the row's fault.
    """
    try:
        return _fire_once(instance, row_id, moment)
    except (Conflict, OperationalError):
        pass
    except Exception as exc:  # noqa: BLE001 - whatever breaks one row must not stop the rows after it
        return _set_aside(instance, row_id, moment, exc)
    try:
        return _fire_once(instance, row_id, moment)
    except OperationalError:
        raise  # the database itself keeps failing: there is nothing a row could be marked with; the next tick retries
    except Exception as exc:  # noqa: BLE001 - a row that conflicts twice is taken for broken, like any other error
        return _set_aside(instance, row_id, moment, exc)


def _fire_once(instance: Instance, row_id: int, moment: datetime) -> Fired | None:
    fired, _ = change(instance, SYSTEM, lambda op: fire_row(op, row_id, moment))
    return fired


def _set_aside(instance: Instance, row_id: int, moment: datetime, exc: Exception) -> Fired | None:
    reason = _one_line(exc)
    failed, _ = change(instance, SYSTEM, lambda op: fail_row(op, row_id, moment, reason))
    return failed


def _one_line(exc: BaseException) -> str:
    """What went wrong in one line for the row, the audit trail and the letter: the kind of error and its message."""
    message = exc.sentence() if isinstance(exc, GovError) else str(exc)
    text = " ".join(f"{type(exc).__name__}: {message}".split())
    return text if len(text) <= 500 else text[:499] + "…"


def _claim(op: Operation, row_id: int) -> Any:
    """The row, if still pending and not held by another worker (PostgreSQL skips a locked row; SQLite writers queue)."""
    query = select(*_DUE).where(Deadline.id == row_id, Deadline.status == "pending")
    if not op.instance.db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    return op.session.execute(query).first()


def _settle(op: Operation, row: Any, status: str, outcome: str, moment: datetime) -> None:
    op.session.connection().execute(_SETTLE, {"b_id": row.id, "b_status": status, "b_outcome": outcome, "b_at": moment})


def fail_row(op: Operation, row_id: int, moment: datetime, reason: str) -> Fired | None:
    """Mark a row that could not be fired as failed, for good: it would only fail again. Audited; the secretariat is told."""
    op.now = moment
    row = _claim(op, row_id)
    if row is None:
        return None  # another worker dealt with it meanwhile
    letters_before = len(op.mail)
    status, outcome = _failed(op, row, moment, reason)
    _settle(op, row, status, outcome, moment)
    return Fired(row.ref, row.name, row.kind, row.due, outcome, status, len(op.mail) - letters_before)


def _failed(op: Operation, row: Any, moment: datetime, reason: str) -> tuple[str, str]:
    """A row set aside: audited, and the secretariat told; its status and outcome (the caller writes them)."""
    op.now = moment
    op.audit.append(audit.entry(op.now, op.actor.handle, row.ref, "deadline_failed", None, None, reason, row.rule,
                                {"deadline": row.name, "kind": row.kind, "due": row.due, "row": row.id}))
    letters_before = len(op.mail)
    try:
        context = letter_context(op, None, {"row": {"ref": row.ref, "name": row.name, "kind": row.kind, "due": row.due, "reason": reason,
                                                    "template": row.template, "audience": row.audience, "fire": row.fire}})
        outbox.queue(op, audiences.people(op, None, ["secretariat"]), "deadline_failed", context, row.ref)
    except Exception as exc:  # noqa: BLE001 - the letter is a courtesy; the failed row and its audit entry are what count
        del op.mail[letters_before:]
        return "failed", f"{reason} (the secretariat could not be written to: {_one_line(exc)})"[:1000]
    return "failed", reason


def fire_row(op: Operation, row_id: int, moment: datetime) -> Fired | None:
    """Claim one row and act on it, in a transaction of its own; a row someone else claimed first is left alone."""
    op.now = moment
    row = _claim(op, row_id)
    if row is None:
        return None
    letters_before = len(op.mail)
    saved = _gathered(op)
    try:
        with op.session.begin_nested():
            status, outcome = _act(op, row, moment)
    except _Refused as refused:
        _restore(op, saved)
        status, outcome = "skipped", refused.refusal.sentence()
    _settle(op, row, status, outcome, moment)
    return Fired(row.ref, row.name, row.kind, row.due, outcome, status, len(op.mail) - letters_before)


def _act(op: Operation, row: Any, moment: datetime) -> tuple[str, str]:
    """What firing `row` comes to, its status and outcome: its letters, audit entries and new rows go to the operation.

    A trigger that no longer applies raises _Refused: the caller rolls back what the attempt did and skips the row.
    """
    op.now = moment
    if row.condition and (failure := _condition_fails(op, row)):
        return "skipped", failure
    if row.fire:
        status, outcome = _fire_trigger(op, row)
    else:
        status, outcome = _write(op, row)
    if row.repeat_days and status == "fired":
        _repeat(op, row)
    return status, outcome


def _condition_fails(op: Operation, row: Any) -> str | None:
    """A row written to repeat only while something holds (a vacancy) ends once it no longer does."""
    from governance.service.guards import GUARDS, Check

    record = _record(op, row.ref)
    return GUARDS[row.condition](Check(op, record), {}, lambda name: (None, None))


def _fire_trigger(op: Operation, row: Any) -> tuple[str, str]:
    record = _record(op, row.ref)
    spec = engine.spec_of(op, record)
    if row.fire not in spec.triggers:
        # Not a refusal to note and move past: the workflow file lost the trigger since the row was written.
        raise LookupError(f"the {spec.record} workflow has no trigger {row.fire!r} (it was removed or renamed after the row was written)")
    try:
        result = engine.advance(op, record, row.fire, reason=f"{row.name} reached", rule=row.rule)
    except GovError as refusal:
        # The trigger no longer applies (the record moved on, a guard fails): recorded, never retried.
        raise _Refused(refusal) from None
    return "fired", f"-> {result.state}"


def _write(op: Operation, row: Any) -> tuple[str, str]:
    """A reminder, an escalation, or a deadline that only tells people: queue the letters."""
    record = _record(op, row.ref)
    zone = op.rules.zone
    # A reminder points at a moment (`offset_days` before it); once that moment is gone it has nothing to say.
    anchor = add_days(row.due, row.offset_days or 0, zone) if row.kind == "reminder" else row.due
    if row.kind == "reminder" and anchor <= op.now:
        return "skipped", "too late to remind: the moment it announced has passed"
    names = [n for n in (row.audience or "").split(",") if n]
    unknown = [n for n in names if not audiences.known(op.rules, n)]
    if unknown:  # the file that named it changed since the row was written
        known = sorted(audiences.IMPLEMENTED | set(op.rules.offices()))
        raise LookupError(f"no audience {', '.join(map(repr, unknown))}: the engine knows {', '.join(known)}")
    people = audiences.people(op, record, names)
    if not people:
        return "fired", "no one to write to"
    days_left = (anchor.astimezone(zone).date() - op.now.astimezone(zone).date()).days
    extra: dict[str, Any] = {"deadline": {"name": row.name, "due": anchor, "days_left": max(days_left, 0), "limit": anchor}}
    step = Step(op, record, record.state, record.state, None, extra)
    outbox.queue(op, people, row.template, step.context(), record.ref)
    return "fired", f"wrote to {len(people)}"


def _repeat(op: Operation, row: Any) -> None:
    """The row comes back `repeat_days` on (working days, when the rules count them); after an outage, at its next
    occurrence, not once per missed one."""
    from governance.service.calendars import repeat_after

    due = repeat_after(op.rules, row.due, row.repeat_days)
    while due <= op.now:
        due = repeat_after(op.rules, due, row.repeat_days)
    op.deadlines.append(pending_row(row.ref, row.name, row.kind, due, row.scope, op.now, fire=row.fire, audience=row.audience,
                                    template=row.template, repeat_days=row.repeat_days, rule=row.rule, condition=row.condition,
                                    offset_days=row.offset_days))


def _mark_tick(op: Operation, moment: datetime, fired: int) -> None:
    """Workers ticking at once all record their tick: an insert that tolerates the others, then a forward-only update."""
    if op.session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_once
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_once
    op.session.execute(insert_once(Counter).values(name="last_tick", value=str(fired), at=moment).on_conflict_do_nothing())
    op.session.execute(update(Counter).where(Counter.name == "last_tick", (Counter.at.is_(None)) | (Counter.at <= moment))
                       .values(value=str(fired), at=moment))


def next_due(instance: Instance, after: datetime | None = None) -> datetime | None:
    with instance.db.read() as session:
        query = select(func.min(Deadline.due)).where(Deadline.status == "pending")
        if after is not None:
            query = query.where(Deadline.due > after)
        return session.scalar(query)


def health(op: Operation, stale_minutes: int = 5) -> dict[str, Any]:
    """What `gov status` reports: the scheduler's heartbeat, the last tick, rows due but unfired or failed, mail waiting or failing."""
    session = op.session
    last = session.get(Counter, "last_tick")
    mail = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {
        **liveness(op, stale_minutes, exact=True),
        "last_tick": last.at if last else None,
        "mail_pending": mail.get("pending", 0),
        "mail_failed": mail.get("failed", 0),
        "mail_sent": mail.get("sent", 0),
        # Rows set aside because they could not be fired (tick never retries them): each wants a person's look.
        "deadlines_failed": session.scalar(select(func.count()).select_from(Deadline).where(Deadline.status == "failed")),
        "next_due": session.scalar(select(func.min(Deadline.due)).where(Deadline.status == "pending", Deadline.due > op.now)),
        "offices": offices(op),
    }


def liveness(op: Operation, stale_minutes: int = 5, exact: bool = False) -> dict[str, Any]:
    """Is anything firing the deadlines: the scheduler's heartbeat, and rows due but unfired (from the pending-due index).

    Cheap enough for `show` and `deadlines` to ask every time: two index lookups and the few heartbeat rows.
    `scheduler_dead` means rows have waited past `stale_minutes`, whatever fires them (a scheduler, or cron's tick).
    """
    from governance.service.heartbeat import overdue, scheduler_state

    session, now = op.session, op.now
    if exact:
        count, oldest = session.execute(
            select(func.count(), func.min(Deadline.due)).where(Deadline.status == "pending", Deadline.due <= now)).one()
    else:
        count, oldest = overdue(session, now)
    return {
        "now": now,
        "due_unfired": count,
        "oldest_due": oldest,
        "scheduler_dead": oldest is not None and (now - oldest).total_seconds() > stale_minutes * 60,
        "scheduler": scheduler_state(session, now),
    }


def offices(op: Operation) -> list[dict[str, Any]]:
    """Each office: who holds it now, and whether it is vacant (and who acts)."""
    from governance.service.succession import latest_term, vacancy
    from governance.workflows.records import TERM_STATES

    out = []
    for office in op.rules.offices():
        held = latest_term(op.session, office, TERM_STATES.holding)
        out.append({"office": office, "holder": held.org.code if held else None, "until": held.end if held else None,
                    "vacancy": vacancy(op.session, op.rules, office)})
    return out
