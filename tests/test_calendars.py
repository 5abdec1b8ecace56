"""Calendars through the service: periods in working days, members' own weekends, readers' time zones, Hijri dates
in letters, `gov calendar show`, and `gov rules check`'s warning of meetings on closed days."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

SEC = "sec"
ANKARA = """
[calendar]
count = "working"
weekend = ["sat", "sun"]
holidays = ["TUR"]
closures = [{ date = 2021-07-19, reason = "administrative leave (eve of Kurban Bayramı)" }]
article = "RoP Art. 7"
"""


def _rules(network: Any, table: str = ANKARA, **values: str) -> None:
    """The instance's rules with a [calendar] table (and [body] or [documents] values changed)."""
    path = network.folder / "rules" / "oic-pesnet.toml"
    text = re.sub(r"(?ms)^\[calendar\]\n.*?(?=^\[|\Z)", "", path.read_text(encoding="utf-8"))  # the shipped one goes
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert count == 1, key
    path.write_text(text + table, encoding="utf-8")


def _circulate(network: Any, tmp_path: Path, now: str) -> None:
    text = tmp_path / "rop.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(text), actor=SEC, now=now)
    network.ok("advance", "D-1", "circulate", actor=SEC, now=now)


def _letters(network: Any, template: str) -> dict[str, str]:
    rows = network.sql("SELECT recipient, body_text FROM outbox WHERE template = :t ORDER BY id", t=template)
    return {to: body for to, body in rows}


def _due(network: Any, ref: str, name: str, actor: str = SEC) -> dict[str, Any]:
    return next(d for d in network.j("show", ref, actor=actor)["deadlines"] if d["name"] == name)


def test_a_comment_period_in_working_days_over_kurban_bayrami_ends_where_ankara_says(network, tmp_path):
    _rules(network, comment_period_days="10", reminder_days_before="[3]")
    _circulate(network, tmp_path, "2021-07-08T10:00")
    # Ten working days of the secretariat from Thursday 8 July 2021 (15 July, the leave of 19 July, Kurban Bayramı
    # 20 to 23 July and the weekends not counted; see tests/test_working_days.py for the count by hand).
    assert _due(network, "D-1", "comment_deadline")["due"] == "2021-07-30T17:00+03:00"
    assert _due(network, "D-1", "comment_reminder")["due"] == "2021-07-27T17:00+03:00"  # three working days before
    letter = _letters(network, "document_circulated")["idn@idn.example"]
    assert "by Friday, 30 July 2021, 17:00 (Istanbul time, UTC+03:00)" in letter
    assert ("The period counts 10 working days of the secretariat; not counted, the days it is closed: Democracy and National "
            "Unity Day (15 July), administrative leave (eve of Kurban Bayramı) (19 July) and Eid al-Adha (20\u2009–\u200923 July).") in letter
    # The reminder names the deadline itself, not a day three calendar days after it was sent.
    network.ok("tick", now="2021-07-27T17:00")
    assert "Friday, 30 July 2021, 17:00" in _letters(network, "comment_reminder")["idn@idn.example"]
    closed = network.j("tick", now="2021-07-30T17:00")
    assert [f["name"] for f in closed["fired"] if f["ref"] == "D-1"] == ["comment_deadline"]


def test_the_notice_period_counts_working_days_too(network):
    _rules(network)  # a general meeting needs 45 days' notice: now 45 working days
    network.ok("meeting", "create", "--kind", "general", "--title", "4th Network Meeting", "--start", "2021-09-06T10:00",
               "--end", "2021-09-07T15:00", "--venue", "Ankara", actor=SEC, now="2021-06-01T09:00")
    # Back from Monday 6 September: 45 weekdays, not counting 30 August, Kurban Bayramı (20 to 23 July), the leave
    # of 19 July and 15 July: Thursday 24 June (in calendar days it would have been 23 July, in the middle of the feast).
    assert _due(network, "M-1", "notice_limit")["due"] == "2021-06-24T10:00+03:00"
    refused = network.refused(4, "advance", "M-1", "convene", actor=SEC, now="2021-06-25T09:00")
    assert "needs 45 working days' notice" in refused.err and "2021-06-24 10:00" in refused.err


def test_a_reminder_goes_the_working_day_before_a_members_own_weekend(network, tmp_path):
    # Bahrain keeps its own calendar: its country's holidays, and the weekend they bring (Friday and Saturday).
    edited = network.j("org", "edit", "BHR", "--holidays", "BHR", actor=SEC, now="2021-03-01T09:00")
    assert (edited["weekend"], edited["holidays"]) == ("fri,sat", "BHR")
    _circulate(network, tmp_path, "2021-04-01T10:00")
    # Deadline Saturday 1 May 17:00 (calendar days, as the shipped rules count); reminders 14 and 3 days before:
    # Saturday 17 April and Wednesday 28 April. For Bahrain, Saturday 17 April is its weekend: its people are
    # reminded on Thursday 15 April instead, and not again on the Saturday.
    first = network.j("tick", now="2021-04-15T17:00")
    assert [f["name"] for f in first["fired"] if f["ref"] == "D-1"] == ["comment_reminder"]
    assert list(_letters(network, "comment_reminder")) == ["bhr@bhr.example"]
    network.ok("tick", now="2021-04-17T17:00")
    reminded = list(_letters(network, "comment_reminder"))
    assert reminded[0] == "bhr@bhr.example" and "bhr@bhr.example" not in reminded[1:]
    assert sorted(reminded[1:]) == ["egy@egy.example", "idn@idn.example", "iskur@iskur.example", "mar@mar.example", "sen@sen.example"]
    # The letter Bahrain got early (in Arabic) still names the deadline itself, with its Hijri date.
    assert "السبت، 1 مايو 2021 الموافق 19 رمضان 1442 هـ" in _letters(network, "comment_reminder")["bhr@bhr.example"]
    # Show tells a Bahraini reader when the deadline falls for them, and that their office is closed that day
    # (Saturday is their weekend, and 1 May is Labour Day in Bahrain as well: the holiday is named).
    local = _due(network, "D-1", "comment_deadline", actor="bhr")["local"]
    assert local == {"due": "2021-05-01T17:00+03:00", "timezone": "Europe/Istanbul", "org": "BHR", "closed_because": "Labor Day"}


def test_times_in_letters_and_show_follow_the_readers_zone_across_daylight_saving(network, tmp_path):
    # The body in Paris, a member in New York: the clocks change on 14 March (New York) and 28 March (Paris).
    _rules(network, table="", timezone='"Europe/Paris"')
    network.ok("person", "edit", "idn", "--timezone", "America/New_York", actor=SEC, now="2021-03-01T09:00")
    _circulate(network, tmp_path, "2021-03-10T10:00")
    letters = _letters(network, "document_circulated")
    # 9 April 17:00 in Paris (summer time, UTC+2) is 11:00 in New York (summer time, UTC-4): six hours apart.
    assert "by Friday, 9 April 2021, 17:00 (Paris time, UTC+02:00); for you: 11:00 (New York time, UTC-04:00)." in letters["idn@idn.example"]
    assert "for you" not in letters["iskur@iskur.example"]  # a reader in the body's zone reads it once
    assert _due(network, "D-1", "comment_deadline", actor="idn")["local"]["due"] == "2021-04-09T11:00-04:00"
    # The first reminder, 26 March 17:00 in Paris, falls in the fortnight when the two are five hours apart.
    network.ok("tick", now="2021-03-26T17:00")
    assert "Friday, 9 April 2021, 17:00 (Paris time, UTC+02:00); for you: 11:00 (New York time, UTC-04:00)" in \
        _letters(network, "comment_reminder")["idn@idn.example"]
    remind = network.sql("SELECT due FROM deadlines WHERE name = 'comment_reminder' ORDER BY due")[0][0]
    assert str(remind).startswith("2021-03-26 16:00")  # 17:00 CET is 16:00 UTC (and 12:00 in New York, EDT)


def test_an_invitation_carries_the_bodys_tzid_and_the_readers_time(network):
    network.ok("person", "edit", "idn", "--timezone", "Asia/Jakarta", actor=SEC, now="2021-03-01T09:00")
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-01T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-02T10:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-02T11:00")
    ics = network.sql("SELECT ics FROM outbox WHERE template = 'meeting_invitation' AND recipient = 'idn@idn.example'")[0][0]
    assert "DTSTART;TZID=Europe/Istanbul:20210602T120000" in ics and "TZID:Europe/Istanbul" in ics
    letter = _letters(network, "meeting_invitation")["idn@idn.example"]
    assert ("When: Wednesday, 2 June 2021, 12:00 to Thursday, 3 June 2021, 15:00 (Istanbul time, UTC+03:00); for you: "
            "Wednesday, 2 June 2021, 16:00 to Thursday, 3 June 2021, 19:00 (Jakarta time, UTC+07:00).") in letter


def test_arabic_letters_give_the_hijri_date_beside_the_gregorian(network, tmp_path):
    _circulate(network, tmp_path, "2021-04-01T10:00")
    arabic = _letters(network, "document_circulated")["bhr@bhr.example"]
    # 1 May 2021 is 19 Ramadan 1442 in the Umm al-Qura calendar.
    assert "السبت، 1 مايو 2021 الموافق 19 رمضان 1442 هـ" in arabic
    assert "رمضان" not in _letters(network, "document_circulated")["mar@mar.example"]  # French: not unless the rules ask


def test_the_rules_may_ask_for_the_hijri_date_in_french_letters_too(network, tmp_path):
    _rules(network, table='\n[calendar]\nhijri = ["ar", "fr"]\n')
    _circulate(network, tmp_path, "2021-04-01T10:00")
    assert "samedi 1er mai 2021 (19 ramadan 1442 H)" in _letters(network, "document_circulated")["mar@mar.example"]


def test_calendar_show_lists_the_closed_days_of_a_year(network):
    _rules(network)
    data = network.j("calendar", "show", "--year", "2021", actor=SEC)
    closed = {d["date"]: d["reason"] for d in data["closed_days"]}
    assert closed["2021-07-15"] == "Democracy and National Unity Day" and closed["2021-07-19"].startswith("administrative leave")
    assert [d for d, r in closed.items() if r == "Eid al-Fitr"] == ["2021-05-13", "2021-05-14", "2021-05-15"]
    assert (data["count"], data["weekend"], data["holidays"]) == ("working", ["sat", "sun"], ["TUR"])
    assert data["working_days"] == 365 - 104 - 13  # 104 weekend days; 13 closed weekdays (1 May and 15 May fell on Saturdays)
    text = network.ok("calendar", "show", "--year", "2021", actor=SEC).out
    assert "2021-07-20 Tue  Eid al-Adha" in text
    network.ok("org", "edit", "BHR", "--holidays", "BHR", actor=SEC, now="2021-03-01T09:00")
    bahrain = network.j("calendar", "show", "--year", "2021", "--org", "BHR", actor=SEC)
    assert bahrain["weekend"] == ["fri", "sat"] and bahrain["own"]
    assert "keeps no calendar of its own" in network.ok("calendar", "show", "--org", "EGY", "--year", "2021", actor=SEC).out
    refused = network.refused(2, "calendar", "show", "--org", "NOPE", actor=SEC)
    assert "no organisation with the code 'NOPE'" in refused.err


def test_rules_check_warns_of_a_meeting_planned_on_a_closed_day(network):
    _rules(network, table="")
    network.ok("meeting", "create", "--kind", "workshop", "--title", "Digital PES", "--start", "2021-07-20T10:00",
               "--end", "2021-07-20T15:00", "--online", "--link", "https://video.example.org/w", actor=SEC, now="2021-03-01T10:00")
    unset = network.ok("rules", "check", now="2021-06-01T09:00").err
    # No [calendar]: the secretariat closes no day, but the chair's country (İŞKUR is in Türkiye) does.
    assert "the secretariat is closed" not in unset and "the chair (ISKUR, TUR) is closed: 2021-07-20 (Eid al-Adha)" in unset
    _rules(network)
    checked = network.ok("rules", "check", now="2021-06-01T09:00")
    assert "warning: M-1 (Digital PES) is planned on a day the secretariat is closed: 2021-07-20 (Eid al-Adha)" in checked.err
    assert "warning: M-1 (Digital PES) is planned on a day the chair (ISKUR, TUR) is closed: 2021-07-20 (Eid al-Adha)" in checked.err
    assert "M-1" not in network.ok("rules", "check", now="2021-08-01T09:00").err  # past meetings are history


def test_bad_calendar_options_are_refused_in_one_sentence_and_write_nothing(network):
    cases = [
        (("person", "edit", "idn", "--timezone", "Mars/Olympus"), "is not a time zone this machine knows"),
        (("person", "add", "x", "--name", "X", "--email", "x@x.example", "--org", "IDN", "--timezone", "UTC+3"),
         "is not a time zone this machine knows"),
        (("org", "edit", "IDN", "--weekend", "fri,funday"), "'funday' is not a day of the week"),
        (("org", "edit", "IDN", "--weekend", "mon,tue,wed,thu,fri,sat,sun"), "closes every day of the week"),
        (("org", "edit", "IDN", "--holidays", "XYZ"), "is not an ISO 3166-1 alpha-3 country code"),
    ]
    before = network.sql("SELECT count(*) FROM audit")[0][0]
    for args, message in cases:
        refused = network.refused(2, *args, actor=SEC, now="2021-03-01T09:00")
        assert message in refused.err and len(refused.err.strip().splitlines()) == 1, refused
    assert network.sql("SELECT count(*) FROM audit")[0][0] == before
    # The body's own zone is no zone of one's own: stored as none.
    assert network.j("person", "edit", "idn", "--timezone", "Europe/Istanbul", actor=SEC, now="2021-03-01T09:00")["timezone"] is None


# -- dates a person gives, escalations, and a member's calendar changing -------------------------------------------

def test_an_action_due_on_a_closed_day_moves_to_the_next_working_day_and_the_command_says_so(network):
    _rules(network)
    added = network("action", "add", "--title", "Send the report", "--owner", "EGY", "--due", "2021-07-20", actor=SEC,
                    now="2021-07-01T09:00", json_out=True)
    # Tuesday 20 July 2021 is the first day of Kurban Bayramı: the next working day is Monday 26 July.
    assert added.code == 0 and added.json["ref"] == "A-1"
    assert added.json["warnings"] == ["--due 2021-07-20 is a day the secretariat is closed (Eid al-Adha) and the rules count "
                                      "working days (RoP Art. 7): A-1 is due on the next working day, 2021-07-26 23:59 +03"]
    assert _due(network, "A-1", "due")["due"] == "2021-07-26T23:59:59+03:00"
    detail = network.j("audit", "A-1")["entries"][0]["detail"]
    assert (detail["due_given"][:10], detail["due_moved_because"]) == ("2021-07-20", "Eid al-Adha")
    plain = network("action", "add", "--title", "Send the annex", "--owner", "EGY", "--due", "2021-07-19T12:00", actor=SEC,
                    now="2021-07-01T09:00")
    assert plain.code == 0 and plain.err.startswith("warning: --due 2021-07-19 is a day the secretariat is closed "
                                                      "(administrative leave (eve of Kurban Bayramı))"), plain.err
    assert _due(network, "A-2", "due")["due"] == "2021-07-26T12:00+03:00"  # the hour given is kept
    open_day = network("action", "add", "--title", "Send the list", "--owner", "EGY", "--due", "2021-07-14", actor=SEC,
                       now="2021-07-01T09:00", json_out=True)
    assert "warnings" not in open_day.json and _due(network, "A-3", "due")["due"].startswith("2021-07-14T23:59:59")


def test_counting_calendar_days_a_due_date_on_a_holiday_stands(network):
    added = network("action", "add", "--title", "Send the report", "--owner", "EGY", "--due", "2021-07-20", actor=SEC,
                    now="2021-07-01T09:00", json_out=True)  # the shipped rules: count = "calendar"
    assert "warnings" not in added.json and _due(network, "A-1", "due")["due"].startswith("2021-07-20T23:59:59")


def test_a_meeting_planned_or_moved_onto_a_closed_day_is_warned_of_and_kept(network):
    _rules(network)
    made = network("meeting", "create", "--kind", "workshop", "--title", "Digital PES", "--start", "2021-07-20T10:00",
                   "--end", "2021-07-20T15:00", "--online", "--link", "https://video.example.org/w", actor=SEC,
                   now="2021-06-01T09:00", json_out=True)
    assert made.code == 0
    assert made.json["warnings"] == ["M-1 (Digital PES) is planned on a day the secretariat is closed: 2021-07-20 (Eid al-Adha)",
                                     "M-1 (Digital PES) is planned on a day the chair (ISKUR, TUR) is closed: 2021-07-20 (Eid al-Adha)"]
    assert network.j("show", "M-1")["fields"]["start"] == "2021-07-20T10:00+03:00"  # the secretariat's choice stands
    moved = network("meeting", "reschedule", "M-1", "--start", "2021-07-17T10:00", "--end", "2021-07-17T15:00", actor=SEC,
                    now="2021-06-01T09:00")
    assert moved.code == 0 and "2021-07-17 (weekend)" in moved.err
    fine = network("meeting", "reschedule", "M-1", "--start", "2021-07-14T10:00", "--end", "2021-07-14T15:00", actor=SEC,
                   now="2021-06-01T09:00")
    assert fine.code == 0 and "warning" not in fine.err


def test_an_overdue_actions_escalations_repeat_in_working_days(network):
    _rules(network, escalate_every_days="5")
    network.ok("action", "add", "--title", "Send the report", "--owner", "EGY", "--due", "2021-07-09", actor=SEC, now="2021-07-01T09:00")
    network.ok("tick", now="2021-07-10T00:00")  # Friday's due date has passed: overdue
    # Five working days from Saturday 10 July: 12, 13, 14 and 16 July, then (past 15 July, the leave of 19 July and
    # Kurban Bayramı) Monday 26 July, at the hour periods end.
    assert _due(network, "A-1", "escalation")["due"] == "2021-07-26T17:00+03:00"
    fired = network.j("tick", now="2021-07-26T17:00")
    assert [(f["ref"], f["name"]) for f in fired["fired"]] == [("A-1", "escalation")]
    # Again five working days on (27, 28, 29, 30 July, 2 August), not five calendar days (Saturday 31 July).
    pending = network.sql("SELECT due FROM deadlines WHERE ref = 'A-1' AND name = 'escalation' AND status = 'pending'")
    assert [str(due)[:16] for (due,) in pending] == ["2021-08-02 14:00"]  # 17:00 in Ankara
    # After an outage the next one is still counted in working days from the one missed.
    network.ok("tick", now="2021-08-10T09:00")
    pending = network.sql("SELECT due FROM deadlines WHERE ref = 'A-1' AND name = 'escalation' AND status = 'pending'")
    assert [str(due)[:16] for (due,) in pending] == ["2021-08-16 14:00"]  # 2 Aug + 5 = 9 Aug (past), + 5 = Monday 16 Aug


def _reminder_rows(network: Any) -> list[tuple[str, str]]:
    rows = network.sql("SELECT due, audience FROM deadlines WHERE ref = 'D-1' AND name = 'comment_reminder' "
                       "AND status = 'pending' ORDER BY due, id")
    return [(str(due)[:16], audience) for due, audience in rows]


def test_a_members_new_calendar_moves_its_pending_reminders_in_the_same_change(network, tmp_path):
    _circulate(network, tmp_path, "2021-04-01T10:00")
    # Deadline Saturday 1 May 17:00; reminders on Saturday 17 April and Wednesday 28 April, one row each (no
    # organisation keeps a calendar of its own yet). 17:00 in Istanbul is 14:00 UTC.
    assert _reminder_rows(network) == [("2021-04-17 14:00", "silent_commenters"), ("2021-04-28 14:00", "silent_commenters")]
    before = network.sql("SELECT count(*) FROM audit")[0][0]
    network.ok("org", "edit", "BHR", "--holidays", "BHR", actor=SEC, now="2021-04-05T09:00")
    # Saturday is now Bahrain's weekend: its people's reminder goes on Thursday 15 April; Wednesday 28 April stands.
    assert _reminder_rows(network) == [
        ("2021-04-15 14:00", "silent_commenters@2021-04-17>2021-04-15"),
        ("2021-04-17 14:00", "silent_commenters@2021-04-17>2021-04-17"),
        ("2021-04-28 14:00", "silent_commenters")]
    entry = network.j("audit", actor=SEC)["entries"][-1]
    assert network.sql("SELECT count(*) FROM audit")[0][0] == before + 1 and entry["trigger"] == "org edit"
    assert entry["detail"]["reminders_recomputed"] == 1
    assert network.sql("SELECT count(*) FROM deadlines WHERE outcome LIKE 'recomputed%'")[0][0] == 1
    # Back to no calendar of its own: one row again, for everyone on the Saturday.
    network.ok("org", "edit", "BHR", "--holidays", "none", "--weekend", "none", actor=SEC, now="2021-04-06T09:00")
    assert _reminder_rows(network) == [("2021-04-17 14:00", "silent_commenters"), ("2021-04-28 14:00", "silent_commenters")]
    # Given its calendar on Friday 16 April, after its Thursday has gone: Bahrain's people are reminded at once.
    network.ok("org", "edit", "BHR", "--holidays", "BHR", actor=SEC, now="2021-04-16T09:00")
    assert _reminder_rows(network)[0] == ("2021-04-16 06:00", "silent_commenters@2021-04-17>2021-04-15")
    network.ok("tick", now="2021-04-16T09:00")
    assert list(_letters(network, "comment_reminder")) == ["bhr@bhr.example"]
    network.ok("tick", now="2021-04-17T17:00")
    reminded = [to for to, _ in network.sql("SELECT recipient, id FROM outbox WHERE template = 'comment_reminder' ORDER BY id")]
    assert reminded.count("bhr@bhr.example") == 1 and len(reminded) == 6


def test_a_reminder_under_way_when_a_calendar_changes_still_reminds_each_member_once(network, tmp_path):
    network.ok("org", "edit", "BHR", "--holidays", "BHR", actor=SEC, now="2021-03-01T09:00")
    _circulate(network, tmp_path, "2021-04-01T10:00")
    network.ok("tick", now="2021-04-15T17:00")  # Bahrain's row of the 17 April reminder has gone
    # Bahrain now keeps Thursday and Friday: Saturday 17 April would be its day again, but its people were reminded.
    network.ok("org", "edit", "BHR", "--weekend", "thu,fri", actor=SEC, now="2021-04-16T09:00")
    assert _reminder_rows(network)[0] == ("2021-04-17 14:00", "silent_commenters@2021-04-17>2021-04-17!BHR")
    # Indonesia takes its country's calendar before its Saturday row went: it stays on that row (+IDN), not reminded
    # on a day whose row does not exist.
    network.ok("org", "edit", "IDN", "--weekend", "sat,sun", "--holidays", "IDN", actor=SEC, now="2021-04-16T10:00")
    assert _reminder_rows(network)[0] == ("2021-04-17 14:00", "silent_commenters@2021-04-17>2021-04-17+IDN!BHR")
    network.ok("tick", now="2021-04-17T17:00")
    reminded = [to for to, _ in network.sql("SELECT recipient, id FROM outbox WHERE template = 'comment_reminder' ORDER BY id")]
    assert sorted(reminded) == ["bhr@bhr.example", "egy@egy.example", "idn@idn.example", "iskur@iskur.example",
                                "mar@mar.example", "sen@sen.example"]


def test_the_demos_2021_and_2022_deadlines_against_the_real_turkish_holidays(tmp_path):
    from datetime import date, datetime, timezone
    from zoneinfo import ZoneInfo

    from sqlalchemy import create_engine, text

    from governance.calendars import WorkCalendar
    from governance.calendars.periods import period_end
    from governance.calendars.public import holidays
    from governance.demo import run_demo

    summary = run_demo(tmp_path / "demo", lambda line: None)
    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'governance.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT ref, name, kind, due FROM deadlines ORDER BY due, id")).all()
    engine.dispose()
    zone = ZoneInfo("Europe/Istanbul")
    on_holidays = []
    for ref, name, kind, due in rows:
        moment = datetime.fromisoformat(str(due)).replace(tzinfo=timezone.utc) if "+" not in str(due) else datetime.fromisoformat(str(due))
        day = moment.astimezone(zone).date()
        if day.year in (2021, 2022) and day in holidays("TUR", day.year):
            on_holidays.append((ref, name, day.isoformat(), holidays("TUR", day.year)[day]))
    # The shipped rules count calendar days (see their [calendar]): of the demo's 2021 and 2022 rows, one falls on a
    # Turkish public holiday: A-2's reminder 30 days before its due date, on the third day of Ramazan Bayramı 2022.
    # None falls on 15 July or on Kurban Bayramı, and the 3rd meeting (2-3 June 2021) and the workshop are working days.
    assert on_holidays == [("A-2", "due_reminder", "2022-05-04", "Eid al-Fitr")]
    assert summary["records"]["meeting"]
    # Counted in working days, that reminder would go out on an open day instead: 30 weekdays back from Friday 3 June,
    # leaving out 19 May and Ramazan Bayramı (2 to 4 May 2022), is Monday 18 April.
    ankara = WorkCalendar(frozenset({5, 6}), ("TUR",), (), working=True)
    due = datetime(2022, 6, 3, 12, 0, tzinfo=timezone.utc)  # 15:00 in Istanbul, A-2's due time
    reminder, period = period_end(ankara, due, -30, zone)
    assert ankara.is_open(reminder.astimezone(zone).date()) and reminder.astimezone(zone).date() == date(2022, 4, 18)
    assert [reason for _, reason in period.not_counted] == ["Eid al-Fitr"] * 3 + ["Commemoration of Atatürk, Youth and Sports Day"]  # 23 April and 1 May fell on the weekend
