"""Calendars: which days people work (weekends, public holidays, closures), periods counted in them, Hijri dates.

Pure: dates in, dates out. Nothing here reads the database or the clock; the `holidays` and `hijridate` packages
are imported only when a holiday or a Hijri date is first asked for.
"""

from governance.calendars.days import NO_CALENDAR, WEEKDAYS, Closure, WorkCalendar, parse_weekend

__all__ = ["NO_CALENDAR", "WEEKDAYS", "Closure", "WorkCalendar", "parse_weekend"]
