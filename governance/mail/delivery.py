"""`gov send`: deliver due letters in batches under a lease, so a crash loses none and a retry is the same letter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from governance.mail.backends import Backend, DeliveryError, backend_for
from governance.mail.message import build
from governance.store.models import OutboxMessage

LEASE = timedelta(minutes=10)  # a claimed letter not confirmed by then is tried again
BATCH = 200


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    errors: list[str] = field(default_factory=list)


def send_pending(instance: Any, backend: Backend | None = None, limit: int | None = None) -> SendReport:
    """Deliver every pending letter whose time has come; failures wait with exponential backoff."""
    from governance.mail.digest import merge_reminders

    instance.require_real_time()
    report = SendReport()
    merge_reminders(instance)
    backend = backend or backend_for(instance.settings)
    while limit is None or report.sent + report.failed + report.retrying < limit:
        now = instance.clock.now()
        claimed = _claim(instance, now, BATCH if limit is None else min(BATCH, limit))
        if not claimed:
            break
        outcomes: dict[int, str | None] = {}
        try:
            with backend:
                for row in claimed:
                    try:
                        backend.deliver(build(row, instance.settings.mail.sender, instance.rules.short_name))
                        outcomes[row.id] = None
                    except DeliveryError as exc:
                        outcomes[row.id] = str(exc)
        except DeliveryError as exc:  # the batch could not start (server down): every letter waits
            for row in claimed:
                outcomes.setdefault(row.id, str(exc))
        _record(instance, claimed, outcomes, now, report)
        if any(outcomes.values()):
            break  # the server is unwell: leave the rest for the next run
    return report


def _claim(instance: Any, now: Any, count: int) -> list[OutboxMessage]:
    with instance.db.write() as session:
        query = (select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(count))
        if not instance.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
        session.flush()
        session.expunge_all()
        return rows


def _record(instance: Any, rows: list[OutboxMessage], outcomes: dict[int, str | None], now: Any, report: SendReport) -> None:
    """One transaction: what was sent, what waits, what was given up on and the secretariat's notice of it."""
    from governance.service.actors import SYSTEM
    from governance.service.transaction import change

    settings = instance.settings.mail
    tally = SendReport()

    def work(op: Any) -> None:
        session = op.session
        failed_now: list[OutboxMessage] = []
        sent_ids = [r.id for r in rows if outcomes.get(r.id) is None and r.id in outcomes]
        if sent_ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(sent_ids))
                            .values(status="sent", sent_at=now, last_error=None, next_attempt_at=None))
            tally.sent += len(sent_ids)
        for row in rows:
            error = outcomes.get(row.id)
            if row.id in sent_ids or error is None:
                continue
            if row.attempts >= settings.max_attempts:
                values = {"status": "failed", "last_error": error, "next_attempt_at": None}
                row.last_error = error
                if row.template != "delivery_failed":  # a notice about failures never begets another
                    failed_now.append(row)
                tally.failed += 1
            else:
                delay = timedelta(seconds=settings.retry_base_seconds * 2 ** (row.attempts - 1))
                values = {"last_error": error, "next_attempt_at": now + delay}
                tally.retrying += 1
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
            tally.errors.append(error)
        if failed_now:
            _tell_secretariat(op, failed_now)

    change(instance, SYSTEM, work)
    report.sent += tally.sent
    report.failed += tally.failed
    report.retrying += tally.retrying
    report.errors.extend(tally.errors)


def _tell_secretariat(op: Any, rows: list[OutboxMessage]) -> None:
    """A letter given up on is not silent: the secretariat is written to (and it shows in `gov status`)."""
    from governance.service import audiences, outbox

    people = audiences.people(op, None, ["secretariat"])
    context = {"body": {"name": op.rules.body["name"], "short_name": op.rules.short_name},
               "failures": [{"to": r.recipient, "subject": r.subject, "error": r.last_error or "", "attempts": r.attempts} for r in rows],
               "record": {}, "actor": "", "reason": None, "deadline": {}, "deadlines": {}, "approval": {}, "stats": {}, "successor": None}
    outbox.queue(op, people, "delivery_failed", context, None)
