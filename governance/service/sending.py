"""`gov send`: deliver due letters under a lease, each recorded as it is handed over, so a crash re-sends at most one.

No letter is delivered more than twice. Just before the step that delivers a letter (SMTP's final dot), a small
transaction counts the hand-over on its row (and records the letter before it as sent); an answer from the server
clears the count. A letter whose row shows two hand-overs with no answer was with the server twice when the sender
died: it has most likely arrived, so it is not sent a third time; it is set aside as failed and the secretariat is
told (`gov outbox retry` sends it again if it did not arrive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError

from governance.errors import Conflict
from governance.mail.backends import Backend, backend_for
from governance.mail.delivery import Problem, deliver_batch
from governance.mail.message import Unbuildable, address
from governance.service.actors import SYSTEM
from governance.service.context import Instance, Operation
from governance.service.transaction import change
from governance.store.models import Counter, OutboxMessage

LEASE = timedelta(minutes=10)  # a claimed letter not confirmed by then is tried again
BATCH = 200
OUTAGE = "mail_outage"  # the engine_state row of an outage under way: `at` is since when, `value` the error that began it
# Letters about mail itself: the failure of one never begets a notice of its own (that could go on for ever).
NOTICES = ("delivery_failed", "mail_outage", "mail_restored")
UNANSWERED = 2  # hand-overs with no answer heard after which a letter is not sent again
UNCONFIRMED = ("handed to the mail server in full {n} times, and each time the sender stopped before the server answered: "
               "it has most likely arrived, so it is not sent again (`gov outbox retry {id}` sends it once more)")


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    errors: list[str] = field(default_factory=list)


def send_pending(instance: Instance, backend: Backend | None = None, limit: int | None = None) -> SendReport:
    """Deliver every pending letter whose time has come; failures wait with capped exponential backoff."""
    from governance.service.digest import merge_reminders

    instance.require_real_time()
    _check_sender(instance.settings.mail.sender)
    report = SendReport()
    merge_reminders(instance)
    backend = backend or backend_for(instance.settings)
    _set_aside_unconfirmed(instance, report)
    while limit is None or _done(report) < limit:
        now = instance.clock.now()
        claimed = _claim(instance, now, BATCH if limit is None else min(BATCH, limit - _done(report)))
        if not claimed:
            break
        problems, down = _deliver(instance, backend, claimed, now, report)
        if problems:
            _record_problems(instance, [row for row in claimed if row.id in problems], problems, report)
        if down:
            break  # the backend is unwell: leave the rest for the next run
    return report


def _done(report: SendReport) -> int:
    return report.sent + report.failed + report.retrying


def _check_sender(sender: str) -> None:
    """A sender no letter can carry is the configuration's fault, not any letter's: refuse before claiming one."""
    from governance.errors import BadInput

    try:
        address(sender, "sender")
    except Unbuildable as exc:
        raise BadInput(f"mail.sender in config.toml: {exc}") from None


def _claim(instance: Instance, now: datetime, count: int) -> list[OutboxMessage]:
    with instance.db.write() as session:
        query = (select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(count))
        if not instance.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for position, row in enumerate(rows):
            row.attempts += 1
            # Leases end in reverse order of sending: after a kill, the letter that was in flight (the first one not
            # recorded) comes back last, behind the batch's untried letters, instead of first in line for the next kill.
            row.next_attempt_at = now + LEASE + timedelta(milliseconds=len(rows) - position)
            if row.first_attempt_at is None:  # the retry period runs from here
                row.first_attempt_at = now
        session.flush()
        session.expunge_all()
        return rows


def _deliver(instance: Instance, backend: Backend, rows: list[OutboxMessage], now: datetime,
             report: SendReport) -> tuple[dict[int, Problem], bool]:
    """Hand the batch over; the transaction that counts a letter's hand-over also records the letter before it as sent.

    One commit per letter; the last accepted letter is recorded on its own. Returns the problems, and whether the
    backend went down (the letters not yet handed over wait).
    """
    accepted: list[int] = []  # accepted by the server, not yet recorded as sent (one at most)
    recorded = [0]  # letters of this batch recorded as sent: the first ends an outage, if one is on record
    handovers = _Handovers(instance)

    def record(outbox_id: int | None) -> None:
        if accepted and not recorded[0]:
            _record_handover(instance, outbox_id, accepted, end_outage=True)
        else:
            handovers.record(outbox_id, accepted)
        recorded[0] += len(accepted)
        accepted.clear()

    def took(outbox_id: int) -> None:
        accepted.append(outbox_id)
        report.sent += 1

    try:
        # Past half the lease, another run may take these letters as abandoned: stop before it could send one twice.
        problems = deliver_batch(backend, rows, instance.settings.mail.sender, instance.rules.short_name, instance.clock.now,
                                 now + LEASE / 2, handing_over=record, accepted=took)
    finally:
        try:
            if accepted:
                record(None)
        finally:
            handovers.close()
    return problems, any(problem.outage for problem in problems.values())


_LETTERS = OutboxMessage.__table__
_SENT = (update(_LETTERS).where(_LETTERS.c.id.in_(bindparam("b_ids", expanding=True)))
         .values(status="sent", sent_at=bindparam("b_at"), last_error=None, next_attempt_at=None, handovers=0))
_HANDED_OVER = update(_LETTERS).where(_LETTERS.c.id == bindparam("b_id")).values(handovers=_LETTERS.c.handovers + 1)


class _Handovers:
    """The batch's hand-overs, each one small transaction on one connection kept for the batch (see _record_handover):
    a letter's own commit, without a session, an operation and a connection taken from the pool for each."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.connection: Any = None

    def record(self, outbox_id: int | None, accepted: list[int]) -> None:
        """What _record_handover writes, when no outage is to be ended."""
        if self.connection is None:
            self.connection = self.instance.db.engine.execution_options(immediate=True).connect()
        try:
            with self.connection.begin():  # its own transaction, committed before the letter's final step
                if accepted:
                    self.connection.execute(_SENT, {"b_ids": list(accepted), "b_at": self.instance.clock.now()})
                if outbox_id is not None:
                    self.connection.execute(_HANDED_OVER, {"b_id": outbox_id})
        except OperationalError as exc:  # as a change says it (transaction.change)
            if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
                raise Conflict("the database was busy with someone else's change; nothing was written, try again") from None
            raise

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _record_handover(instance: Instance, outbox_id: int | None, accepted: list[int], end_outage: bool) -> None:
    """One small transaction: the letters the server accepted are sent; the one about to go is counted as handed over.

    Both before the next letter can have arrived: a crash leaves at most one letter delivered and not recorded, and
    its row says it may have arrived. The batch's first letter recorded as sent goes this way, as a change, since it
    may end an outage (the secretariat is written to); the others go through _Handovers.
    """
    def work(op: Operation) -> None:
        # Through the table itself: the session holds no letter to keep in step, and the ORM's own path for an UPDATE
        # cost more than the rest of the transaction.
        connection = op.session.connection()
        if accepted:
            if end_outage:
                _end_outage(op)  # before the letter is marked: it is one of those that waited
            connection.execute(_SENT, {"b_ids": list(accepted), "b_at": op.now})
        if outbox_id is not None:
            connection.execute(_HANDED_OVER, {"b_id": outbox_id})

    change(instance, SYSTEM, work)


def _set_aside_unconfirmed(instance: Instance, report: SendReport) -> None:
    """Letters twice with the server when a sender died, due again: failed with the reason, and the secretariat told."""
    def due(now: datetime) -> Any:
        return select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                                           OutboxMessage.handovers >= UNANSWERED)

    with instance.db.read() as session:  # nearly always none: no transaction is opened for nothing
        if session.scalar(due(instance.clock.now()).with_only_columns(OutboxMessage.id).limit(1)) is None:
            return

    def work(op: Operation) -> None:
        query = due(op.now)
        if not instance.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(op.session.scalars(query))
        given_up = []
        for row in rows:
            error = UNCONFIRMED.format(n=row.handovers, id=row.id)
            row.status, row.last_error, row.next_attempt_at = "failed", error, None
            report.failed += 1
            report.errors.append(error)
            if row.template not in NOTICES:
                given_up.append((row, error))
        if given_up:
            _tell_secretariat(op, given_up)

    change(instance, SYSTEM, work)


def _record_problems(instance: Instance, rows: list[OutboxMessage], problems: dict[int, Problem], report: SendReport) -> None:
    """One transaction: what waits (and until when), what is given up on, and the secretariat's notices of both."""
    settings = instance.settings.mail
    tally = SendReport()

    def work(op: Operation) -> None:
        given_up: list[tuple[OutboxMessage, str]] = []
        outage: str | None = None
        for row in rows:
            problem = problems[row.id]
            if problem.final or _exhausted(row, op.now, settings):
                values: dict[str, Any] = {"status": "failed", "last_error": problem.error, "next_attempt_at": None}
                if row.template not in NOTICES:
                    given_up.append((row, problem.error))
                tally.failed += 1
            else:
                values = {"last_error": problem.error, "next_attempt_at": op.now + backoff(row.attempts, settings)}
                tally.retrying += 1
            if not problem.outage:  # the server answered: no copy of this hand-over arrived
                values["handovers"] = 0
            op.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
            tally.errors.append(problem.error)
            if problem.outage and outage is None:
                outage = problem.error
        if given_up:
            _tell_secretariat(op, given_up)
        if outage is not None:
            _begin_outage(op, outage)

    change(instance, SYSTEM, work)
    report.sent += tally.sent
    report.failed += tally.failed
    report.retrying += tally.retrying
    report.errors.extend(tally.errors)


def backoff(attempts: int, settings: Any) -> timedelta:
    """The wait after the n-th failed try: retry_base_seconds doubling each time, never more than retry_max_seconds."""
    ceiling = max(settings.retry_max_seconds, 1)
    wait = settings.retry_base_seconds * 2 ** min(max(attempts - 1, 0), 62)  # the exponent bounded: no huge number built
    return timedelta(seconds=max(min(wait, ceiling), 1))


def _exhausted(row: OutboxMessage, now: datetime, settings: Any) -> bool:
    """Given up only when tried max_attempts times AND for retry_hours: a long outage alone loses no letter."""
    if row.attempts < settings.max_attempts:
        return False
    started = row.first_attempt_at or now
    return now - started >= timedelta(hours=settings.retry_hours)


def _tell_secretariat(op: Operation, failures: list[tuple[OutboxMessage, str]]) -> None:
    """A letter given up on is not silent: the secretariat is written to (and it shows in `gov status`)."""
    context = _notice_context(op, failures=[{"to": r.recipient, "subject": r.subject, "error": error, "attempts": r.attempts}
                                            for r, error in failures])
    _queue_to_secretariat(op, "delivery_failed", context)
    _tell_records(op, [row for row, _ in failures])


def _tell_records(op: Operation, rows: list[OutboxMessage]) -> None:
    """A record kind may act on letters about its records given up on (a written procedure writes to the member's
    alternates in place of a focal point never reached): in this same change, through the hook its RecordType names."""
    from governance.service import lookup
    from governance.workflows import records

    by_ref: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        if row.ref:
            by_ref.setdefault(row.ref, []).append(row)
    for ref, given_up in by_ref.items():
        kind = records.by_prefix(ref.split("-", 1)[0])
        if kind is not None and kind.undelivered:
            records.named(kind.undelivered)(op, lookup.record(op.session, ref), given_up)


def _begin_outage(op: Operation, error: str) -> None:
    """The first failing run of an outage tells the secretariat; the next ones find the row and stay quiet."""
    if op.session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_once

        # psycopg reports no row count for an insert: the row it returns says whether this one was written.
        statement = insert_once(Counter).values(name=OUTAGE, value=error, at=op.now).on_conflict_do_nothing()
        begun = op.session.execute(statement.returning(Counter.name)).first() is not None
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_once

        statement = insert_once(Counter).values(name=OUTAGE, value=error, at=op.now).on_conflict_do_nothing()
        begun = op.session.execute(statement).rowcount == 1
    if not begun:
        return  # an outage already under way (told when it began, by this run or another worker)
    retry = timedelta(hours=op.instance.settings.mail.retry_hours)
    _queue_to_secretariat(op, "mail_outage", _notice_context(op, outage={"since": op.now, "error": error, "retry": _duration(op, retry)}))


def _end_outage(op: Operation) -> None:
    """The first letter through after an outage tells the secretariat how long it lasted and how many letters waited."""
    outage = op.session.get(Counter, OUTAGE)
    if outage is None:
        return
    waited = op.session.scalar(select(func.count()).select_from(OutboxMessage)
                               .where(OutboxMessage.status == "pending", OutboxMessage.last_error.is_not(None)))
    ended = op.session.execute(delete(Counter).where(Counter.name == OUTAGE).execution_options(synchronize_session=False))
    if ended.rowcount != 1:
        return  # another worker saw the mail flow first and told
    since = outage.at or op.now
    view = {"since": since, "until": op.now, "lasted": _duration(op, op.now - since), "waited": waited or 0, "error": outage.value or ""}
    _queue_to_secretariat(op, "mail_restored", _notice_context(op, outage=view))


def _duration(op: Operation, span: timedelta) -> Any:
    """A length of time in each language the body writes in ('3 hours', '3 heures', '3 ساعات')."""
    from babel.dates import format_timedelta

    from governance.service.describe import Localised

    span = max(span, timedelta(0))
    return Localised({lang: format_timedelta(span, locale=lang) for lang in {*op.rules.languages, "en"}})


def _notice_context(op: Operation, **extra: Any) -> dict[str, Any]:
    from governance.service.describe import letter_context

    return letter_context(op, None, extra)


def _queue_to_secretariat(op: Operation, template: str, context: dict[str, Any]) -> None:
    from governance.service import audiences, outbox

    outbox.queue(op, audiences.people(op, None, ["secretariat"]), template, context, None)
