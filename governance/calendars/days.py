"""Working days: which days are closed (a weekend, a public holiday, a closure) and periods counted over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# No office is closed for ten years on end: a search for an open day that goes further is a calendar that closes
# every day (refused when the rules load), never a loop to wait on.
SEARCH_LIMIT = 3660
ONE_DAY = timedelta(days=1)


def parse_weekend(names: Iterable[str]) -> frozenset[int]:
    """Day names ("fri", "sat") as weekday numbers (Monday is 0); raises ValueError on a name that is not a day."""
    days = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in WEEKDAYS or len(str(name).strip()) < 3:
            raise ValueError(f"{name!r} is not a day of the week (use {', '.join(WEEKDAYS)})")
        days.add(WEEKDAYS.index(key))
    return frozenset(days)


@dataclass(frozen=True)
class Closure:
    """Days an office is closed beyond its weekend and public holidays (a bridge day, a move), first to last."""

    first: date
    last: date
    reason: str

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Period:
    """Where a period counted from a day ends, and the closed days (other than weekends) it did not count."""

    day: date
    not_counted: tuple[tuple[date, str], ...] = ()


@dataclass(frozen=True)
class WorkCalendar:
    """The days one office works: closed on `weekend`, on the public holidays of `countries`, and on `closures`.

    `working`: periods are counted in working days (a closed day does not count, so none ends on one); otherwise in
    calendar days, as they were before calendars (the closed days are then only shown and warned of).
    """

    weekend: frozenset[int] = frozenset()
    countries: tuple[str, ...] = ()
    closures: tuple[Closure, ...] = ()
    working: bool = False

    @property
    def closes_anything(self) -> bool:
        return bool(self.weekend or self.countries or self.closures)

    def closed(self, day: date) -> str | None:
        """Why `day` is closed (the closure's reason, the holiday's name, "weekend"), or None on a working day."""
        for closure in self.closures:
            if closure.covers(day):
                return closure.reason
        if self.countries:
            from governance.calendars.public import holidays

            names = [(country, holidays(country, day.year).get(day)) for country in self.countries]
            found = [(country, name) for country, name in names if name]
            if found:
                if len(self.countries) == 1:
                    return found[0][1]
                return "; ".join(f"{name} ({country})" for country, name in found)
        if day.weekday() in self.weekend:
            return "weekend"
        return None

    def is_open(self, day: date) -> bool:
        return self.closed(day) is None

    def next_open(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        return self._walk(day, ONE_DAY)

    def previous_open(self, day: date) -> date:
        """`day` itself when it is a working day, else the last working day before it."""
        return self._walk(day, -ONE_DAY)

    def _walk(self, day: date, step: timedelta) -> date:
        for _ in range(SEARCH_LIMIT):
            if self.is_open(day):
                return day
            day += step
        raise ValueError(f"no working day within {SEARCH_LIMIT} days of {day.isoformat()}: the calendar closes every day")

    def add_working(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (before it when `count` is negative); `day` itself for 0.

        The day counted from never counts, open or not: a period opened on a Friday for one working day ends on
        Monday, as it does when opened on the Saturday.
        """
        step = ONE_DAY if count > 0 else -ONE_DAY
        remaining = abs(count)
        walked = 0
        while remaining:
            day += step
            walked += 1
            if walked > SEARCH_LIMIT + abs(count):
                raise ValueError(f"no working day within {SEARCH_LIMIT} days of {day.isoformat()}: the calendar closes every day")
            if self.is_open(day):
                remaining -= 1
        return day

    def period(self, day: date, days: int) -> Period:
        """Where a period of `days` from `day` ends (begins, when negative), counted as this calendar counts.

        A period of 0 days is the day itself, as given: a date a person chose is not a period's end.
        """
        if days == 0 or not self.working:
            return Period(day + timedelta(days=days))
        end = self.add_working(day, days)
        first, last = (day + ONE_DAY, end) if days > 0 else (end, day - ONE_DAY)
        # Only the days the weekend did not close already: a holiday on a Sunday took no working day away.
        return Period(end, tuple((d, why) for d, why in self.holidays_in(first, last) if d.weekday() not in self.weekend))

    def closed_days(self, first: date, last: date) -> list[tuple[date, str]]:
        """Every closed day from `first` to `last`, with its reason, in order."""
        out = []
        day = first
        while day <= last:
            reason = self.closed(day)
            if reason is not None:
                out.append((day, reason))
            day += ONE_DAY
        return out

    def holidays_in(self, first: date, last: date) -> list[tuple[date, str]]:
        """The closed days from `first` to `last` that are not a weekend: what a letter names when a period skips them."""
        return [(day, reason) for day, reason in self.closed_days(first, last) if reason != "weekend"]


NO_CALENDAR = WorkCalendar()
"""A body whose rules have no [calendar]: no day is closed, and periods are calendar days (as before calendars)."""
