"""The Umm al-Qura Hijri date of a Gregorian day, written as letters in Arabic, English and French give it."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

# hijridate names the months in Arabic and English; French transliterates them its own way.
_FRENCH_MONTHS = ("mouharram", "safar", "rabia al-awal", "rabia ath-thani", "joumada al-oula", "joumada ath-thania",
                  "rajab", "chaabane", "ramadan", "chawwal", "dhou al-qi'da", "dhou al-hijja")
_PATTERN = {"ar": "{day} {month} {year} هـ", "en": "{day} {month} {year} AH", "fr": "{day} {month} {year} H"}


@lru_cache(maxsize=4096)
def hijri_date(day: date, lang: str) -> str | None:
    """'10 ذو الحجة 1442 هـ' for 20 July 2021 in Arabic ('10 Dhu al-Hijjah 1442 AH' in English), or None outside the
    years the Umm al-Qura tables cover (1924 to 2077), where no Hijri date is given rather than a guessed one."""
    from hijridate import Gregorian  # only when a Hijri date is written

    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except OverflowError:
        return None
    if lang == "fr":
        month = _FRENCH_MONTHS[hijri.month - 1]
    else:
        month = hijri.month_name("ar" if lang == "ar" else "en")
    return _PATTERN.get(lang, _PATTERN["en"]).format(day=hijri.day, month=month, year=hijri.year)
