"""Dates and durations for letters, in the recipient's locale and the body's time zone (Babel)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_time, get_timezone_location

# Day counts by CLDR plural category; Arabic has six forms and Babel has no unit data for them.
_DAYS = {
    "en": {"one": "{n} day", "other": "{n} days"},
    "fr": {"one": "{n} jour", "other": "{n} jours"},
    "ar": {"zero": "لا أيام", "one": "يوم واحد", "two": "يومان", "few": "{n} أيام", "many": "{n} يومًا", "other": "{n} يوم"},
}
# An international body writes its English dates day first ("Wednesday, 2 June 2021"), as British English does.
_LOCALE = {"en": "en_GB"}
# "Istanbul time": a zone named by its city, which never carries brackets of its own (Babel's country names may,
# "Malaysia (Kuala Lumpur) Time"), so that the zone fits in the brackets a moment gives it.
_ZONE = {"en": "{city} time", "fr": "heure {de_city}", "ar": "توقيت {city}"}


def reader_zone(name: str | None) -> ZoneInfo | None:
    """The zone a reader keeps (a person's `timezone`), or None when they keep the body's or the name is unknown here:
    checked when set, so a zone a later tzdata dropped is read in the body's alone rather than failing a page."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def babel_locale(lang: str) -> str:
    """The Babel locale letters in `lang` are written in."""
    return _LOCALE.get(lang, lang)


# Pure functions of their arguments, and Babel is slow (pattern and locale data on every call):
# one circulation formats the same moment for every recipient, so each is cached.
@lru_cache(maxsize=4096)
def moment(value: datetime, lang: str, zone: ZoneInfo, reader: ZoneInfo | None = None, hijri: bool = False) -> str:
    """A day and an hour with the zone named: 'Wednesday, 2 June 2021, 12:00 (Istanbul time, UTC+03:00)'; for a
    reader in another zone, their own time after it ('; for you: 05:00 (New York time, UTC-04:00)')."""
    comma = "، " if lang == "ar" else ", "
    return f"{day(value, lang, zone, hijri)}{comma}{hour(value, lang, zone)}{yours(value, lang, zone, reader)}"


# The reader's own time, after the body's: its day only when it is another day there.
_YOURS = {"en": "; for you: {time}", "fr": " ; pour vous : {time}", "ar": "؛ بتوقيتك: {time}"}


@lru_cache(maxsize=4096)
def yours(value: datetime, lang: str, zone: ZoneInfo, reader: ZoneInfo | None) -> str:
    """'; for you: 05:00 (New York time, UTC-04:00)' when `reader` reads the moment at another offset; else ''."""
    if reader is None or reader == zone or value.astimezone(reader).utcoffset() == value.astimezone(zone).utcoffset():
        return ""
    theirs = hour(value, lang, reader)
    if value.astimezone(reader).date() != value.astimezone(zone).date():
        comma = "، " if lang == "ar" else ", "
        theirs = f"{day(value, lang, reader)}{comma}{theirs}"
    return _YOURS.get(lang, _YOURS["en"]).format(time=theirs)


# The Umm al-Qura date beside the Gregorian one: Arabic says which day it matches ("الموافق"), the others bracket it.
_HIJRI = {"ar": "{day} الموافق {hijri}", "en": "{day} ({hijri})", "fr": "{day} ({hijri})"}


@lru_cache(maxsize=4096)
def day(value: datetime, lang: str, zone: ZoneInfo, hijri: bool = False) -> str:
    """The day in full ('Wednesday, 2 June 2021'); with `hijri`, its Umm al-Qura date beside it."""
    local = value.astimezone(zone)
    text = format_date(local, "full", locale=babel_locale(lang))
    if lang == "fr" and local.day == 1:
        text = text.replace(" 1 ", " 1er ", 1)  # French writes the first of the month as an ordinal: "jeudi 1er juin"
    if hijri:
        from governance.calendars.hijri import hijri_date

        other = hijri_date(local.date(), lang)
        if other:
            text = _HIJRI.get(lang, _HIJRI["en"]).format(day=text, hijri=other)
    return text


@lru_cache(maxsize=4096)
def hour(value: datetime, lang: str, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{format_time(local, 'HH:mm', tzinfo=zone, locale=babel_locale(lang))} ({zone_name(local, lang, zone)})"


@lru_cache(maxsize=4096)
def zone_name(local: datetime, lang: str, zone: ZoneInfo) -> str:
    offset = "UTC" + format_datetime(local, "xxxxx", tzinfo=zone, locale="en")
    key = str(getattr(zone, "key", zone))
    if "/" not in key or key.startswith("Etc/"):
        return offset  # UTC itself, or a fixed offset: no city to name
    city = get_timezone_location(zone, locale=babel_locale(lang), return_city=True)
    if lang == "fr":
        from governance.mail.render import french_de

        name = _ZONE["fr"].format(de_city=french_de(city))
    else:
        name = _ZONE.get(lang, _ZONE["en"]).format(city=city)
    comma = "، " if lang == "ar" else ", "
    return f"{name}{comma}{offset}"


@lru_cache(maxsize=4096)
def days(count: int, lang: str) -> str:
    forms = _DAYS.get(lang, _DAYS["en"])
    category = Locale.parse(lang).plural_form(count)
    return forms.get(category, forms["other"]).format(n=count)


# From one moment to another: the zone named once, the day once when both fall on it.
_SPAN = {
    "en": {"day": "{day}, {start} to {end} ({zone})", "days": "{day}, {start} to {end_day}, {end} ({zone})"},
    "fr": {"day": "{day}, de {start} à {end} ({zone})", "days": "du {day}, {start}, au {end_day}, {end} ({zone})"},
    "ar": {"day": "{day}، من الساعة {start} حتى الساعة {end} ({zone})",
           "days": "من {day}، الساعة {start}، حتى {end_day}، الساعة {end} ({zone})"},
}


@lru_cache(maxsize=4096)
def span(start: datetime, end: datetime, lang: str, zone: ZoneInfo, reader: ZoneInfo | None = None, hijri: bool = False) -> str:
    """'Wednesday, 16 November 2022, 12:00 to 15:00 (Istanbul time, UTC+03:00)', or across days with both dates; for
    a reader in another zone, the same span in their time after it."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.utcoffset() != last.utcoffset():  # a change of clocks in between: each moment with its own offset
        joiner = {"fr": " – ", "ar": " – "}.get(lang, " to ")
        return f"{moment(start, lang, zone, reader, hijri)}{joiner}{moment(end, lang, zone, reader, hijri)}"
    patterns = _SPAN.get(lang, _SPAN["en"])
    clock = {"start": format_time(first, "HH:mm", tzinfo=zone, locale=babel_locale(lang)),
             "end": format_time(last, "HH:mm", tzinfo=zone, locale=babel_locale(lang)),
             "zone": zone_name(first, lang, zone), "day": day(start, lang, zone, hijri), "end_day": day(end, lang, zone, hijri)}
    text = patterns["day" if first.date() == last.date() else "days"].format(**clock)
    if yours(start, lang, zone, reader):
        text += _YOURS.get(lang, _YOURS["en"]).format(time=span(start, end, lang, reader))
    return text


def closed_days(spans: Iterable[dict[str, Any]], lang: str) -> list[str]:
    """Closed days a period did not count, each as a letter names it: 'Eid al-Adha (20–23 July)'."""
    out = []
    for span in spans:
        first, last = span["first"], span["last"]
        if first == last:
            when = format_date(first, "d MMMM", locale=babel_locale(lang))
        else:
            when = format_interval(first, last, "MMMMd", locale=babel_locale(lang))  # "20–23 July", "28 June – 1 July"
        out.append(f"{span['reason']} ({when})")
    return out
