"""Dates mean what people mean: a due day lasts to its end, a day-only meeting is a working day, a term starts with its
day and takes effect at once, and periods counted in days end at the rules' deadline_time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.clock import (
    END_OF_DAY,
    MEETING_DAY_END,
    MEETING_DAY_START,
    days_at,
    end_of_day,
    local_day,
    meeting_times,
    parse_hhmm,
    parse_when,
    start_of_day,
)
from governance.errors import BadInput

PARIS = ZoneInfo("Europe/Paris")
ISTANBUL = ZoneInfo("Europe/Istanbul")
SEC = "sec"

days = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))
moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 12, 30)).map(lambda d: d.replace(tzinfo=timezone.utc))
walls = st.times().map(lambda t: t.replace(microsecond=0))


# -- the arithmetic, pure -------------------------------------------------------------------------------------

@given(day=days)
def test_a_day_ends_one_second_before_the_next_begins_across_daylight_saving(day):
    last = end_of_day(day, PARIS)
    local = last.astimezone(PARIS)
    assert local.date() == day and local.time() == END_OF_DAY
    assert start_of_day(day + timedelta(days=1), PARIS) - last == timedelta(seconds=1)
    first = start_of_day(day, PARIS)
    assert first.astimezone(PARIS).date() == day and (first - timedelta(seconds=1)).astimezone(PARIS).date() == day - timedelta(days=1)


@given(day=days)
def test_a_day_spans_23_24_or_25_hours_in_paris_and_24_in_istanbul_today(day):
    span = start_of_day(day + timedelta(days=1), PARIS) - start_of_day(day, PARIS)
    assert span in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
    if day.year >= 2017:  # Türkiye keeps +03 all year since 2016
        assert start_of_day(day + timedelta(days=1), ISTANBUL) - start_of_day(day, ISTANBUL) == timedelta(hours=24)


@given(anchor=moments, offset=st.integers(min_value=-800, max_value=800), wall=st.sampled_from([time(17, 0), time(9, 30), time(0, 0), time(23, 59)]))
def test_a_period_in_days_ends_on_its_day_at_the_deadline_time_across_daylight_saving(anchor, offset, wall):
    due = days_at(anchor, offset, wall, PARIS)
    local = due.astimezone(PARIS)
    assert local.date() == local_day(anchor, PARIS) + timedelta(days=offset)
    # No time of 17:00, 09:30, 00:00 or 23:59 falls in Paris's clock changes (02:00-03:00): each is kept exactly.
    assert local.time() == wall
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)


@given(anchor=moments, offset=st.integers(min_value=1, max_value=800))
def test_a_period_counted_forward_never_ends_before_the_act_nor_a_day_late(anchor, offset):
    due = days_at(anchor, offset, time(17, 0), PARIS)
    assert due > anchor
    assert due - anchor < timedelta(days=offset + 1, hours=1)  # at most a day, and an hour of clock change, beyond


@given(day=days, wall=walls)
def test_every_wall_time_of_a_day_maps_into_that_day_even_in_a_clock_change(day, wall):
    from governance.clock import at_local

    assert at_local(day, wall, PARIS).astimezone(PARIS).date() == day


def test_the_comment_deadline_of_the_issue_lands_on_9_april_at_17_00():
    circulated = datetime(2027, 3, 10, 10, 5, tzinfo=ISTANBUL)
    assert days_at(circulated, 30, time(17, 0), ISTANBUL) == datetime(2027, 4, 9, 17, 0, tzinfo=ISTANBUL)
    # Across Paris's spring change (28 March 2027) the hour is still 17:00 local, not 16:00 or 18:00.
    assert days_at(datetime(2027, 3, 10, 10, 5, tzinfo=PARIS), 30, time(17, 0), PARIS).astimezone(PARIS).hour == 17


def test_a_day_typed_alone_stays_a_day_and_a_time_stays_a_moment():
    assert parse_when("2027-03-31", PARIS) == date(2027, 3, 31)
    assert parse_when(" 2027-03-31 ", PARIS) == date(2027, 3, 31)
    assert parse_when("2027-03-31T10:00", PARIS) == datetime(2027, 3, 31, 8, 0, tzinfo=timezone.utc)
    for bad in ("2027-02-30", "0001-01-01", "31/03/2027", "tomorrow"):
        with pytest.raises(BadInput):
            parse_when(bad, PARIS, "--due")


@pytest.mark.parametrize("start, end, expected", [
    (date(2027, 3, 1), date(2027, 3, 1), ("2027-03-01T09:00", "2027-03-01T17:00")),
    (date(2027, 3, 1), date(2027, 3, 2), ("2027-03-01T09:00", "2027-03-02T17:00")),
    (datetime(2027, 3, 1, 10, tzinfo=PARIS), date(2027, 3, 1), ("2027-03-01T10:00", "2027-03-01T17:00")),
    (datetime(2027, 3, 1, 18, tzinfo=PARIS), date(2027, 3, 1), ("2027-03-01T18:00", "2027-03-01T23:59")),
    (date(2027, 3, 1), datetime(2027, 3, 1, 12, tzinfo=PARIS), ("2027-03-01T09:00", "2027-03-01T12:00")),
    (date(2027, 3, 28), date(2027, 3, 28), ("2027-03-28T09:00", "2027-03-28T17:00")),  # the day Paris springs forward
], ids=["one-day", "two-day", "start-time-end-day", "evening-start", "end-time", "dst-day"])
def test_a_meeting_given_by_days_sits_in_the_working_hours(start, end, expected):
    begin, finish = meeting_times(start, end, PARIS)
    shown = (begin.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"), finish.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M"))
    assert shown == expected
    assert (MEETING_DAY_START, MEETING_DAY_END) == (time(9), time(17))


@pytest.mark.parametrize("text, expected", [("17:00", time(17)), ("00:00", time(0)), ("23:59", time(23, 59)), ("24:00", None),
                                            ("7:00", None), ("17:60", None), ("17h00", None), ("", None)])
def test_a_deadline_time_is_hh_mm(text, expected):
    assert parse_hhmm(text) == expected


def test_the_rules_refuse_a_deadline_time_that_is_not_hh_mm(tmp_path):
    from governance.rules import check_rules_files

    source = (__import__("pathlib").Path(__file__).resolve().parent.parent / "rules" / "oic-pesnet.toml").read_text(encoding="utf-8")
    assert 'deadline_time = "17:00"' in source and '"deadline_time"' in source  # documented and marked illustrative
    for bad, says in (('"5pm"', "HH:MM"), ("17", "time of day")):
        path = tmp_path / "rules.toml"
        path.write_text(source.replace('deadline_time = "17:00"', f"deadline_time = {bad}"), encoding="utf-8")
        rules, problems = check_rules_files([path])
        assert rules is None and len(problems) == 1 and "body.deadline_time" in problems[0] and says in problems[0], problems
        assert problems[0].startswith(f"{path}:")


# -- through the command line ------------------------------------------------------------------------------------

def test_an_action_due_on_a_day_is_due_by_its_end_and_a_time_is_kept(network):
    network.ok("action", "add", "--title", "Send the report", "--owner", "BHR", "--due", "2021-03-31", actor=SEC, now="2021-03-10T10:00")
    network.ok("action", "add", "--title", "Call", "--owner", "BHR", "--due", "2021-03-31T10:00", actor=SEC, now="2021-03-10T10:00")
    network.ok("action", "add", "--title", "Today", "--owner", "BHR", "--due", "2021-03-10", actor=SEC, now="2021-03-10T10:00")
    dues = {(d["ref"], d["name"]): d["due"] for d in network.j("deadlines")["deadlines"]}
    assert dues[("A-1", "due")] == "2021-03-31T23:59:59+03:00"
    assert dues[("A-2", "due")] == "2021-03-31T10:00+03:00"
    assert dues[("A-3", "due")] == "2021-03-10T23:59:59+03:00"  # due today is not already past
    at_midnight = network.j("tick", now="2021-03-31T00:00")
    assert [f["ref"] for f in at_midnight["fired"] if f["name"] == "due"] == ["A-3"]
    late = network.j("tick", now="2021-04-01T00:00")
    assert [f["ref"] for f in late["fired"] if f["name"] == "due"] == ["A-2", "A-1"]


def test_a_meeting_given_by_its_day_is_a_working_day_and_its_deadlines_follow_its_start(network):
    created = network("meeting", "create", "--kind", "workshop", "--title", "Workshop", "--start", "2021-09-14", "--end", "2021-09-14",
                      "--venue", "SESRIC, Ankara", actor=SEC, now="2021-06-01T10:00")
    assert created.code == 0 and "09:00" in created.out and "17:00" in created.out, created
    shown = network.j("show", "M-1")
    assert shown["fields"]["start"].startswith("2021-09-14T09:00") and shown["fields"]["end"].startswith("2021-09-14T17:00")
    # Rows counted from the meeting's start keep its time: 30 days' notice ends at 09:00, not at deadline_time.
    assert {d["name"]: d["due"] for d in shown["deadlines"]}["notice_limit"] == "2021-08-15T09:00+03:00"
    refused = network.refused(2, "meeting", "create", "--kind", "workshop", "--title", "W", "--start", "2021-09-15", "--end", "2021-09-14",
                              actor=SEC, now="2021-06-01T10:00")
    assert "--end" in refused.err


def test_a_designation_starts_with_its_day_and_takes_effect_at_once_when_that_day_has_come(network):
    # İŞKUR's term (T-1) ends; the next is designated on 2 March 2023 at 01:34, with no --start and no current term.
    network.ok("tick", now="2023-03-01T00:00")
    assert network.j("show", "T-1")["state"] == "ended"
    designated = network.j("term", "designate", "chair", "--org", "BHR", actor=SEC, now="2023-03-02T01:34")
    assert designated["start"] == "2023-03-02T00:00+03:00" and designated["end"] == "2025-03-02T00:00+03:00"
    assert designated["state"] == "active"
    entries = [e for e in network.j("audit", "T-2")["entries"]]
    assert [(e["actor"], e["trigger"], e["to"]) for e in entries] == [(SEC, "create", "designated"), ("system", "activate", "active")]
    assert entries[1]["rule"].startswith("RoP Art. 3") and entries[1]["reason"] == "term_start reached"
    assert [e["channel"] for e in entries] == ["cli", "engine"]  # the rule acted, inside the secretariat's command
    assert "term_started" in {m["template"] for m in network.j("outbox")["messages"] if m["ref"] == "T-2"}
    # BHR holds the chair now, not at the next tick.
    assert [o["holder"] for o in network.j("term", "list", "chair")["offices"]] == ["BHR"]
    # A designation in advance for a later day starts at that day's first moment and waits for it.
    later = network.j("term", "designate", "chair", "--org", "MAR", "--start", "2025-03-02", actor=SEC, now="2023-03-03T10:00")
    assert later["start"] == "2025-03-02T00:00+03:00" and later["state"] == "designated"


def test_a_confirmation_after_the_start_takes_effect_with_it(network):
    path = network.folder / "rules" / "oic-pesnet.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('rotation = "designation"\norder = []', 'rotation = "order"\norder = ["BHR", "MAR"]'), encoding="utf-8")
    network.ok("tick", now="2023-03-01T00:00")
    asked = network.j("term", "designate", "chair", "--org", "EGY", "--reason", "BHR declined", actor=SEC, now="2023-03-01T09:00")
    assert asked["state"] == "proposed" and asked["start"] == "2023-03-01T00:00+03:00"
    # The vacancy rule (outgoing continues) lets İŞKUR approve; the term's day has come, so it is active at once.
    assert network.j("approve", "T-2", actor="iskur", now="2023-03-02T10:00")["state"] == "active"


def test_a_circulation_closes_at_the_deadline_time_of_the_rules_and_a_changed_value_moves_it(network, tmp_path):
    draft = tmp_path / "rop.txt"
    draft.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Rules of Procedure", "--file", str(draft), actor=SEC, now="2021-03-10T10:05")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-10T10:05")
    rows = {d["name"]: d["due"] for d in network.j("show", "D-1")["deadlines"]}
    assert rows["comment_deadline"] == "2021-04-09T17:00+03:00"
    # The reminders count back from the deadline and keep its hour.
    assert sorted(d["due"] for d in network.j("deadlines")["deadlines"] if d["name"] == "comment_reminder") == [
        "2021-03-26T17:00+03:00", "2021-04-06T17:00+03:00"]

    rules = network.folder / "rules" / "oic-pesnet.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace('deadline_time = "17:00"', 'deadline_time = "12:30"'), encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Second", "--file", str(draft), actor=SEC, now="2021-03-10T18:00")
    network.ok("advance", "D-2", "circulate", actor=SEC, now="2021-03-10T18:00")
    assert {d["name"]: d["due"] for d in network.j("show", "D-2")["deadlines"]}["comment_deadline"] == "2021-04-09T12:30+03:00"
