"""Dates and durations for letters, in the recipient's locale and the body's time zone (Babel)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_timezone_location

# Day counts by CLDR plural category; Arabic has six forms and Babel has no unit data for them.
_DAYS = {
    "en": {"one": "{n} day", "other": "{n} days"},
    "fr": {"one": "{n} jour", "other": "{n} jours"},
    "ar": {"zero": "لا أيام", "one": "يوم واحد", "two": "يومان", "few": "{n} أيام", "many": "{n} يومًا", "other": "{n} يوم"},
}


# Pure functions of their arguments, and Babel is slow (pattern and locale data on every call):
# one circulation formats the same moment for every recipient, so each is cached.
@lru_cache(maxsize=4096)
def moment(value: datetime, lang: str, zone: ZoneInfo) -> str:
    """A day and an hour with the zone named: 'Wednesday 2 June 2021, 12:00 (Istanbul time, UTC+03:00)'."""
    local = value.astimezone(zone)
    comma = "، " if lang == "ar" else ", "
    return f"{day(value, lang, zone)}{comma}{format_time(local, 'HH:mm', tzinfo=zone, locale=lang)} ({zone_name(local, lang, zone)})"


@lru_cache(maxsize=4096)
def day(value: datetime, lang: str, zone: ZoneInfo) -> str:
    return format_date(value.astimezone(zone), "full", locale=lang)


@lru_cache(maxsize=4096)
def hour(value: datetime, lang: str, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{format_time(local, 'HH:mm', tzinfo=zone, locale=lang)} ({zone_name(local, lang, zone)})"


@lru_cache(maxsize=4096)
def zone_name(local: datetime, lang: str, zone: ZoneInfo) -> str:
    location = get_timezone_location(zone, locale=lang)
    offset = format_datetime(local, "xxxxx", tzinfo=zone, locale="en")
    comma = "، " if lang == "ar" else ", "
    return f"{location}{comma}UTC{offset}"


@lru_cache(maxsize=4096)
def days(count: int, lang: str) -> str:
    forms = _DAYS.get(lang, _DAYS["en"])
    category = Locale.parse(lang).plural_form(count)
    return forms.get(category, forms["other"]).format(n=count)
