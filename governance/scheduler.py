"""The alarm clock: APScheduler wakes `tick` at each upcoming due time, sweeps as a safety net, and sends mail.

The deadline rows are the truth. Jobs are only derived from them: kill this
process at any moment and the next start (or the next `gov tick`) catches up,
firing each row once, because each row fires in its own transaction.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from governance.service.context import Instance
from governance.service.heartbeat import row_name
from governance.store.models import Deadline

log = logging.getLogger("governance.scheduler")

# The process's one instance: APScheduler jobs are module-level functions with stable ids.
_instance: Instance | None = None
_scheduler: Any = None
_window = 200
_stop_requested: list[int] = []
_heartbeat: dict[str, Any] = {}  # this process's heartbeat row: its name and what it says


def run(instance: Instance, sweep_seconds: int = 60, refresh_seconds: int = 30, window: int = 200,
        heartbeat_seconds: int = 10) -> None:
    """Block until SIGTERM or Ctrl-C; fire due rows on time, deliver the outbox, and beat every `heartbeat_seconds`."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _instance, _scheduler, _window
    _instance, _window = instance, window
    host = socket.gethostname() or "localhost"
    _heartbeat.update(name=row_name(host, os.getpid()),
                      info={"host": host, "pid": os.getpid(), "every": heartbeat_seconds, "started": _now().isoformat(), "stopped": False})
    # One worker for the engine's jobs (they would only queue on the database's write lock anyway), one of its own
    # for `watch`, so a signal is heard even while a long catch-up holds the worker, and one for the heartbeat, so
    # a long catch-up is not taken for a dead scheduler.
    executors = {"default": ThreadPoolExecutor(1), "watch": ThreadPoolExecutor(1), "heartbeat": ThreadPoolExecutor(1)}
    _scheduler = BlockingScheduler(timezone=timezone.utc, executors=executors,
                                   job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})
    _scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep", replace_existing=True, next_run_time=_now())
    _scheduler.add_job(refresh, "interval", seconds=refresh_seconds, id="refresh", replace_existing=True, next_run_time=_now())
    _scheduler.add_job(watch, "interval", seconds=0.5, id="watch", replace_existing=True, executor="watch")
    _scheduler.add_job(heartbeat, "interval", seconds=heartbeat_seconds, id="heartbeat", replace_existing=True,
                       next_run_time=_now(), executor="heartbeat")

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
        # Said on the way out, so `gov status` tells a scheduler stopped on purpose from one that died.
        _heartbeat["info"]["stopped"] = True
        heartbeat()
        instance.db.dispose()
        log.info("scheduler stopped")


def watch() -> None:
    """Stops the scheduler from a worker thread once a signal asked for it; the job in hand finishes first."""
    if _stop_requested and _scheduler is not None and _scheduler.running:
        log.info("signal %s: stopping after the job in hand", _stop_requested[0])
        _scheduler.shutdown(wait=False)


def heartbeat() -> None:
    """Write this process's heartbeat row in a transaction of its own; the first beat also drops long-silent rows.

    A beat that cannot be written (the database is away) is only logged: the scheduler goes on, and `gov status`
    will say the heartbeat is old, which is then the truth.
    """
    from governance.service.heartbeat import beat, prune

    assert _instance is not None
    now = _now()
    try:
        with _instance.db.write() as session:
            beat(session, _heartbeat["name"], now, _heartbeat["info"])
            if not _heartbeat.get("pruned"):
                prune(session, _heartbeat["name"], now)
        _heartbeat["pruned"] = True
    except Exception as exc:  # noqa: BLE001 - the alarm clock must outlive a missed beat
        log.warning("heartbeat not written: %s", exc)


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
    from governance.service.sending import send_pending

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


