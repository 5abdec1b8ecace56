"""Meetings end: a convened meeting whose time has passed is not left convened for ever, nor an opened one left open."""

from __future__ import annotations

SEC = "sec"


def _convened(network) -> None:
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-10T12:00")


def _letters(network, template: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in network.sql("SELECT recipient, lang FROM outbox WHERE template = :t ORDER BY id", t=template)]


def test_a_meeting_never_opened_is_raised_with_the_chair_and_secretariat_weekly_until_settled(network):
    _convened(network)
    network.ok("tick", now="2021-06-04T14:00")
    assert _letters(network, "meeting_not_opened") == []  # the day after its end has not come
    network.ok("tick", now="2021-06-04T16:00")
    first = _letters(network, "meeting_not_opened")
    assert sorted(first) == [("iskur@iskur.example", "en"), ("sec@sesric.example", "en")]
    network.ok("tick", now="2021-06-11T16:00")
    assert len(_letters(network, "meeting_not_opened")) == 4
    # It did not take place: the secretariat can still call it off, and the weekly letters stop.
    network.ok("advance", "M-1", "cancel", "--reason", "postponed to the autumn", actor=SEC, now="2021-06-12T10:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-06-12T11:00")
    assert network.j("show", "M-1")["state"] == "cancelled"
    network.ok("tick", now="2021-06-30T16:00")
    assert len(_letters(network, "meeting_not_opened")) == 4


def test_an_opened_meeting_past_its_end_asks_the_chair_to_close_it(network):
    _convened(network)
    network.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    network.ok("tick", now="2021-06-03T14:00")
    assert _letters(network, "meeting_close_due") == []
    network.ok("tick", now="2021-06-03T15:01")
    assert len(_letters(network, "meeting_close_due")) == 2
    network.ok("advance", "M-1", "close", actor="iskur", now="2021-06-03T16:00")
    network.ok("tick", now="2021-06-20T16:00")
    assert len(_letters(network, "meeting_close_due")) == 2
    assert [d for d in network.j("deadlines")["deadlines"] if d["ref"] == "M-1"] == []
