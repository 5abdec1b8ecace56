"""`gov calendar`: the closed days that apply, the secretariat's or an organisation's. Only click is imported here."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from governance.cli.main import Context, cli, pass_ctx


@cli.group("calendar")
def calendar() -> None:
    """Working days: weekends, public holidays and closures."""


@calendar.command("show")
@click.option("--year", type=click.IntRange(1924, 2077), metavar="YEAR",
              help="The year to show (default: this year, in the body's zone). 1924 to 2077, the years holidays are computed for.")
@click.option("--org", "org_code", metavar="CODE", help="An organisation's own calendar (default: the secretariat's, from [calendar]).")
@pass_ctx
def calendar_show(c: Context, year: int | None, org_code: str | None) -> None:
    """The days closed in a year besides the weekend, with their reasons, and how periods are counted."""
    from governance.clock import local_day
    from governance.service.calendars import closed_days
    from governance.service.transaction import reading

    instance = c.instance()
    with reading(instance) as op:
        data = closed_days(op, year or local_day(op.now, op.rules.zone).year, org_code)
    c.emit(data, lambda: _text(data))


def _text(data: dict[str, Any]) -> str:
    whose = f"{data['org']}" if data["org"] else "the secretariat ([calendar] of the rules)"
    if data["org"] and not data["own"]:
        return f"{data['org']} keeps no calendar of its own: no day is closed for it (gov org edit {data['org']} --holidays ISO3)"
    weekend = ", ".join(data["weekend"]) or "none"
    holidays = ", ".join(data["holidays"]) or "none"
    lines = [f"{data['year']}, {whose}: periods counted in {data['count']} days; weekend {weekend}; public holidays of {holidays}",
             f"{data['working_days']} working days; closed besides the weekend:"]
    for day in data["closed_days"]:
        weekday = date.fromisoformat(day["date"]).strftime("%a")
        lines.append(f"  {day['date']} {weekday}  {day['reason']}")
    if not data["closed_days"]:
        lines.append("  (no day)")
    return "\n".join(lines)
