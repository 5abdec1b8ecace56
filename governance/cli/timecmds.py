"""Commands about time: tick, simulate, status, and the warning that the scheduler looks dead."""

from __future__ import annotations

import sys
from typing import Any

import click

from governance.cli.output import table
from governance.clock import ago, iso, parse_moment, shown


def tick(c: Any, limit: int | None) -> None:
    from governance.service.tick import tick as run

    instance = c.instance()
    report = run(instance, limit=limit)
    z = instance.rules.zone
    fired = [{"ref": f.ref, "name": f.name, "kind": f.kind, "due": iso(f.due, z), "status": f.status, "outcome": f.outcome,
              "letters": f.letters} for f in report.fired]
    data = {"now": iso(report.now, z), "fired": fired, "queued_mail": report.queued_mail,
            "counts": {status: report.counts.get(status, 0) for status in ("fired", "skipped", "failed")}}
    c.emit(data, lambda: (table(fired, [("due", "DUE"), ("ref", "REF"), ("kind", "KIND"), ("name", "NAME"), ("status", "STATUS"), ("outcome", "OUTCOME")])
                          + f"\n{len(fired)} row(s), {report.queued_mail} letter(s) queued") if fired else f"nothing due at {shown(report.now, z)}")


def deadlines(c: Any, include_all: bool, limit: int) -> None:
    """The rows soonest due, `limit` of them: a store of a million records must not print (or hold) them all."""
    from governance.cli import reads
    from governance.service import plainread

    # Plain rows answer without importing SQLAlchemy where they can (store/plain.py); the full path otherwise.
    plain = plainread.deadlines(c.files(), include_all, limit + 1)
    if plain is None:
        from governance.service.queries import deadlines as rows_of

        rows = c.read(lambda op: rows_of(op, include_all, limit + 1))
    else:
        rows = plain[0]
    if plain is None or plain[1]:  # the scheduler's warning, in its words, only when rows wait past its limit
        warn_if_dead(c)
    data, text = reads.deadlines(rows, limit)
    c.emit(data, text)


def simulate(c: Any, until_text: str, quiet: bool) -> None:
    from governance.service.tick import next_due, tick as run

    instance = c.instance()
    z = instance.rules.zone
    start = instance.clock.now()
    until = parse_moment(until_text, z, "--until")
    if not instance.settings.rehearsal:
        from governance.errors import NotPermitted

        # Firing tomorrow's deadlines today would walk round every notice and comment period of a live record.
        raise NotPermitted("simulate replays time, which only a rehearsal instance may do (`gov init --rehearsal DIR`); "
                           "a live instance fires its deadlines when they come (`gov scheduler` or `gov tick`)")
    if until < start:
        from governance.errors import BadInput

        raise BadInput(f"--until {shown(until, z)} is before --now {shown(start, z)}")
    fired: list[dict[str, Any]] = []
    letters = 0
    moment = start
    show_bar = not c.json and not quiet and sys.stderr.isatty()
    span = max((until - start).total_seconds(), 1.0)
    with click.progressbar(length=1000, label="simulating", file=sys.stderr, show_eta=False) if show_bar else _NoBar() as bar:
        done = 0
        while True:
            due = next_due(instance)
            if due is None or due > until:
                break
            moment = max(due, moment)
            report = run(instance, now=moment)
            letters += report.queued_mail
            for f in report.fired:
                row = {"at": iso(moment, z), "ref": f.ref, "name": f.name, "kind": f.kind, "status": f.status, "outcome": f.outcome}
                fired.append(row)
                if not c.json and not quiet:
                    click.echo(f"{shown(moment, z)}  {f.ref:<6} {f.kind:<10} {f.name:<18} {f.status:<8} {f.outcome}")
            position = int(1000 * (moment - start).total_seconds() / span)
            bar.update(max(position - done, 0))
            done = max(done, position)
    run(instance, now=until)
    data = {"from": iso(start, z), "until": iso(until, z), "fired": fired, "queued_mail": letters}
    c.emit(data, f"simulated {shown(start, z)} to {shown(until, z)}: {len(fired)} row(s) fired, {letters} letter(s) queued")


class _NoBar:
    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def status(c: Any) -> None:
    from governance.service.tick import health

    data = c.read(health)
    z = c.instance().rules.zone
    view = {k: (iso(v, z) if hasattr(v, "tzinfo") else v) for k, v in data.items()}
    view["offices"] = [_office_view(o, z) for o in data["offices"]]
    view["scheduler"] = dict(data["scheduler"], heartbeat=iso(data["scheduler"]["heartbeat"], z))

    def text() -> str:
        due = f"{data['due_unfired']}" + (f" (oldest due {shown(data['oldest_due'], z)})" if data["oldest_due"] else " (keeping up)")
        lines = [
            f"now:            {shown(data['now'], z)}",
            f"scheduler:      {heartbeat_line(data['scheduler'], z)}",
            f"last tick:      {shown(data['last_tick'], z) if data['last_tick'] else 'never'}",
            f"due, unfired:   {due}",
            f"next due:       {shown(data['next_due'], z) if data['next_due'] else '-'}",
            f"mail:           {data['mail_pending']} pending, {data['mail_failed']} failed, {data['mail_sent']} sent",
        ]
        if data.get("deadlines_failed"):
            lines.append(f"deadlines:      {data['deadlines_failed']} failed and set aside (gov deadlines --all shows why)")
        warning = dead_warning(data, z)
        if warning:
            lines.append(warning)
        for office in data["offices"]:
            lines.append(f"{office['office'] + ':':<16}{office_line(office, z)}")
        return "\n".join(lines)

    c.emit(view, text)


def heartbeat_line(beat: dict[str, Any], zone: Any) -> str:
    """What the newest heartbeat says: alive, dead (and since when), stopped, or never started."""
    state = beat["state"]
    if state == "never":
        return "never started (no heartbeat; deadlines fire only when `gov tick` runs)"
    since = beat["seconds_since"]
    who = f"pid {beat['pid']} on {beat['host']}" if beat.get("pid") else "unknown process"
    if state == "alive":
        others = beat["alive_count"] - 1
        return f"alive, heartbeat {ago(since)} ago ({who}" + (f"; {others} more alive" if others > 0 else "") + ")"
    if state == "stopped":
        return f"stopped {ago(since)} ago ({who}, stopped cleanly); start `gov scheduler` again"
    if state == "ahead":
        return f"last heartbeat at {shown(beat['heartbeat'], zone)}, after the moment shown: alive then or not, it cannot say"
    return f"DEAD: last heartbeat {ago(since)} ago, at {shown(beat['heartbeat'], zone)} ({who}); start `gov scheduler` again"


def _office_view(office: dict[str, Any], zone: Any) -> dict[str, Any]:
    vacancy = office["vacancy"]
    return {"office": office["office"], "holder": office["holder"], "until": iso(office["until"], zone),
            "vacancy": dict(vacancy, since=iso(vacancy["since"], zone)) if vacancy else None}


def office_line(office: dict[str, Any], zone: Any) -> str:
    vacancy = office["vacancy"]
    if vacancy:
        acting = f"{vacancy['acting']} continues as the outgoing holder" if vacancy["rule"] == "outgoing_continues" else "the secretariat acts"
        return f"VACANT since {shown(vacancy['since'], zone)}: {acting} ({vacancy['article']})"
    if office["holder"]:
        return f"{office['holder']} until {shown(office['until'], zone)}"
    return "never held"


def dead_warning(data: dict[str, Any], zone: Any) -> str | None:
    """Rows due for minutes and still unfired: whatever should fire them (a scheduler, cron) is not doing it."""
    if not data["scheduler_dead"]:
        return None
    waiting = f"{data['due_unfired']} row(s) due since {shown(data['oldest_due'], zone)} have not fired"
    beat = data["scheduler"]
    if beat["alive"]:
        return (f"WARNING: the scheduler is alive (heartbeat {ago(beat['seconds_since'])} ago) but {waiting}: "
                "it is behind or stuck; see its log.")
    said = f" (last heartbeat {ago(beat['seconds_since'])} ago)" if beat["state"] in ("dead", "stopped") else ""
    return f"WARNING: the scheduler looks dead{said}: {waiting}. Start `gov scheduler` (or run `gov tick` from cron)."


def warn_if_dead(c: Any) -> None:
    """`deadlines` and `show` repeat the warning on stderr, so it is seen where people look.

    It asks only what the warning needs (index lookups and the heartbeat rows), never the outbox's tallies:
    these commands run all day and must not slow down as the outbox grows.
    """
    from governance.service.tick import liveness

    data = c.read(liveness)
    message = dead_warning(data, c.instance().rules.zone)
    if message:
        click.echo(message, err=True)


def send(c: Any, limit: int | None) -> None:
    from governance.errors import NOT_ALL_DELIVERED
    from governance.service.sending import send_pending

    report = send_pending(c.instance(), limit=limit)
    undelivered = report.failed + report.retrying
    data = {"sent": report.sent, "failed": report.failed, "retrying": report.retrying, "errors": report.errors[:10],
            "undelivered": undelivered}
    text = f"{report.sent} sent, {report.failed} failed" + (f", {report.retrying} to retry ({report.errors[0]})" if report.retrying else "")
    c.emit(data, text)
    if undelivered:
        # Cron mails a job's output only when it fails: an outage must not pass as success.
        raise click.exceptions.Exit(NOT_ALL_DELIVERED)


def scheduler(c: Any, sweep_seconds: int, refresh_seconds: int, quiet: bool, heartbeat_seconds: int = 10) -> None:
    from governance import scheduler as alarm
    from governance.errors import BadInput

    if c.now:
        # A stopped clock would wake the same jobs forever; replaying time is what tick and simulate are for.
        raise BadInput("the scheduler runs on the real clock, not --now: to replay time use `gov simulate --until DATETIME`")
    alarm.log_setup(not quiet)
    alarm.run(c.instance(), sweep_seconds=sweep_seconds, refresh_seconds=refresh_seconds, heartbeat_seconds=heartbeat_seconds)
