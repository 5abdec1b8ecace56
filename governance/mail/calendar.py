"""iCalendar parts for meetings: one UID per meeting and instance, SEQUENCE bumped on change, CANCEL when called off."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo


def meeting_ics(meeting: Any, zone: ZoneInfo, short_name: str, sender: str, stamp: datetime, cancelled: bool = False,
                lang: str = "en", instance_id: str = "") -> str:
    """The meeting as a VCALENDAR (METHOD REQUEST or CANCEL), without attendees: `with_attendee` adds the recipient."""
    from icalendar import Calendar, Event, vCalAddress, vRecur, vText

    cal = Calendar()
    cal.add("prodid", f"-//{short_name}//governance//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting_uid(meeting, short_name, instance_id))
    event.add("sequence", meeting.sequence + (1 if cancelled else 0))
    event.add("dtstamp", stamp)
    start, end = meeting.start.astimezone(zone), meeting.end.astimezone(zone)
    days = (end.date() - start.date()).days + 1
    if days > 1 and end.time() > start.time():
        # A meeting over several days sits in the calendar during its daily hours, not as one block through the nights.
        event.add("dtstart", start)
        event.add("dtend", datetime.combine(start.date(), end.time(), tzinfo=zone))
        event.add("rrule", vRecur(freq="DAILY", count=days))
    else:
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("summary", f"{short_name}: {meeting.title}", parameters={"LANGUAGE": lang})
    if meeting.online:
        event.add("location", vText(meeting.venue or "Online"))
        if meeting.venue and meeting.venue.startswith(("http://", "https://")):
            event.add("url", meeting.venue)
    elif meeting.venue:
        event.add("location", vText(meeting.venue))
    organizer = vCalAddress(f"mailto:{sender}")
    organizer.params["cn"] = vText(f"{short_name} Secretariat")
    event["organizer"] = organizer
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("description", _DESCRIPTION.get(lang, _DESCRIPTION["en"]).format(title=meeting.title, ref=meeting.ref, body=short_name),
              parameters={"LANGUAGE": lang})
    cal.add_component(event)
    _add_timezone(cal, start.date(), end.date())
    return cal.to_ical().decode("utf-8")


def _add_timezone(cal: Any, first: date, last: date) -> None:
    """The zone's rules for the years around the meeting: what any client needs to place it, and nothing it must doubt."""
    existing = len(cal.timezones)
    for tzid in sorted(cal.get_missing_tzids()):
        timezone = _zone_rules(tzid, first.year - 1, min(last.year + 2, 9999))
        if timezone is not None:
            cal.subcomponents.insert(existing, timezone)  # where icalendar puts them: before the events
            existing += 1


@lru_cache(maxsize=64)
def _zone_rules(tzid: str, first_year: int, last_year: int) -> Any:
    """A zone's VTIMEZONE over those years, built once per process: icalendar walks the zone's offsets hour by hour
    (about 60 ms), and a convening writes one calendar entry per person invited. The component is only ever read."""
    from icalendar import Timezone

    try:
        timezone = Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1))
    except ValueError:
        return None
    timezone.pop("COMMENT", None)  # icalendar notes the range it covered; it covers the meeting's, which is all that matters
    return timezone


def with_attendee(ics: str, name: str, email: str) -> str:
    """The same entry addressed to one recipient (RFC 5546 wants the ATTENDEE a REQUEST or CANCEL is for)."""
    from icalendar import Event, vCalAddress, vText

    attendee = vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = vText(name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "NEEDS-ACTION"
    attendee.params["rsvp"] = "TRUE"
    holder = Event()
    holder.add("attendee", attendee)
    line = holder.to_ical().decode("utf-8").split("\r\n", 1)[1].rsplit("END:VEVENT", 1)[0]
    head, tail = ics.rsplit("END:VEVENT", 1)
    return head + line + "END:VEVENT" + tail


_DESCRIPTION = {
    "en": "{title} ({ref}), convened by the {body} secretariat.",
    "fr": "{title} ({ref}), convoquée par le secrétariat du {body}.",
    "ar": "{title} ({ref})، بدعوة من أمانة {body}.",
}


def meeting_uid(meeting: Any, short_name: str, instance_id: str = "") -> str:
    """Unique across instances: two networks (or a rehearsal beside the live one) never overwrite each other's entries."""
    slug = "".join(ch for ch in short_name.lower() if ch.isalnum() or ch == "-") or "governance"
    return f"meeting-{meeting.id}{'-' + instance_id if instance_id else ''}@{slug}.governance"


__all__ = ["meeting_ics", "meeting_uid", "with_attendee"]
