"""The alarm clock: APScheduler wakes `tick` at the next due moment, re-arms after each firing, sweeps as a safety net.

The deadline rows are the truth. One job is derived from them: the next
pending due moment, re-armed after each firing and re-read every
`refresh_seconds` (rows written by others), so a row is late by one firing's
work, however many are pending. Kill this process at any moment and the next
start (or the next `gov tick`) catches up, firing each row once, because a row
is marked fired in the transaction that fires it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import datetime, timezone
from typing import Any

from governance.service.context import Instance
from governance.service.heartbeat import row_name

log = logging.getLogger("governance.scheduler")

# The process's one instance: APScheduler jobs are module-level functions with stable ids.
_instance: Instance | None = None
_scheduler: Any = None
_stop_requested: list[int] = []
_mail_wanted = threading.Event()  # a firing queued letters: the mail worker delivers them on its next round
_heartbeat: dict[str, Any] = {}  # this process's heartbeat row: its name and what it says


def run(instance: Instance, sweep_seconds: int = 60, refresh_seconds: int = 30, heartbeat_seconds: int = 10) -> None:
    """Block until SIGTERM or Ctrl-C; fire due rows on time, deliver the outbox, and beat every `heartbeat_seconds`."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _instance, _scheduler
    _instance = instance
    host = socket.gethostname() or "localhost"
    _heartbeat.update(name=row_name(host, os.getpid()),
                      info={"host": host, "pid": os.getpid(), "every": heartbeat_seconds, "started": _now().isoformat(), "stopped": False})
    # One worker for the engine's jobs (they would only queue on the database's write lock anyway), one of its own
    # for `watch`, so a signal is heard even while a long catch-up holds the worker, one for the heartbeat, so
    # a long catch-up is not taken for a dead scheduler, and one for mail, so a slow mail server delays no deadline.
    executors = {"default": ThreadPoolExecutor(1), "watch": ThreadPoolExecutor(1), "heartbeat": ThreadPoolExecutor(1),
                 "mail": ThreadPoolExecutor(1)}
    _scheduler = BlockingScheduler(timezone=timezone.utc, executors=executors,
                                   job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1})
    _scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep", replace_existing=True, next_run_time=_now())
    _scheduler.add_job(refresh, "interval", seconds=refresh_seconds, id="refresh", replace_existing=True, next_run_time=_now())
    _scheduler.add_job(watch, "interval", seconds=0.5, id="watch", replace_existing=True, executor="watch")
    _scheduler.add_job(heartbeat, "interval", seconds=heartbeat_seconds, id="heartbeat", replace_existing=True,
                       next_run_time=_now(), executor="heartbeat")
    _scheduler.add_job(mail_if_wanted, "interval", seconds=1, id="mail", replace_existing=True, executor="mail")

    def stop(signum: int, _frame: Any) -> None:
        # Only a flag: the main thread may hold a lock (inside submit()) when a signal lands, so any
        # real work here could deadlock. The `watch` job sees the flag and stops the scheduler.
        _stop_requested.append(signum)

    def started(_event: Any) -> None:
        log.info("scheduler started on %s (sweep every %ss, the next due moment re-read every %ss)", instance.db.safe_url(),
                 sweep_seconds, refresh_seconds)

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
    """The safety net: fire everything due now (catches misfires and rows written by others), then have the mail
    worker send what waits (letters queued by others, retries come due)."""
    fire_due()
    mail_soon()


def fire_due(ringing: str | None = None) -> None:
    """Fire what is due, then arm the next due moment: the alarm always points at the next row, whatever is pending.

    `ringing` is the id of the alarm's job running this (APScheduler drops it once it ran: it arms nothing).
    """
    from governance.service.tick import next_due, tick

    assert _instance is not None
    moment = _now()
    report = tick(_instance, moment, keep=False, each=_logged)
    if report.queued_mail:
        mail_soon()
    # Rows due while this tick ran are after `moment`: armed in the past, they run at once.
    arm(next_due(_instance, after=moment), ringing)


def _logged(fired: Any) -> None:
    log.info("fired %s %s %s (due %s): %s %s", fired.ref, fired.kind, fired.name, fired.due.isoformat(), fired.status, fired.outcome)


# One letter in flight at a time in this process: a kill then catches at most one letter the server had accepted
# and the outbox had not yet recorded as sent (the crash trials count on it).
_sending = threading.Lock()


def send_mail() -> None:
    from governance.service.sending import send_pending

    assert _instance is not None
    with _sending:
        result = send_pending(_instance)
    if result.sent or result.failed:
        log.info("mail: %s sent, %s failed", result.sent, result.failed)


def mail_soon() -> None:
    """Ask the mail worker to deliver what a firing queued: the next deadline does not wait for the mail server."""
    _mail_wanted.set()


def mail_if_wanted() -> None:
    """The mail worker's round (every second): deliver when a firing queued letters since the last round."""
    if _mail_wanted.is_set():
        _mail_wanted.clear()
        send_mail()


def arm(moment: datetime | None, ringing: str | None = None) -> None:
    """Point the alarm at `moment` (None: nothing pending), unless it already rings earlier.

    Each moment is a job of its own id: the job ringing now is dropped by APScheduler once it ran, and must not
    take the next one with it.
    """
    if _scheduler is None or moment is None:
        return
    armed = [job for job in _scheduler.get_jobs() if job.id.startswith("due-") and job.id != ringing]
    if any(job.next_run_time is not None and job.next_run_time <= moment for job in armed):
        return
    for job in armed:  # later moments: the firing at `moment` re-arms after itself
        job.remove()
    job_id = f"due-{moment.isoformat()}"
    _scheduler.add_job(fire_due, "date", run_date=moment, id=job_id, args=[job_id], replace_existing=True)


def refresh() -> None:
    """Re-read the next due moment: rows written by other processes (a command, the web) may fall due sooner."""
    from governance.service.tick import next_due

    assert _instance is not None
    arm(next_due(_instance, after=_now()))


def next_wakeups() -> list[datetime]:
    """For status and tests: the due moment the alarm is set for (none when nothing is pending)."""
    if _scheduler is None:
        return []
    return sorted(j.next_run_time for j in _scheduler.get_jobs() if j.id.startswith("due-") and j.next_run_time is not None)


def log_setup(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("governance.scheduler").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("transitions").setLevel(logging.WARNING)


