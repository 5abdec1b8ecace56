"""Working-day arithmetic (governance/calendars): properties, the real Turkish holidays, Hijri dates, [calendar] checks."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.calendars import Closure, WorkCalendar
from governance.calendars.hijri import hijri_date
from governance.calendars.periods import period_end
from governance.calendars.public import alpha2, holidays
from governance.rules import check_rules_files

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("GOV_FUZZ_EXAMPLES", "150"))
ISTANBUL = ZoneInfo("Europe/Istanbul")

# The secretariat in Ankara in 2021: Saturday and Sunday off, the public holidays of Türkiye, and the Monday before
# Kurban Bayramı, which the government gave its servants as administrative leave (so 17 to 25 July was one closure).
ANKARA = WorkCalendar(frozenset({5, 6}), ("TUR",), (Closure(date(2021, 7, 19), date(2021, 7, 19), "administrative leave"),),
                      working=True)


# -- properties ----------------------------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2023, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """Any weekend that leaves a working day, and up to six closures of up to three weeks each."""
    weekend = frozenset(draw(st.sets(st.integers(0, 6), max_size=5)))
    closures = []
    for first in draw(st.lists(DAYS, max_size=6)):
        length = draw(st.integers(0, 20))
        closures.append(Closure(first, first + timedelta(days=length), "closed"))
    return WorkCalendar(weekend, (), tuple(closures), working=True)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), DAYS, st.integers(-60, 60))
def test_a_period_in_working_days_never_ends_on_a_closed_day(calendar: WorkCalendar, day: date, days: int) -> None:
    end = calendar.period(day, days).day
    if days:
        assert calendar.is_open(end), (day, days, end, calendar.closed(end))
        assert (end > day) == (days > 0)
        counted = [d for d in _between(day, end) if calendar.is_open(d)]
        assert len(counted) == abs(days)  # exactly n working days lie after the start, up to the end


def _between(day: date, end: date) -> list[date]:
    """The days a period from `day` to `end` counts: after the start up to the end (forwards or backwards)."""
    step = 1 if end >= day else -1
    return [day + timedelta(days=i * step) for i in range(1, abs((end - day).days) + 1)]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), DAYS, DAYS, st.integers(0, 60), st.integers(0, 60))
def test_working_day_arithmetic_is_monotone_in_the_start_and_in_the_length(calendar: WorkCalendar, a: date, b: date,
                                                                           n: int, m: int) -> None:
    early, late = min(a, b), max(a, b)
    assert calendar.add_working(early, n) <= calendar.add_working(late, n)
    assert calendar.add_working(early, min(n, m)) <= calendar.add_working(early, max(n, m))
    assert calendar.add_working(late, -n) >= calendar.add_working(early, -n)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(), DAYS, st.integers(1, 40), st.integers(1, 40))
def test_adding_n_then_m_working_days_is_adding_n_plus_m(calendar: WorkCalendar, day: date, n: int, m: int) -> None:
    assert calendar.add_working(calendar.add_working(day, n), m) == calendar.add_working(day, n + m)
    assert calendar.add_working(calendar.add_working(day, -n), -m) == calendar.add_working(day, -(n + m))


@settings(max_examples=max(EXAMPLES // 5, 20), deadline=None)
@given(st.dates(min_value=date(2021, 1, 1), max_value=date(2022, 12, 31)), st.integers(1, 45))
def test_with_the_real_turkish_holidays_no_period_ends_on_one(day: date, days: int) -> None:
    end = ANKARA.period(day, days).day
    assert end.weekday() < 5 and end not in holidays("TUR", end.year) and end != date(2021, 7, 19)


def test_a_calendar_that_counts_calendar_days_moves_nothing() -> None:
    plain = WorkCalendar(frozenset({5, 6}), ("TUR",), (), working=False)
    # 1 May 2021 is a Saturday and Labour Day: counted in calendar days, a period still ends there (as before calendars).
    assert plain.period(date(2021, 4, 1), 30).day == date(2021, 5, 1)
    assert plain.closed(date(2021, 5, 1)) == "Labor and Solidarity Day"


# -- Kurban Bayramı 2021, as a Turkish secretariat counts it ----------------------------------------------------

def test_the_holidays_package_gives_the_turkish_public_holidays_of_2021_and_2022() -> None:
    # Checked against the official calendar (Law No. 2429 on national and general holidays, and the dates of the
    # religious holidays the Presidency of Religious Affairs published for 2021 and 2022).
    tur21, tur22 = holidays("TUR", 2021), holidays("TUR", 2022)
    assert date(2021, 7, 15) in tur21 and date(2022, 7, 15) in tur22  # Democracy and National Unity Day
    assert [d for d in tur21 if tur21[d] == "Eid al-Fitr"] == [date(2021, 5, 13), date(2021, 5, 14), date(2021, 5, 15)]
    assert [d for d in tur21 if tur21[d] == "Eid al-Adha"] == [date(2021, 7, 20), date(2021, 7, 21), date(2021, 7, 22),
                                                              date(2021, 7, 23)]
    assert [d for d in tur22 if tur22[d] == "Eid al-Fitr"] == [date(2022, 5, 2), date(2022, 5, 3), date(2022, 5, 4)]
    assert [d for d in tur22 if tur22[d] == "Eid al-Adha"] == [date(2022, 7, 9), date(2022, 7, 10), date(2022, 7, 11),
                                                              date(2022, 7, 12)]
    # The eve's afternoon (arife) is a half day: the office is open that morning, so it is not a closed day.
    assert date(2021, 7, 19) not in tur21
    assert alpha2("BHR") == "BH" and holidays("BHR", 2021)  # alpha-3 codes map to the package's own through CLDR


def test_a_comment_period_of_ten_working_days_over_kurban_bayrami_2021_ends_on_friday_30_july() -> None:
    # Circulated on Thursday 8 July 2021. Counted by hand, day by day, on the Turkish calendar for July 2021:
    #   Fri 9 (1), Mon 12 (2), Tue 13 (3), Wed 14 (4); Thu 15 closed (15 July, Democracy and National Unity Day);
    #   Fri 16 (5); Sat 17 to Sun 25 closed: the weekend, Mon 19 (the eve, which the 2021 circular made
    #   administrative leave for public servants: the nine-day holiday of that year), Kurban Bayramı Tue 20 to
    #   Fri 23, the weekend; Mon 26 (6), Tue 27 (7), Wed 28 (8), Thu 29 (9), Fri 30 (10).
    period = ANKARA.period(date(2021, 7, 8), 10)
    assert period.day == date(2021, 7, 30)
    assert [reason for _, reason in period.not_counted] == ["Democracy and National Unity Day", "administrative leave"] + \
        ["Eid al-Adha"] * 4
    # Without the administrative leave (the eve's morning worked), the same period ends a day sooner.
    without = WorkCalendar(ANKARA.weekend, ("TUR",), (), working=True)
    assert without.period(date(2021, 7, 8), 10).day == date(2021, 7, 29)
    # As a moment: 17:00 in Ankara on that Friday, whatever the hour of the act that opened it.
    due, _ = period_end(ANKARA, datetime(2021, 7, 8, 7, 12, tzinfo=timezone.utc), 10, ISTANBUL, wall=datetime(2021, 1, 1, 17).time())
    assert due == datetime(2021, 7, 30, 14, 0, tzinfo=timezone.utc)


def test_a_period_counted_back_from_a_moment_keeps_its_hour_and_lands_on_a_working_day() -> None:
    # A meeting on Monday 26 July 2021 at 12:00 with 5 working days' notice: invitations by Friday 16 July, 12:00
    # (Mon 26 back: Fri 23 to Mon 19 closed, Sun 18, Sat 17, then Fri 16 (1), Thu 15 closed, Wed 14 (2) ...).
    start = datetime(2021, 7, 26, 9, 0, tzinfo=timezone.utc)  # 12:00 in Istanbul
    limit, _ = period_end(ANKARA, start, -5, ISTANBUL)
    assert limit == datetime(2021, 7, 9, 9, 0, tzinfo=timezone.utc)  # Fri 16, Wed 14, Tue 13, Mon 12, Fri 9


# -- Hijri dates ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "lang", "expected"), [
    (date(2021, 7, 20), "ar", "10 ذو الحجة 1442 هـ"),  # the first day of Kurban Bayramı is 10 Dhu al-Hijjah
    (date(2021, 5, 13), "en", "1 Shawwal 1442 AH"),   # the first day of Ramazan Bayramı is 1 Shawwal
    (date(2021, 6, 2), "fr", "21 chawwal 1442 H"),    # the 3rd network meeting
], ids=["kurban-bayrami-ar", "ramazan-bayrami-en", "third-meeting-fr"])
def test_hijri_dates_are_the_umm_al_qura_ones(day: date, lang: str, expected: str) -> None:
    assert hijri_date(day, lang) == expected


def test_no_hijri_date_is_guessed_outside_the_umm_al_qura_tables() -> None:
    assert hijri_date(date(1900, 1, 1), "ar") is None


# -- [calendar] in a rules file ------------------------------------------------------------------------------------

def _rules_with(tmp_path: Path, table: str) -> tuple[object, list[str], Path]:
    path = tmp_path / "rules.toml"
    path.write_text((REPO / "rules" / "oic-pesnet.toml").read_text(encoding="utf-8").split("\n[calendar]")[0] + "\n" + table,
                    encoding="utf-8")
    rules, problems = check_rules_files([path])
    return rules, problems, path


@pytest.mark.parametrize(("table", "line", "message"), [
    ('[calendar]\nweekend = ["fri", "funday"]\n', 2, "'funday', which is not a day of the week"),
    ('[calendar]\nweekend = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n', 2, "closes every day of the week"),
    ('[calendar]\nholidays = ["TR"]\n', 2, "'TR', which is not an ISO 3166 alpha-3 country code"),
    ('[calendar]\ncount = "business"\n', 2, "must be one of 'calendar', 'working'"),
    ('[calendar]\nclosures = [{ from = 2021-07-25, to = 2021-07-19, reason = "x" }]\n', 2, "ends (2021-07-19) before it begins"),
    ('[calendar]\nclosures = [{ date = 2021-07-19 }]\n', 2, "must give its reason as text"),
    ('[calendar]\nclosures = [{ date = "19 July", reason = "x" }]\n', 2, "not a day written 2021-07-19"),
    ('[calendar]\nhijri = ["tr"]\n', 2, "calendar.hijri names 'tr'"),
], ids=["weekday", "all-week", "alpha2", "count", "reversed", "no-reason", "date-text", "hijri-language"])
def test_a_bad_calendar_table_is_refused_at_its_line(tmp_path: Path, table: str, line: int, message: str) -> None:
    rules, problems, path = _rules_with(tmp_path, table)
    assert rules is None
    offset = path.read_text(encoding="utf-8").splitlines().index("[calendar]")  # the table's own line, counted from 0
    assert len(problems) == 1 and problems[0].startswith(f"{path}:{offset + line}: "), problems
    assert message in problems[0]


def test_a_calendar_table_reads_into_the_secretariats_calendar(tmp_path: Path) -> None:
    rules, problems, _ = _rules_with(tmp_path, '[calendar]\ncount = "working"\nweekend = ["fri", "sat"]\nholidays = ["SAU"]\n'
                                     'closures = [{ date = 2021-07-19, reason = "move" }, '
                                     '{ from = "2021-12-27", to = 2021-12-31, reason = "year end" }]\n')
    assert problems == []
    calendar = rules.calendar  # type: ignore[attr-defined]
    assert calendar.working and calendar.weekend == frozenset({4, 5}) and calendar.countries == ("SAU",)
    assert calendar.closed(date(2021, 12, 28)) == "year end" and calendar.closed(date(2021, 7, 19)) == "move"
    assert rules.provision("calendar")["closures"][1] == {"from": "2021-12-27", "to": "2021-12-31", "reason": "year end"}  # type: ignore[attr-defined]


def test_rules_without_a_calendar_close_no_day(tmp_path: Path) -> None:
    rules, problems, _ = _rules_with(tmp_path, "")
    assert problems == [] and not rules.calendar.closes_anything and not rules.calendar.working  # type: ignore[attr-defined]
