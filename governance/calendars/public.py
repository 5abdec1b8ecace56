"""Public holidays of a country for a year, from the `holidays` package (which computes the Islamic ones), cached."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping


class UnknownCountry(LookupError):
    """The `holidays` package has no public holidays for this country code."""


@lru_cache(maxsize=512)
def holidays(country: str, year: int) -> Mapping[date, str]:
    """The public holidays of `country` (ISO 3166 alpha-3 or alpha-2) in `year`: day -> name, in English.

    Cached per (country, year): building a year's list costs milliseconds (the Islamic dates are computed), and a
    period, a calendar or a check asks for the same year again and again.
    """
    import holidays as package  # heavy (some 130 ms): only when a holiday is asked for

    code = alpha2(country)
    try:
        found = package.country_holidays(code, years=year, language=_english(package, code))
    except NotImplementedError:
        raise UnknownCountry(f"no public holidays are known for the country code {country!r}") from None
    # "Eid al-Adha (from 1pm)": a half day is a working day; only whole days close an office.
    return MappingProxyType({day: name for day, name in sorted(found.items())})


def _english(package: object, country: str) -> str | None:
    """English names where the package has them (so a calendar reads the same whatever the machine's locale)."""
    cls = getattr(package, "country_holidays")(country, years=()).__class__
    languages = getattr(cls, "supported_languages", ()) or ()
    for wanted in ("en_US", "en_GB", "en"):
        if wanted in languages:
            return wanted
    return None


def supported(country: str) -> bool:
    """Whether the `holidays` package knows the public holidays of `country`."""
    import holidays as package

    return alpha2(country) in package.list_supported_countries()


def weekend(country: str) -> frozenset[int]:
    """The weekend of `country` as the `holidays` package knows it (Friday and Saturday in Bahrain), Monday being 0."""
    import holidays as package

    return frozenset(package.country_holidays(alpha2(country), years=()).weekend)


def alpha2(country: str) -> str:
    """The ISO 3166 alpha-2 code of an alpha-3 one, as CLDR maps them (Babel's data): the `holidays` package knows
    every country by its alpha-2 code, and some by a three-letter code that is not ISO's (BAH for Bahrain)."""
    code = country.strip().upper()
    if len(code) != 3:
        return code
    from babel.core import get_global

    aliases = get_global("territory_aliases").get(code)
    return aliases[0] if aliases else code
