"""The alarm's work: fire every due deadline row once, in due order, each in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from governance.clock import add_days
from governance.errors import Conflict, GovError
from governance.service import audiences, audit, engine, lookup, outbox
from governance.service.actors import SYSTEM
from governance.service.context import Instance, Operation
from governance.service.describe import letter_context
from governance.service.effects import Step, pending_row
from governance.service.transaction import change
from governance.store.models import Counter, Deadline, OutboxMessage

BATCH = 200


@dataclass
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
    now: datetime
    fired: list[Fired] = field(default_factory=list)

    @property
    def queued_mail(self) -> int:
        return sum(f.letters for f in self.fired)


def tick(instance: Instance, now: datetime | None = None, limit: int | None = None) -> TickReport:
    """Fire what is due at `now` (the clock's moment by default). Running it twice changes nothing."""
    instance.require_real_time()
    moment = now or instance.clock.now()
    report = TickReport(moment)
    while True:
        with instance.db.read() as session:
            ids = session.scalars(
                select(Deadline.id).where(Deadline.status == "pending", Deadline.due <= moment)
                .order_by(Deadline.due, Deadline.id).limit(BATCH)
            ).all()
        if not ids:
            break
        for row_id in ids:
            fired = _fire_isolated(instance, row_id, moment)
            if fired is not None:
                report.fired.append(fired)
            if limit and len(report.fired) >= limit:
                break
        if limit and len(report.fired) >= limit:
            break
    change(instance, SYSTEM, lambda op: _mark_tick(op, moment, len(report.fired)))
    return report


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


def _claim(op: Operation, row_id: int) -> Deadline | None:
    """The row, if still pending and not held by another worker (PostgreSQL skips a locked row; SQLite writers queue)."""
    query = select(Deadline).where(Deadline.id == row_id, Deadline.status == "pending")
    if not op.instance.db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    return op.session.scalar(query)


def fail_row(op: Operation, row_id: int, moment: datetime, reason: str) -> Fired | None:
    """Mark a row that could not be fired as failed, for good: it would only fail again. Audited; the secretariat is told."""
    op.now = moment
    row = _claim(op, row_id)
    if row is None:
        return None  # another worker dealt with it meanwhile
    row.status, row.outcome, row.fired_at = "failed", reason, moment
    op.audit.append(audit.entry(op.now, op.actor.handle, row.ref, "deadline_failed", None, None, reason, row.rule,
                                {"deadline": row.name, "kind": row.kind, "due": row.due, "row": row.id}))
    letters_before = len(op.mail)
    try:
        context = letter_context(op, None, {"row": {"ref": row.ref, "name": row.name, "kind": row.kind, "due": row.due, "reason": reason,
                                                    "template": row.template, "audience": row.audience, "fire": row.fire}})
        outbox.queue(op, audiences.people(op, None, ["secretariat"]), "deadline_failed", context, row.ref)
    except Exception as exc:  # noqa: BLE001 - the letter is a courtesy; the failed row and its audit entry are what count
        del op.mail[letters_before:]
        row.outcome = f"{reason} (the secretariat could not be written to: {_one_line(exc)})"[:1000]
    return Fired(row.ref, row.name, row.kind, row.due, row.outcome, "failed", len(op.mail) - letters_before)


def fire_row(op: Operation, row_id: int, moment: datetime) -> Fired | None:
    """Claim one row and act on it; a row someone else claimed first is left alone."""
    op.now = moment
    row = _claim(op, row_id)
    if row is None:
        return None
    letters_before = len(op.mail)
    if row.condition and (failure := _condition_fails(op, row)):
        row.status, row.outcome, row.fired_at = "skipped", failure, moment
        return Fired(row.ref, row.name, row.kind, row.due, failure, "skipped", 0)
    if row.fire:
        status, outcome = _fire_trigger(op, row)
    else:
        status, outcome = _write(op, row)
    row.status = status
    row.outcome = outcome
    row.fired_at = moment
    if row.repeat_days and status == "fired":
        _repeat(op, row)
    return Fired(row.ref, row.name, row.kind, row.due, outcome, status, len(op.mail) - letters_before)


def _condition_fails(op: Operation, row: Deadline) -> str | None:
    """A row written to repeat only while something holds (a vacancy) ends once it no longer does."""
    from governance.service.guards import GUARDS, Check

    record = lookup.record(op.session, row.ref)
    return GUARDS[row.condition](Check(op, record), {}, lambda name: (None, None))


def _fire_trigger(op: Operation, row: Deadline) -> tuple[str, str]:
    record = lookup.record(op.session, row.ref)
    spec = engine.spec_of(op, record)
    if row.fire not in spec.triggers:
        # Not a refusal to note and move past: the workflow file lost the trigger since the row was written.
        raise LookupError(f"the {spec.record} workflow has no trigger {row.fire!r} (it was removed or renamed after the row was written)")
    try:
        with op.session.begin_nested():
            result = engine.advance(op, record, row.fire, reason=f"{row.name} reached", rule=row.rule)
    except GovError as refusal:
        # The trigger no longer applies (the record moved on, a guard fails): recorded, never retried.
        return "skipped", refusal.sentence()
    return "fired", f"-> {result.state}"


def _write(op: Operation, row: Deadline) -> tuple[str, str]:
    """A reminder, an escalation, or a deadline that only tells people: queue the letters."""
    record = lookup.record(op.session, row.ref)
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


def _repeat(op: Operation, row: Deadline) -> None:
    """The row comes back `repeat_days` on; after an outage, at its next occurrence, not once per missed one."""
    due = add_days(row.due, row.repeat_days, op.rules.zone)
    while due <= op.now:
        due = add_days(due, row.repeat_days, op.rules.zone)
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
