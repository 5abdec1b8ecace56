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
