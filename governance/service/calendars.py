"""Whose calendar a day is closed in: the body's, an organisation's own, a person's time zone; reminders kept off
each member's closed days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from governance.calendars import NO_CALENDAR, WorkCalendar, parse_weekend
from governance.clock import at_local, iso, local_day
from governance.errors import BadInput
from governance.rules import Rules
from governance.store.models import Organisation, Person

if TYPE_CHECKING:
    from governance.service.context import Operation

# An audience limited to the organisations whose last working day on or before the reminder's day D is the row's day X:
# "silent_commenters@2021-07-20>2021-07-16". Every person of the audience is in exactly one of the rows written for D.
_ON = "@"
_LAST_OPEN = ">"


def org_calendar(rules: Rules, weekend: str | None, holidays: str | None) -> WorkCalendar:
    """An organisation's working days, as it keeps them: its weekend and its countries' public holidays.

    One that keeps none closes no day: the body's [calendar] is the secretariat's way of counting periods, not a
    member's office hours, and no reminder is moved for a calendar nobody gave.
    """
    if not weekend and not holidays:
        return NO_CALENDAR
    days = parse_weekend(weekend.split(",")) if weekend else frozenset()
    countries = tuple(c for c in (holidays or "").split(",") if c)
    return WorkCalendar(days, countries, (), working=rules.calendar.working)


def country_calendar(rules: Rules, org: Organisation) -> WorkCalendar:
    """The days an organisation's country closes: its own calendar when it keeps one, else its country's weekend and
    public holidays (what a chair in Ankara cannot meet on), or none without a country."""
    if org.weekend or org.holidays:
        return calendar_of(rules, org)
    if not org.country:
        return NO_CALENDAR
    from governance.calendars.public import supported

    if not supported(org.country):
        return NO_CALENDAR
    return org_calendar(rules, country_weekend(org.country), org.country)


def calendar_of(rules: Rules, org: Organisation) -> WorkCalendar:
    return org_calendar(rules, org.weekend, org.holidays)


def zone_of(rules: Rules, person: Person | None) -> ZoneInfo:
    """The zone a person reads times in: their own, else the body's."""
    if person is not None and person.timezone:
        try:
            return ZoneInfo(person.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # checked when set; a zone a later tzdata dropped falls back to the body's rather than failing a letter
    return rules.zone


def timezone_option(value: str | None, rules: Rules) -> str | None:
    """--timezone as given: an IANA zone name, kept; the body's own zone (or blank) is stored as none, meaning the body's."""
    if value is None:
        return None
    name = value.strip()
    if not name or name == rules.body["timezone"]:
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"--timezone {value!r} is not a time zone this machine knows (use an IANA name such as "
                       f"\"Asia/Jakarta\" or \"America/New_York\")") from None
    return name


def weekend_option(value: str | None) -> str | None:
    """--weekend as given ("fri,sat"), normalised; "none" or blank is "" (no weekend of its own)."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("", "none"):
        return ""
    try:
        days = parse_weekend(part for part in text.replace(" ", ",").split(",") if part)
    except ValueError as exc:
        raise BadInput(f"--weekend: {exc}") from None
    if len(days) == 7:
        raise BadInput("--weekend closes every day of the week: at least one day must be a working day")
    from governance.calendars import WEEKDAYS

    return ",".join(WEEKDAYS[d] for d in sorted(days))


def holidays_option(value: str | None) -> str | None:
    """--holidays as given ("BHR", "TUR,AZE"): ISO 3166 alpha-3 codes the holidays package knows; "none" or blank is ""."""
    if value is None:
        return None
    text = value.strip().upper()
    if text in ("", "NONE"):
        return ""
    from governance.calendars.public import supported
    from governance.countries import is_country

    codes = [c for c in text.replace(" ", ",").split(",") if c]
    for code in codes:
        if not is_country(code):
            raise BadInput(f"--holidays {code!r} is not an ISO 3166-1 alpha-3 country code (TUR is Türkiye, BHR Bahrain)")
        if not supported(code):
            raise BadInput(f"--holidays {code!r}: no public holidays are known for that country")
    return ",".join(dict.fromkeys(codes))


def country_weekend(country: str) -> str:
    """The weekend the holidays package gives `country` ("fri,sat" for Bahrain), as --weekend writes it."""
    from governance.calendars import WEEKDAYS
    from governance.calendars.public import weekend

    return ",".join(WEEKDAYS[d] for d in sorted(weekend(country)))


# -- reminders kept off each member's closed days ---------------------------------------------------------------------

def split_reminder(op: Operation, due: datetime, audience: str | None) -> list[tuple[datetime, str | None]]:
    """The rows one reminder becomes: (due, audience) for each day some organisation's people are written to.

    A reminder is not sent on a day its reader's office is closed: it goes the working day before (in that office's
    calendar). When no organisation keeps a calendar of its own, the reminder is the one row it always was.
    """
    if not audience:
        return [(due, audience)]
    calendars = _own_calendars(op)
    if not calendars:
        return [(due, audience)]
    zone = op.rules.zone
    day = local_day(due, zone)
    hour = due.astimezone(zone).time().replace(tzinfo=None)
    days = {day} | {calendar.previous_open(day) for calendar in calendars}
    rows = []
    for last_open in sorted(days, reverse=True):
        names = ",".join(f"{name}{_ON}{day.isoformat()}{_LAST_OPEN}{last_open.isoformat()}" for name in audience.split(","))
        rows.append((at_local(last_open, hour, zone), names))
    return rows


def _own_calendars(op: Operation) -> list[WorkCalendar]:
    """The distinct calendars organisations keep (one small query)."""
    pairs = op.session.execute(
        select(Organisation.weekend, Organisation.holidays).where(
            (Organisation.weekend.is_not(None)) | (Organisation.holidays.is_not(None))).distinct()).all()
    return [org_calendar(op.rules, weekend, holidays) for weekend, holidays in pairs]


def audience_name(name: str) -> tuple[str, tuple[date, date] | None]:
    """An audience name as a row holds it: the audience, and the (reminder's day, row's day) it is limited to, if any."""
    base, on, days = name.partition(_ON)
    if not on:
        return name, None
    reminder_day, _, row_day = days.partition(_LAST_OPEN)
    try:
        return base, (date.fromisoformat(reminder_day), date.fromisoformat(row_day))
    except ValueError:
        return base, None


def keeps(rules: Rules, people: Iterable[Person], limit: tuple[date, date]) -> list[Person]:
    """The people whose office's last working day on or before the reminder's day is this row's day."""
    reminder_day, row_day = limit
    found: dict[tuple[str | None, str | None], date] = {}
    out = []
    for person in people:
        key = (person.org.weekend, person.org.holidays)
        if key not in found:
            found[key] = org_calendar(rules, *key).previous_open(reminder_day)
        if found[key] == row_day:
            out.append(person)
    return out


# -- what `show` and `gov calendar show` say -------------------------------------------------------------------------

def local_view(op: Operation, due: datetime) -> dict[str, Any] | None:
    """When a due moment falls for the actor, where their zone or their office's calendar differs from the body's:
    the local time, and the reason the day is closed for their office (None when nothing differs)."""
    person = op.actor.person if op.actor is not None else None
    if person is None:
        return None
    zone = zone_of(op.rules, person)
    own = bool(person.org.weekend or person.org.holidays)
    if zone == op.rules.zone and not own:
        return None
    closed = calendar_of(op.rules, person.org).closed(local_day(due, zone))
    return {"due": iso(due, zone), "timezone": str(getattr(zone, "key", zone)), "org": person.org.code, "closed_because": closed}


def closed_days(op: Operation, year: int, org_code: str | None) -> dict[str, Any]:
    """The closed days of `year` in the body's calendar, or in organisation `org_code`'s, with their reasons."""
    from governance.service import lookup

    rules = op.rules
    if org_code is not None:
        org = lookup.organisation(op.session, org_code)
        calendar = calendar_of(rules, org)
        whose = {"org": org.code, "own": bool(org.weekend or org.holidays)}
    else:
        calendar = rules.calendar
        whose = {"org": None, "own": False}
    first, last = date(year, 1, 1), date(year, 12, 31)
    from governance.calendars import WEEKDAYS

    days = [{"date": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], "reason": reason}
            for d, reason in calendar.holidays_in(first, last)]
    return {**whose, "year": year, "count": "working" if calendar.working else "calendar",
            "weekend": [WEEKDAYS[d] for d in sorted(calendar.weekend)], "holidays": list(calendar.countries),
            "closed_days": days, "working_days": sum(1 for i in range((last - first).days + 1) if calendar.is_open(first + timedelta(days=i)))}


def meetings_on_closed_days(op: Operation) -> list[str]:
    """Meetings still to come that fall on a day the secretariat is closed, or the country of an office's holder
    (the chair co-organises: a meeting on a Turkish holiday is one İŞKUR cannot attend)."""
    from governance.service.succession import latest_term
    from governance.store.models import Meeting
    from governance.workflows.records import TERM_STATES

    rules = op.rules
    zone = rules.zone
    closers: list[tuple[str, WorkCalendar]] = [("the secretariat", rules.calendar)]
    for office in rules.offices():
        term = latest_term(op.session, office, TERM_STATES.holding)
        if term is not None:
            closers.append((f"the {office} ({term.org.code}{', ' + term.org.country if term.org.country else ''})",
                            country_calendar(rules, term.org)))
    closers = [(who, calendar) for who, calendar in closers if calendar.closes_anything]
    if not closers:
        return []
    final = set()
    spec = op.instance.workflows.get("meeting")
    if spec is not None:
        final = {name for name, state in spec.states.items() if state.final}
    meetings = op.session.scalars(select(Meeting).where(Meeting.end >= op.now, Meeting.state.not_in(final)).order_by(Meeting.start))
    warnings = []
    for meeting in meetings:
        first, last = local_day(meeting.start, zone), local_day(meeting.end, zone)
        for who, calendar in closers:
            closed = calendar.closed_days(first, last)
            if closed:
                days = "; ".join(f"{day.isoformat()} ({reason})" for day, reason in closed)
                warnings.append(f"{meeting.ref} ({meeting.title}) is planned on a day {who} is closed: {days}")
    return warnings


def closed_day_warnings(config: str | None, now: str | None = None) -> list[str]:
    """What `gov rules check` warns of, for the instance's own files: meetings to come on a closed day."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from governance.config import config_path, load_settings
    from governance.errors import DefinitionErrors
    from governance.service.context import open_instance
    from governance.service.transaction import reading

    settings = load_settings(config_path(config))
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return []  # no database yet: no meeting planned
    try:
        instance = open_instance(config_path(config), now, require_schema=False)  # reads may look at another moment
    except (BadInput, DefinitionErrors):
        return []
    try:
        if instance.db.schema_revision() is None:
            return []
        with reading(instance) as op:
            return meetings_on_closed_days(op)
    except SQLAlchemyError as exc:
        return [f"the meetings could not be read from the database ({type(exc).__name__}), so their days were not checked"]
    finally:
        instance.db.dispose()
