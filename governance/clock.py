"""The clock: the one place that reads the system time, and parsing of user-given moments."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from governance.errors import BadInput

UTC = timezone.utc


class Clock(ABC):
    """Tells the current moment as an aware UTC datetime."""

    @abstractmethod
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock(Clock):
    moment: datetime

    def now(self) -> datetime:
        return self.moment


_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Every moment a person gives lies in these years: far enough for any procedure, and far enough from the ends
# of Python's calendar (years 1 and 9999) that a deadline computed from it can never overflow.
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)


def parse_moment(text: str, zone: ZoneInfo, what: str = "time") -> datetime:
    """Read an ISO 8601 date or datetime; one without an offset is in `zone`. Returns UTC.

    Refused (BadInput): anything else, and a moment outside the years 1900 to 2200 (EARLIEST, LATEST).
    """
    raw = text.strip()
    try:
        if _DATE_ONLY.fullmatch(raw):
            local = datetime.combine(date.fromisoformat(raw), time(0, 0))
        else:
            local = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except (ValueError, OverflowError):
        raise BadInput(
            f"{what} {text!r} is not an ISO 8601 date or time (for example 2021-06-02 or 2021-06-02T12:00)"
        ) from None
    if not EARLIEST <= local.date() <= LATEST:
        raise BadInput(f"{what} {text!r} is out of range: dates run from {EARLIEST.isoformat()} to {LATEST.isoformat()}")
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    try:
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadInput(f"{what} {text!r} is out of range: dates run from {EARLIEST.isoformat()} to {LATEST.isoformat()}") from None


def parse_day(text: str, zone: ZoneInfo, what: str = "date") -> datetime:
    """A calendar day (or moment) as the UTC instant of its start in `zone`."""
    return parse_moment(text, zone, what)


def parse_when(text: str, zone: ZoneInfo, what: str = "time") -> datetime | date:
    """What a person typed: a `date` when they gave a day alone, else the moment (UTC) as `parse_moment` reads it.

    A day means different moments to different fields (an action is due by its end, a term starts at its start),
    so the day is handed on as a day and the field that receives it decides.
    """
    raw = text.strip()
    if _DATE_ONLY.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is not None and EARLIEST <= day <= LATEST:
            return day
    return parse_moment(text, zone, what)  # refuses what is not a date or a moment, with its sentence


def at_local(day: date, wall: time, zone: ZoneInfo, later: bool = False) -> datetime:
    """The UTC instant of the wall-clock time `wall` on `day` in `zone`.

    A time a clock change skips is read with the offset before the change (so it lands just after the gap); a time it
    repeats is the first of the two, or the second with `later` (the end of a day is its last moment).
    """
    local = datetime.combine(day, wall).replace(tzinfo=zone, fold=1 if later else 0)
    return local.astimezone(UTC)


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return at_local(day, time(0, 0), zone)


END_OF_DAY = time(23, 59, 59)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last whole second of `day` in `zone` (23:59:59 local), in UTC: what "due on that day" means.

    Chosen over the next day's midnight so that every place that shows the moment shows the due day itself.
    """
    return at_local(day, END_OF_DAY, zone, later=True)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day a moment falls on in `zone`."""
    return moment.astimezone(zone).date()


def days_at(anchor: datetime, days: int, wall: time, zone: ZoneInfo) -> datetime:
    """The day `days` whole days from `anchor`'s day in `zone`, at the wall-clock time `wall` (a deadline's hour)."""
    return at_local(local_day(anchor, zone) + timedelta(days=days), wall, zone)


# A meeting given by its days alone sits in the working hours of those days.
MEETING_DAY_START = time(9, 0)
MEETING_DAY_END = time(17, 0)


def meeting_times(start: datetime | date, end: datetime | date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A meeting's start and end as moments: a day alone starts at 09:00 and ends at 17:00 local (a one-day
    meeting is `--start D --end D`); a time given is kept. An end given as a day that would fall before a start
    given with a time later that day is the end of that day."""
    begin = at_local(start, MEETING_DAY_START, zone) if _is_day(start) else start
    if not _is_day(end):
        return begin, end
    finish = at_local(end, MEETING_DAY_END, zone)
    if finish <= begin and local_day(begin, zone) == end:
        finish = end_of_day(end, zone)
    return begin, finish


def _is_day(value: datetime | date) -> bool:
    return not isinstance(value, datetime)


def day_start(value: datetime | date, zone: ZoneInfo) -> datetime:
    """A day given alone as its first moment; a moment as it is."""
    return start_of_day(value, zone) if _is_day(value) else value  # type: ignore[arg-type]


def day_end(value: datetime | date, zone: ZoneInfo) -> datetime:
    """A day given alone as its last moment (`end_of_day`); a moment as it is."""
    return end_of_day(value, zone) if _is_day(value) else value  # type: ignore[arg-type]


def parse_hhmm(text: str) -> time | None:
    """A wall-clock time written HH:MM (00:00 to 23:59), or None if it is not one."""
    match = _HHMM.fullmatch(text or "")
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")


def add_months(moment: datetime, months: int, zone: ZoneInfo) -> datetime:
    """The same wall-clock time `months` later in `zone`, clamped to the month's last day."""
    local = moment.astimezone(zone)
    month_index = local.month - 1 + months
    year = local.year + month_index // 12
    month = month_index % 12 + 1
    day = min(local.day, _days_in_month(year, month))
    return local.replace(year=year, month=month, day=day, tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def add_days(moment: datetime, days: float, zone: ZoneInfo) -> datetime:
    """`days` calendar days later in `zone` (keeps the wall-clock hour across DST changes)."""
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


def iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with the offset of `zone`, for JSON and tables."""
    if moment is None:
        return None
    return moment.astimezone(zone).isoformat(timespec="minutes" if moment.second == 0 else "seconds")


def shown(moment: datetime | None, zone: ZoneInfo) -> str:
    """A moment as a person reads it: local time with the zone's abbreviation."""
    if moment is None:
        return "-"
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


def ago(seconds: int, days: str = "days") -> str:
    """A span as people say it: 12 s, 4 min, 3 h, 2 days (`days` is the word or the abbreviation for the last)."""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} {days}"
