"""Calendar entries every client accepts: the attendee named, a UID no other instance shares, daily hours, a zone without caveats."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from icalendar import Calendar

from governance.mail.calendar import meeting_ics, with_attendee

SEC = "sec"


def _meeting(start: datetime, end: datetime) -> SimpleNamespace:
    return SimpleNamespace(id=4, ref="M-4", sequence=0, title="4th Network Meeting", start=start, end=end, online=False, venue="Istanbul")


def _event(ics: str) -> object:
    return Calendar.from_ical(ics).walk("VEVENT")[0]


def test_a_two_day_meeting_sits_in_the_calendar_during_its_daily_hours():
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2027, 10, 10, 10, 0, tzinfo=paris).astimezone(timezone.utc)
    end = datetime(2027, 10, 11, 17, 0, tzinfo=paris).astimezone(timezone.utc)
    event = _event(meeting_ics(_meeting(start, end), paris, "OIC-PESNET", "sec@example.org", start, instance_id="abc123"))
    assert event.decoded("dtstart") == datetime(2027, 10, 10, 10, 0, tzinfo=paris)
    assert event.decoded("dtend") == datetime(2027, 10, 10, 17, 0, tzinfo=paris)
    assert event["rrule"]["FREQ"] == ["DAILY"] and event["rrule"]["COUNT"] == [2]


def test_a_meeting_through_the_night_stays_one_block():
    zone = ZoneInfo("Europe/Istanbul")
    start = datetime(2027, 10, 10, 20, 0, tzinfo=zone)
    end = datetime(2027, 10, 11, 2, 0, tzinfo=zone)
    event = _event(meeting_ics(_meeting(start, end), zone, "OIC-PESNET", "sec@example.org", start))
    assert "rrule" not in event and event.decoded("dtend") == end


def test_the_time_zone_covers_the_meetings_years_with_its_daylight_saving_and_no_caveat():
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2041, 7, 1, 9, 0, tzinfo=paris)  # past 2038, where icalendar's default range ends
    ics = meeting_ics(_meeting(start, start.replace(hour=17)), paris, "OIC-PESNET", "sec@example.org", start)
    zone = Calendar.from_ical(ics).walk("VTIMEZONE")[0]
    assert "COMMENT" not in zone and "1970" not in ics
    assert zone.walk("DAYLIGHT") and "2041" in ics


def test_the_attendee_is_the_recipient_and_the_uid_carries_the_instance():
    zone = ZoneInfo("Europe/Istanbul")
    start = datetime(2027, 10, 10, 10, 0, tzinfo=zone)
    ics = meeting_ics(_meeting(start, start.replace(hour=17)), zone, "OIC-PESNET", "sec@example.org", start, instance_id="abc123")
    event = _event(with_attendee(ics, "Awa Diop", "awa@sen.example"))
    attendee = event["attendee"]
    assert str(attendee) == "mailto:awa@sen.example" and attendee.params["CN"] == "Awa Diop" and attendee.params["RSVP"] == "TRUE"
    assert str(event["uid"]) == "meeting-4-abc123@oic-pesnet.governance"


def test_each_invitation_names_its_own_recipient_and_its_uid_carries_the_instances_random_id(network, tmp_path):
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--venue", "Istanbul", actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-10T12:00")
    rows = network.sql("SELECT recipient, ics FROM outbox WHERE ics IS NOT NULL")
    assert rows
    uids = set()
    for recipient, ics in rows:
        event = _event(ics)
        assert str(event["attendee"]) == f"mailto:{recipient}"
        uids.add(str(event["uid"]))
    assert len(uids) == 1
    other = network.ok("export", "ics", "M-1").out
    assert str(_event(other)["uid"]) in uids
    instance_ids = network.sql("SELECT value FROM engine_state WHERE name = 'instance_id'")
    assert instance_ids and len(instance_ids[0][0]) == 16 and instance_ids[0][0] in uids.pop()
