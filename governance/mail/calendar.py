"""iCalendar parts for meetings: one stable UID per meeting, SEQUENCE bumped on change, CANCEL when called off."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo


def meeting_ics(meeting: Any, zone: ZoneInfo, short_name: str, sender: str, stamp: datetime, cancelled: bool = False, lang: str = "en") -> str:
    from icalendar import Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", f"-//{short_name}//governance//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting_uid(meeting, short_name))
    event.add("sequence", meeting.sequence + (1 if cancelled else 0))
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start.astimezone(zone))
    event.add("dtend", meeting.end.astimezone(zone))
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
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


_DESCRIPTION = {
    "en": "{title} ({ref}), convened by the {body} secretariat.",
    "fr": "{title} ({ref}), convoquée par le secrétariat du {body}.",
    "ar": "{title} ({ref})، بدعوة من أمانة {body}.",
}


def meeting_uid(meeting: Any, short_name: str) -> str:
    slug = "".join(ch for ch in short_name.lower() if ch.isalnum() or ch == "-") or "governance"
    return f"meeting-{meeting.id}@{slug}.governance"


def calendar_for(op: Any, meeting: Any, cancelled: bool = False) -> Callable[[str], str]:
    """The calendar part for a letter about `meeting`, built once per language and shared by the recipients."""
    built: dict[str, str] = {}

    def for_language(lang: str) -> str:
        if lang not in built:
            built[lang] = meeting_ics(meeting, op.rules.zone, op.rules.short_name, op.instance.settings.mail.sender, op.now, cancelled, lang)
        return built[lang]

    return for_language
