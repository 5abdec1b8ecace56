"""Time on the web pages as the letters give it: the body's zone and the reader's own, and the Umm al-Qura date on
Arabic pages (and in other languages when the rules' [calendar] asks), through Flask's test client on a real instance."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from tests.conftest import Gov
from tests.test_calendars import _rules
from tests.test_web import ENV, SEC, _delivered, _links, _path, _signed_in, web  # noqa: F401  (web: the fixture)

NOW = "2021-04-01T10:00"


def _circulate(network: Gov, tmp_path: Path) -> None:
    """D-1 out for comments from 1 April 2021: its deadline is Saturday 1 May 2021, 17:00 in Istanbul."""
    draft = tmp_path / "rop.txt"
    draft.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(draft), actor=SEC, now=NOW, env=ENV)
    network.ok("advance", "D-1", "circulate", actor=SEC, now=NOW, env=ENV)


def _letter(network: Gov, template: str, to: str) -> str:
    return network.sql("SELECT body_text FROM outbox WHERE template = :t AND recipient = :r", t=template, r=to)[0][0]


def _text(page: Any) -> str:
    """The page as a reader reads it: tags gone, entities decoded, runs of space as one."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_a_reader_in_another_zone_reads_the_deadline_in_both_as_the_letter_gave_it(network: Gov, web: Any, tmp_path: Path) -> None:
    network.ok("person", "edit", "idn", "--timezone", "Asia/Jakarta", actor=SEC, now=NOW)
    _circulate(network, tmp_path)
    page = _signed_in(web("2021-04-02T09:00"), "idn@idn.example").get("/r/D-1")
    assert page.status_code == 200
    both = "Saturday, 1 May 2021, 17:00 (Istanbul time, UTC+03:00); for you: 21:00 (Jakarta time, UTC+07:00)"
    assert both in _text(page)
    assert f"by {both}." in _letter(network, "document_circulated", "idn@idn.example")  # one formatter for both


def test_a_reader_in_the_bodys_zone_reads_each_time_once(network: Gov, web: Any, tmp_path: Path) -> None:
    _circulate(network, tmp_path)
    text = _text(_signed_in(web("2021-04-02T09:00"), "iskur@iskur.example").get("/r/D-1"))
    assert "Saturday, 1 May 2021, 17:00 (Istanbul time, UTC+03:00)" in text and "; for you:" not in text


def test_a_reader_whose_day_differs_is_given_their_own_day(network: Gov, web: Any, tmp_path: Path) -> None:
    # 01:00 on 20 May in Istanbul is still 19 May in Los Angeles: the reader's own day is named as well as the hour.
    network.ok("person", "edit", "sen", "--timezone", "America/Los_Angeles", actor=SEC, now=NOW)
    network.ok("action", "add", "--title", "Send the list of focal points", "--owner", "SEN", "--due", "2021-05-20T01:00",
               actor=SEC, now=NOW, env=ENV)
    text = _text(_signed_in(web("2021-04-02T09:00"), "sen@sen.example").get("/r/A-1"))
    assert "jeudi 20 mai 2021, 01:00 (heure d'Istanbul, UTC+03:00) ; pour vous : mercredi 19 mai 2021, 15:00" in text


def test_arabic_pages_give_the_hijri_date_beside_the_gregorian(network: Gov, web: Any, tmp_path: Path) -> None:
    _circulate(network, tmp_path)
    browser = _signed_in(web("2021-04-02T09:00"), "bhr@bhr.example")
    record = _text(browser.get("/r/D-1"))
    # 1 May 2021 is 19 Ramadan 1442 in the Umm al-Qura calendar, as the Arabic letter says.
    assert "السبت، 1 مايو 2021 الموافق 19 رمضان 1442 هـ" in record
    assert "السبت، 1 مايو 2021 الموافق 19 رمضان 1442 هـ" in _letter(network, "document_circulated", "bhr@bhr.example")
    # A day alone (the chair's term, from 1 March 2021) carries it too: 17 Rajab 1442.
    assert "الاثنين، 1 مارس 2021 الموافق 17 رجب 1442 هـ" in _text(browser.get("/"))
    # The same page in English, asked for: no Hijri date unless the rules ask for it.
    assert "Ramadan" not in _text(browser.get("/r/D-1?lang=en"))


def test_the_rules_may_ask_for_the_hijri_date_on_french_pages_too(network: Gov, web: Any, tmp_path: Path) -> None:
    _circulate(network, tmp_path)
    assert "ramadan" not in _text(_signed_in(web("2021-04-02T09:00"), "mar@mar.example").get("/r/D-1"))
    _rules(network, table='\n[calendar]\nhijri = ["ar", "fr"]\n')
    text = _text(_signed_in(web("2021-04-02T09:00"), "mar@mar.example").get("/r/D-1"))
    assert "samedi 1er mai 2021 (19 ramadan 1442 H), 17:00 (heure d'Istanbul, UTC+03:00)" in text


def test_a_letters_link_page_gives_its_recipient_their_own_time_and_the_hijri_date(network: Gov, web: Any) -> None:
    # Egypt's focal point reads Arabic and keeps Cairo's time (UTC+02:00 in 2021, an hour behind Istanbul).
    network.ok("person", "edit", "egy", "--timezone", "Africa/Cairo", actor=SEC, now=NOW)
    network.ok("action", "add", "--title", "Notify the focal point", "--owner", "EGY", "--due", "2021-05-20", actor=SEC,
               now="2021-05-01T10:00", env=ENV)
    network.ok("tick", now="2021-05-14T01:00", env=ENV)
    letter = _delivered(network, "2021-05-14T01:05", "egy@egy.example")
    url = [u for u in _links(letter) if u.endswith("/complete")][0]
    text = _text(web("2021-05-14T09:00").client().get(_path(url)))
    due = "الخميس، 20 مايو 2021 الموافق 8 شوال 1442 هـ، 23:59 (توقيت إسطنبول، UTC+03:00)؛ بتوقيتك: 22:59 (توقيت القاهرة، UTC+02:00)"
    assert due in text
    assert due in _letter(network, "action_reminder", "egy@egy.example")
