"""A period of the rules as moments: counted over a calendar's days, ending at the hour it is due."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from governance.calendars.days import Period, WorkCalendar
from governance.clock import at_local, local_day


def period_end(calendar: WorkCalendar, anchor: datetime, days: int, zone: ZoneInfo, wall: time | None = None) -> tuple[datetime, Period]:
    """The moment a period of `days` whole days from `anchor` ends (begins, when negative), counted as `calendar`
    counts, in `zone`: at `wall` on its day (a period from an act ends at the hour the rules name), or at `anchor`'s
    own wall-clock time (a period from a meeting's start keeps its hour). With the period, where it was moved from."""
    period = calendar.period(local_day(anchor, zone), days)
    hour = wall if wall is not None else anchor.astimezone(zone).time().replace(tzinfo=None)
    return at_local(period.day, hour, zone), period
