"""Whose calendar a day is closed in: the body's, an organisation's own, a person's time zone; reminders kept off
each member's closed days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from governance.calendars import NO_CALENDAR, WorkCalendar, parse_weekend
from governance.clock import add_days, at_local, iso, local_day, shown
from governance.errors import BadInput
from governance.rules import Rules
from governance.store.models import Deadline, Meeting, Organisation, Person

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


# -- dates a person chooses --------------------------------------------------------------------------------------------

def working_due(rules: Rules, due: datetime) -> tuple[datetime, str | None]:
    """A due moment a person gave, kept off the secretariat's closed days when the rules count working days: the next
    working day at the same hour, and why the day given is closed (None when the moment stands as given)."""
    calendar = rules.calendar
    if not calendar.working:
        return due, None
    zone = rules.zone
    local = due.astimezone(zone)
    reason = calendar.closed(local.date())
    if reason is None:
        return due, None
    return at_local(calendar.next_open(local.date()), local.time().replace(tzinfo=None), zone, later=bool(local.fold)), reason


def moved_due(rules: Rules, ref: str, given: datetime, due: datetime, reason: str) -> str:
    """The warning of a due date moved off a closed day: the day given, why it is closed, the rule, where it went."""
    zone = rules.zone
    return (f"--due {local_day(given, zone).isoformat()} is a day the secretariat is closed ({reason}) and the rules count "
            f"working days ({rules.provision('calendar').cite()}): {ref} is due on the next working day, {shown(due, zone)}")


def repeat_after(rules: Rules, moment: datetime, days: int) -> datetime:
    """When a repeated row (an escalation every 30 days) comes back after `moment`: `days` working days on, at the
    same hour, when the rules count working days; else `days` calendar days on, as it always did."""
    calendar = rules.calendar
    if not calendar.working or not days:
        return add_days(moment, days, rules.zone)
    from governance.calendars.periods import period_end

    due, _ = period_end(calendar, moment, days, rules.zone)
    return due


# -- reminders kept off each member's closed days ---------------------------------------------------------------------

def split_reminder(op: Operation, due: datetime, audience: str | None,
                   calendars: list[WorkCalendar] | None = None) -> list[tuple[datetime, str | None]]:
    """The rows one reminder becomes: (due, audience) for each day some organisation's people are written to.

    A reminder is not sent on a day its reader's office is closed: it goes the working day before (in that office's
    calendar). When no organisation keeps a calendar of its own, the reminder is the one row it always was.
    """
    if not audience:
        return [(due, audience)]
    if calendars is None:
        calendars = _own_calendars(op)
    if not calendars:
        return [(due, audience)]
    zone = op.rules.zone
    day = local_day(due, zone)
    hour = due.astimezone(zone).time().replace(tzinfo=None)
    days = {day} | {calendar.previous_open(day) for calendar in calendars}
    rows = []
    for last_open in sorted(days, reverse=True):
        names = ",".join(Limit(day, last_open).written(name) for name in audience.split(","))
        rows.append((at_local(last_open, hour, zone), names))
    return rows


def _own_calendars(op: Operation) -> list[WorkCalendar]:
    """The distinct calendars organisations keep (one small query)."""
    pairs = op.session.execute(
        select(Organisation.weekend, Organisation.holidays).where(
            (Organisation.weekend.is_not(None)) | (Organisation.holidays.is_not(None))).distinct()).all()
    return [org_calendar(op.rules, weekend, holidays) for weekend, holidays in pairs]


def recompute_reminders(op: Operation, org: str, before: WorkCalendar, after: WorkCalendar) -> int:
    """Organisation `org`'s calendar went from `before` to `after`: each pending reminder whose day that moves for its
    people follows. One not yet under way is split again over the calendars organisations keep now (its rows
    cancelled and written anew), so it reaches them on their last working day before it, or at once when that day
    has passed. One under way (a row of it has gone) keeps `org` on the row it had: its people are reminded once.
    Returns how many reminders changed."""
    zone = op.rules.zone
    op.session.flush()  # the organisation's new calendar is what the new rows are split over
    rows = op.session.execute(select(
        Deadline.id, Deadline.ref, Deadline.name, Deadline.due, Deadline.scope, Deadline.audience, Deadline.template,
        Deadline.rule, Deadline.condition, Deadline.repeat_days, Deadline.offset_days,
    ).where(Deadline.status == "pending", Deadline.kind == "reminder", Deadline.audience.is_not(None))).all()
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        parsed = [audience_name(name) for name in row.audience.split(",")]
        limit = parsed[0][1]
        day, last_open = (limit.day, limit.row_day) if limit is not None else (local_day(row.due, zone),) * 2
        # One reminder: the same moment announced (the row's day plus its offset), the same day and hour it was due.
        key = (row.ref, row.name, row.scope, ",".join(base for base, _ in parsed), day,
               row.due.astimezone(zone).time().replace(tzinfo=None), last_open + timedelta(days=row.offset_days or 0),
               row.template, row.rule, row.condition, row.repeat_days, limit is not None)
        groups.setdefault(key, []).append(row)
    changed = 0
    cancelled: list[int] = []
    calendars: list[WorkCalendar] | None = None
    for key, pending in groups.items():
        ref, name, scope, audience, day, hour, announced, template, rule, condition, repeat, limited = key
        old, new = before.previous_open(day), after.previous_open(day)
        if old == new:
            continue
        gone = list(op.session.scalars(select(Deadline.audience).where(
            Deadline.ref == ref, Deadline.name == name, Deadline.status.not_in(("pending", "cancelled")),
            Deadline.audience.contains(f"{_ON}{day.isoformat()}{_LAST_OPEN}")))) if limited else []
        if gone:
            changed += _pin(op, org, old, new, pending, gone)
            continue
        cancelled.extend(row.id for row in pending)
        if calendars is None:
            calendars = _own_calendars(op)
        from governance.service.effects import pending_row

        for when, names in split_reminder(op, at_local(day, hour, zone), audience, calendars):
            when = max(when, op.now)
            op.deadlines.append(pending_row(ref, name, "reminder", when, scope, op.now, audience=names, template=template,
                                            repeat_days=repeat, rule=rule, condition=condition,
                                            offset_days=(announced - local_day(when, zone)).days))
        changed += 1
    for chunk in range(0, len(cancelled), 1000):  # one statement for many reminders, under any database's parameter limit
        op.session.execute(update(Deadline).where(Deadline.id.in_(cancelled[chunk:chunk + 1000])).values(
            status="cancelled", outcome="recomputed: an organisation's calendar changed", fired_at=op.now)
            .execution_options(synchronize_session=False))  # no Deadline objects are held in the session
    return changed


def _pin(op: Operation, org: str, old: date, new: date, pending: list[Any], gone: list[str]) -> bool:
    """A reminder under way: `org` stays on the row of its old day (gone already, or pinned to it), and the row of its
    new day leaves it out. Whether a row changed."""
    def limit_of(audience: str) -> Limit | None:
        return audience_name(audience.split(",")[0])[1]

    pinned = any(org in limit.also for limit in map(limit_of, gone + [row.audience for row in pending]) if limit)
    changed = False
    for row in pending:
        limit = limit_of(row.audience)
        if limit is None or org in limit.also:
            continue
        if limit.row_day == old and not pinned:
            limit = Limit(limit.day, limit.row_day, limit.also | {org}, limit.never - {org})
        elif limit.row_day == new:
            limit = Limit(limit.day, limit.row_day, limit.also, limit.never | {org})
        else:
            continue
        audience = ",".join(limit.written(audience_name(name)[0]) for name in row.audience.split(","))
        op.session.execute(update(Deadline).where(Deadline.id == row.id).values(audience=audience)
                           .execution_options(synchronize_session=False))
        changed = True
    return changed


def calendar_changed(op: Operation, org: Organisation, weekend: str | None, holidays: str | None) -> int:
    """`org` kept `weekend` and `holidays` until this change: its people's pending reminders follow its new calendar."""
    if (weekend, holidays) == (org.weekend, org.holidays):
        return 0
    return recompute_reminders(op, org.code, org_calendar(op.rules, weekend, holidays), calendar_of(op.rules, org))


@dataclass(frozen=True)
class Limit:
    """Whom one row of a reminder kept off closed days writes to, of its audience: the people whose office's last
    working day on or before the reminder's `day` is the row's `row_day`. A reminder under way when an organisation's
    calendar changed pins that organisation to the row it had (`also`) and keeps it out of the others (`never`), so
    its people are reminded once."""

    day: date
    row_day: date
    also: frozenset[str] = frozenset()
    never: frozenset[str] = frozenset()

    def written(self, name: str) -> str:
        """`name` limited so, as a row holds it: "silent_commenters@2021-04-17>2021-04-15", "...+BHR", "...!BHR"."""
        return (f"{name}{_ON}{self.day.isoformat()}{_LAST_OPEN}{self.row_day.isoformat()}"
                + (_ALSO + _CODES.join(sorted(self.also)) if self.also else "")
                + (_NEVER + _CODES.join(sorted(self.never)) if self.never else ""))


_ALSO, _NEVER, _CODES = "+", "!", "/"
_LIMITED = re.compile(r"(?P<base>[^@]+)@(?P<day>\d{4}-\d\d-\d\d)>(?P<row>\d{4}-\d\d-\d\d)(?:\+(?P<also>[^!]*))?(?:!(?P<never>.*))?")


def audience_name(name: str) -> tuple[str, Limit | None]:
    """An audience name as a row holds it: the audience, and the limit of a reminder kept off closed days, if any."""
    found = _LIMITED.fullmatch(name)
    if found is None:
        return name.partition(_ON)[0], None
    try:
        limit = Limit(date.fromisoformat(found["day"]), date.fromisoformat(found["row"]),
                      frozenset(filter(None, (found["also"] or "").split(_CODES))),
                      frozenset(filter(None, (found["never"] or "").split(_CODES))))
    except ValueError:
        return found["base"], None
    return found["base"], limit


def keeps(rules: Rules, people: Iterable[Person], limit: Limit) -> list[Person]:
    """The people of a row's audience that `limit` writes to."""
    found: dict[tuple[str | None, str | None], date] = {}
    out = []
    for person in people:
        code = person.org.code
        if code in limit.also:
            out.append(person)
            continue
        if code in limit.never:
            continue
        key = (person.org.weekend, person.org.holidays)
        if key not in found:
            found[key] = org_calendar(rules, *key).previous_open(limit.day)
        if found[key] == limit.row_day:
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
    closers = _closers(op)
    if not closers:
        return []
    final = set()
    spec = op.instance.workflows.get("meeting")
    if spec is not None:
        final = {name for name, state in spec.states.items() if state.final}
    meetings = op.session.scalars(select(Meeting).where(Meeting.end >= op.now, Meeting.state.not_in(final)).order_by(Meeting.start))
    return [warning for meeting in meetings for warning in _closed_for(op, meeting, closers)]


def meeting_on_closed_days(op: Operation, meeting: Meeting) -> list[str]:
    """What planning (or moving) `meeting` warns of: each day of it the secretariat or an office holder's country is
    closed. The meeting is not moved: its dates are the secretariat's to choose. A meeting already over is history."""
    if meeting.end < op.now:
        return []
    closers = _closers(op)
    return _closed_for(op, meeting, closers) if closers else []


def _closers(op: Operation) -> list[tuple[str, WorkCalendar]]:
    """Whose closed days a meeting must avoid: the secretariat's, and the country of each office's holder."""
    from governance.service.succession import latest_term
    from governance.workflows.records import TERM_STATES

    rules = op.rules
    closers: list[tuple[str, WorkCalendar]] = [("the secretariat", rules.calendar)]
    for office in rules.offices():
        term = latest_term(op.session, office, TERM_STATES.holding)
        if term is not None:
            closers.append((f"the {office} ({term.org.code}{', ' + term.org.country if term.org.country else ''})",
                            country_calendar(rules, term.org)))
    return [(who, calendar) for who, calendar in closers if calendar.closes_anything]


def _closed_for(op: Operation, meeting: Meeting, closers: list[tuple[str, WorkCalendar]]) -> list[str]:
    zone = op.rules.zone
    first, last = local_day(meeting.start, zone), local_day(meeting.end, zone)
    warnings = []
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
