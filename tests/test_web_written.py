"""A written procedure on the web: the object and vote links of its letters (GET shows, POST acts once, as the member's
voice, channel link), and the focal point's page listing the procedures open to their member."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Gov
from tests.test_web import ENV, SEC, _audit_count, _delivered, _form, _links, _path, _sign_in, web  # noqa: F401 - web is a fixture

NOW = "2021-04-01T10:00"
TEXT = "1. A working group is set up.\n\n2. It reports twice a year.\n\n3. Its first report goes to the 4th meeting.\n"


def _start(network: Gov, tmp_path: Path, mode: str) -> None:
    path = tmp_path / "tor.txt"
    path.write_text(TEXT, encoding="utf-8")
    network.ok("doc", "create", "--type", "report", "--title", "Terms of reference", "--file", str(path), actor=SEC, now=NOW, env=ENV)
    network.ok("written", "start", "D-1", "--mode", mode, actor=SEC, now=NOW, env=ENV)


def _link(network: Gov, to: str) -> str:
    letter = _delivered(network, "2021-04-01T10:05", to, "W-1")
    urls = _links(letter)
    assert len(urls) == 1, urls
    return urls[0]


def test_a_focal_point_breaks_silence_from_the_object_link_of_the_letter_once(network: Gov, web: Any) -> None:
    _start(network, Path(network.folder), "silence")
    url = _link(network, "bhr@bhr.example")
    assert url.endswith("/object")
    browser = web("2021-04-02T10:00").client()
    before = _audit_count(network)
    page = browser.get(_path(url))
    assert page.status_code == 200 and page.text.count('<form method="post"') == 1 and 'dir="rtl"' in page.text
    assert 'name="text"' in page.text and 'name="para"' in page.text and "It reports twice a year." in page.text
    assert _audit_count(network) == before and network.j("show", "W-1")["state"] == "open"  # the GET changed nothing
    assert browser.post(_path(url), data=_form(page.text) | {"text": "  "}).status_code == 400  # no text: nothing done, link kept
    done = browser.post(_path(url), data=_form(page.text) | {"text": "يجب أن يرفع الفريق تقاريره إلى اجتماع الشبكة.", "para": "2"})
    assert done.status_code == 200, done.text
    shown = network.j("show", "W-1")
    assert shown["state"] == "broken" and shown["objections"][0]["para"] == 2 and shown["objections"][0]["by"] == "bhr"
    entries = network.j("audit", "W-1")["entries"]
    assert [(e["trigger"], e["actor"], e["channel"]) for e in entries[-2:]] == [("object", "bhr", "link"), ("break_silence", "bhr", "link")]
    again = browser.post(_path(url), data=_form(page.text) | {"text": "Again."})
    assert again.status_code == 410 and "already used" in again.text
    # Another member's link from the same letter run now says what happened.
    stale = browser.get(_path(_link(network, "mar@mar.example")))
    assert stale.status_code == 409 and "broken" in stale.text


def test_members_vote_from_their_links_and_one_members_vote_leaves_the_others_links_working(network: Gov, web: Any) -> None:
    _start(network, Path(network.folder), "vote")
    bhr, mar = _link(network, "bhr@bhr.example"), _link(network, "mar@mar.example")
    assert bhr.endswith("/vote") and mar.endswith("/vote")
    browser = web("2021-04-02T10:00").client()
    page = browser.get(_path(bhr))
    assert page.status_code == 200 and page.text.count('name="position"') == 3 and 'name="statement"' in page.text
    before = _audit_count(network)
    assert browser.post(_path(bhr), data=_form(page.text)).status_code == 400  # no position chosen: nothing done
    assert browser.post(_path(bhr), data={"position": "for"}).status_code == 400  # no hidden fields (CSRF): nothing done
    assert _audit_count(network) == before
    done = browser.post(_path(bhr), data=_form(page.text) | {"position": "against", "statement": "لا توجد ميزانية."})
    assert done.status_code == 200, done.text
    other = web("2021-04-02T11:00").client()
    second = other.get(_path(mar))
    assert second.status_code == 200  # a vote does not move the procedure: every other member's link still works
    assert other.post(_path(mar), data=_form(second.text) | {"position": "for"}).status_code == 200
    shown = network.j("show", "W-1")
    assert [(p["org"], p["position"], p["by"]) for p in shown["positions"]] == [("BHR", "against", "bhr"), ("MAR", "for", "mar")]
    assert shown["positions"][0]["statement"] == "لا توجد ميزانية."
    votes = [e for e in network.j("audit", "W-1")["entries"] if e["trigger"] == "vote"]
    assert [(e["actor"], e["channel"]) for e in votes] == [("bhr", "link"), ("mar", "link")]


def test_a_vote_link_opened_after_the_deadline_refuses_and_writes_nothing(network: Gov, web: Any) -> None:
    _start(network, Path(network.folder), "vote")
    url = _link(network, "idn@idn.example")
    page = web("2021-04-02T10:00").client().get(_path(url))
    network.ok("tick", now="2021-04-15T17:00", env=ENV)
    assert network.j("show", "W-1")["state"] == "not_adopted"
    late = web("2021-04-16T10:00").client()
    assert late.get(_path(url)).status_code in (409, 410)
    before = _audit_count(network)
    assert late.post(_path(url), data=_form(page.text) | {"position": "for"}).status_code in (409, 410)
    assert _audit_count(network) == before


def test_the_focal_points_page_lists_the_procedures_open_to_their_member(network: Gov, web: Any) -> None:
    _start(network, Path(network.folder), "vote")
    network.ok("written", "vote", "W-1", "--position", "for", actor="idn", now="2021-04-02T09:00", env=ENV)
    app = web("2021-04-02T10:00")
    focal = app.client()
    _sign_in(app, focal, "idn@idn.example")
    home = focal.get("/?lang=en")
    assert home.status_code == 200 and "Decisions in writing, open now" in home.text and "W-1" in home.text
    assert "written vote" in home.text and "your member&#39;s vote: For" in home.text
    secretariat = app.client()
    _sign_in(app, secretariat, "sec@sesric.example")
    assert "Decisions in writing, open now" not in secretariat.get("/?lang=en").text  # the secretariat does not vote
    record = focal.get("/r/W-1?lang=en")
    assert record.status_code == 200 and "W-1" in record.text


def test_a_signed_in_member_votes_objects_and_annexes_from_the_procedures_page_as_the_links_would(network: Gov, web: Any) -> None:
    from tests.test_web import _signed_in

    _start(network, Path(network.folder), "vote")
    app = web("2021-04-02T10:00")
    bhr = _signed_in(app, "bhr@bhr.example")
    page = bhr.get("/r/W-1")
    assert page.status_code == 200 and 'action="/r/W-1/vote"' in page.text and page.text.count('name="position"') == 3
    assert bhr.post("/r/W-1/vote", data={"position": "for"}).status_code == 400  # no CSRF token: nothing written
    assert bhr.post("/r/W-1/vote", data=_form(page.text)).status_code == 400  # no position chosen
    done = bhr.post("/r/W-1/vote", data=_form(page.text) | {"position": "against", "statement": "Too early."})
    assert done.status_code == 303
    shown = network.j("show", "W-1", now="2021-04-02T10:00")
    assert [(p["org"], p["position"], p["by"]) for p in shown["positions"]] == [("BHR", "against", "bhr")]
    assert network.j("audit", "W-1")["entries"][-1]["channel"] == "web"
    observer = _signed_in(app, "jean@ilo.example").get("/r/W-1")
    assert 'action="/r/W-1/vote"' not in observer.text  # an observer's organisation has no voice
    # A silence procedure offers the objection instead, and the annex where the rules allow it.
    network.ok("doc", "create", "--type", "report", "--title", "Second", "--file", str(Path(network.folder) / "tor.txt"), actor=SEC,
               now=NOW, env=ENV)
    network.ok("written", "start", "D-2", "--mode", "silence", actor=SEC, now=NOW, env=ENV)
    page = bhr.get("/r/W-2")
    assert 'action="/r/W-2/object"' in page.text and 'name="amendment"' in page.text
    assert 'action="/r/W-2/reserve"' in page.text  # an open procedure takes annexes ([states.open] annexes = true)
    annexed = bhr.post("/r/W-2/reserve", data=_form(page.text) | {"kind": "statement", "text": "Bahrain reads §2 as advisory."})
    assert annexed.status_code == 303 and network.j("show", "W-2", now="2021-04-02T10:00")["reservations"]
    broken = bhr.post("/r/W-2/object", data=_form(page.text) | {"text": "Paragraph 3 is premature.", "para": "3"})
    assert broken.status_code == 303 and network.j("show", "W-2", now="2021-04-02T10:00")["state"] == "broken"
