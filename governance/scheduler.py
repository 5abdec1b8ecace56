"""The alarm clock: APScheduler wakes `tick` at each upcoming due time, sweeps as a safety net, and sends mail.

The deadline rows are the truth. Jobs are only derived from them: kill this
process at any moment and the next start (or the next `gov tick`) catches up,
firing each row once, because each row fires in its own transaction.
"""

from __future__ import annotations

import logging
import signal
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from governance.service.context import Instance
from governance.store.models import Deadline

log = logging.getLogger("governance.scheduler")

# The process's one instance: APScheduler jobs are module-level functions with stable ids.
_instance: Instance | None = None
_scheduler: Any = None
_window = 200
_stop_requested: list[int] = []


def run(instance: Instance, sweep_seconds: int = 60, refresh_seconds: int = 30, window: int = 200) -> None:
    """Block until SIGTERM or Ctrl-C; fire due rows on time and deliver the outbox."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _instance, _scheduler, _window
    _instance, _window = instance, window
    # One worker for the engine's jobs (they would only queue on the database's write lock anyway), and one of
    # its own for `watch`, so a signal is heard even while a long catch-up holds the worker.
    executors = {"default": ThreadPoolExecutor(1), "watch": ThreadPoolExecutor(1)}
    _scheduler = BlockingScheduler(timezone=timezone.utc, executors=executors,
                                   job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})
    _scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep", replace_existing=True, next_run_time=_now())
    _scheduler.add_job(refresh, "interval", seconds=refresh_seconds, id="refresh", replace_existing=True, next_run_time=_now())
    _scheduler.add_job(watch, "interval", seconds=0.5, id="watch", replace_existing=True, executor="watch")

    def stop(signum: int, _frame: Any) -> None:
        # Only a flag: the main thread may hold a lock (inside submit()) when a signal lands, so any
        # real work here could deadlock. The `watch` job sees the flag and stops the scheduler.
        _stop_requested.append(signum)

    def started(_event: Any) -> None:
        log.info("scheduler started on %s (sweep every %ss, next %s rows watched)", instance.db.safe_url(), sweep_seconds, window)

    from apscheduler.events import EVENT_SCHEDULER_STARTED

    _scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        _scheduler.start()
    finally:
        instance.db.dispose()
        log.info("scheduler stopped")


def watch() -> None:
    """Stops the scheduler from a worker thread once a signal asked for it; the job in hand finishes first."""
    if _stop_requested and _scheduler is not None and _scheduler.running:
        log.info("signal %s: stopping after the job in hand", _stop_requested[0])
        _scheduler.shutdown(wait=False)


def _now() -> datetime:
    assert _instance is not None
    return _instance.clock.now()


def sweep() -> None:
    """The safety net: fire everything due now (catches misfires and rows written by others), then send mail."""
    fire_due()
    send_mail()


def fire_due() -> None:
    from governance.service.tick import tick

    assert _instance is not None
    report = tick(_instance, _now())
    for fired in report.fired:
        log.info("fired %s %s %s (due %s): %s %s", fired.ref, fired.kind, fired.name, fired.due.isoformat(), fired.status, fired.outcome)
    if report.queued_mail:
        send_mail()


def send_mail() -> None:
    from governance.mail.delivery import send_pending

    assert _instance is not None
    result = send_pending(_instance)
    if result.sent or result.failed:
        log.info("mail: %s sent, %s failed", result.sent, result.failed)


def refresh() -> None:
    """Date jobs for the next due rows: woken exactly on time, not at the next sweep."""
    assert _instance is not None and _scheduler is not None
    now = _now()
    with _instance.db.read() as session:
        moments = sorted(set(session.scalars(
            select(Deadline.due).where(Deadline.status == "pending", Deadline.due > now).order_by(Deadline.due).limit(_window)
        )))
    wanted = {f"due-{m.isoformat()}": m for m in moments}
    for job in _scheduler.get_jobs():
        if job.id.startswith("due-") and job.id not in wanted:
            job.remove()
    for job_id, moment in wanted.items():
        _scheduler.add_job(fire_due, "date", run_date=moment, id=job_id, replace_existing=True)


def next_wakeups() -> list[datetime]:
    """For status and tests: the due-time jobs currently held."""
    if _scheduler is None:
        return []
    return sorted(j.next_run_time for j in _scheduler.get_jobs() if j.id.startswith("due-"))


def log_setup(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("governance.scheduler").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)


