"""The secretariat's desk through Flask's test client on a real instance: a meeting, a document (an uploaded file) and a
person created by forms through the CLI's create functions; the scheduler's health as `gov status` reports it; state
names in the reader's language."""

from __future__ import annotations

import io
from typing import Any

from governance.web.i18n import state_name
from tests.conftest import Gov
from tests.test_web import _HIDDEN, Web, _audit_count, _sign_in, web  # noqa: F401  (web: the fixture)

NOW = "2021-04-01T10:00"


def _desk(app: Web, address: str = "sec@sesric.example") -> tuple[Any, str]:
    """A browser signed in as `address`, and the CSRF token of its session."""
    browser = app.client()
    _sign_in(app, browser, address)
    return browser, dict(_HIDDEN.findall(browser.get("/").text))["csrf_token"]


def test_the_secretariat_creates_a_meeting_from_the_desk(network: Gov, web: Any) -> None:
    app = web(NOW)
    browser, token = _desk(app)
    form = browser.get("/desk/new/meeting")
    assert form.status_code == 200 and 'name="kind"' in form.text and 'value="general"' in form.text
    done = browser.post("/desk/new/meeting", data={"csrf_token": token, "kind": "general", "title": "3rd Network Meeting",
                                                   "start": "2021-06-02T12:00", "end": "2021-06-03T15:00", "venue": "Ankara"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/r/M-1")
    shown = network.j("show", "M-1", actor="sec", now=NOW)
    assert shown["state"] == "planned" and shown["fields"]["title"] == "3rd Network Meeting"
    assert shown["deadlines"]  # the notice limit, as `gov meeting create` sets it
    entry = network.j("audit", "M-1")["entries"][-1]
    assert entry["actor"] == "sec" and entry["channel"] == "web"
    # The service's refusals come back as they do on the CLI, and nothing is written.
    before = _audit_count(network)
    bad = browser.post("/desk/new/meeting", data={"csrf_token": token, "kind": "picnic", "title": "X", "start": "2021-06-02T12:00",
                                                  "end": "2021-06-03T15:00"})
    assert bad.status_code == 400 and "unknown meeting kind" in bad.text
    backwards = browser.post("/desk/new/meeting", data={"csrf_token": token, "kind": "general", "title": "X",
                                                        "start": "2021-06-03T12:00", "end": "2021-06-02T15:00"})
    assert backwards.status_code == 400
    assert browser.post("/desk/new/meeting", data={"kind": "general", "title": "X"}).status_code == 400  # no CSRF token
    assert _audit_count(network) == before


def test_the_secretariat_uploads_a_document_from_the_desk(network: Gov, web: Any) -> None:
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd", "--start", "2021-06-02T12:00", "--end", "2021-06-03T15:00",
               "--venue", "Ankara", actor="sec", now=NOW)
    app = web(NOW)
    browser, token = _desk(app)
    form = browser.get("/desk/new/document")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text and 'value="M-1"' in form.text
    text = "# Draft\n\n1. The network is a forum.\n\n2. SESRIC is the secretariat; «قواعد».\n"
    done = browser.post("/desk/documents", content_type="multipart/form-data",
                        data={"csrf_token": token, "type": "rop", "title": "Draft Rules of Procedure", "meeting": "M-1",
                              "file": (io.BytesIO(text.encode("utf-8")), "rop.md")})
    assert done.status_code == 303 and done.headers["Location"].endswith("/r/D-1")
    assert network.ok("doc", "text", "D-1", actor="sec", now=NOW).out.strip() == text.strip()
    shown = network.j("show", "D-1", actor="sec", now=NOW)
    assert shown["state"] == "draft" and shown["fields"]["meeting"] == "M-1"
    assert network.j("audit", "D-1")["entries"][-1]["channel"] == "web"
    page = browser.get("/r/D-1")
    assert 'id="p2"' in page.text and "SESRIC is the secretariat" in page.text
    before = _audit_count(network)
    for name, data in (("rop.docx", b"PK\x03\x04"), ("rop.txt", "é".encode("latin-1")), ("rop.pdf", b"%PDF-1.4")):
        refused = browser.post("/desk/documents", content_type="multipart/form-data",
                               data={"csrf_token": token, "type": "rop", "title": "X", "file": (io.BytesIO(data), name)})
        assert refused.status_code == 400 and "Traceback" not in refused.text, (name, refused.text)
    missing = browser.post("/desk/documents", content_type="multipart/form-data", data={"csrf_token": token, "type": "rop", "title": "X"})
    assert missing.status_code == 400
    assert _audit_count(network) == before


def test_the_secretariat_adds_a_person_from_the_desk_and_no_one_else_can(network: Gov, web: Any) -> None:
    app = web(NOW)
    browser, token = _desk(app)
    form = browser.get("/desk/new/person")
    assert form.status_code == 200 and 'value="MAR"' in form.text and 'value="focal_point"' in form.text
    done = browser.post("/desk/new/person", data={"csrf_token": token, "handle": "mar2", "name": "Youssef Alaoui",
                                                  "email": "youssef@mar.example", "org": "MAR", "lang": "fr",
                                                  "role": ["focal_point", "observer"]})
    assert done.status_code == 200 and "Youssef Alaoui" in done.text
    person = [p for p in network.j("person", "list")["people"] if p["handle"] == "mar2"][0]
    assert person["org"] == "MAR" and person["lang"] == "fr" and person["roles"] == ["focal_point", "observer"]
    again = browser.post("/desk/new/person", data={"csrf_token": token, "handle": "mar2", "name": "Y", "email": "y@mar.example",
                                                   "org": "MAR"})
    assert again.status_code == 400 and "already exists" in again.text
    focal, focal_token = _desk(app, "mar@mar.example")
    assert focal.get("/desk/new/person").status_code == 403
    before = _audit_count(network)
    assert focal.post("/desk/new/person", data={"csrf_token": focal_token, "handle": "x", "name": "X", "email": "x@mar.example",
                                                "org": "MAR"}).status_code == 403
    assert _audit_count(network) == before


def test_the_desk_shows_the_schedulers_health_as_gov_status_does(network: Gov, web: Any) -> None:
    from governance.clock import parse_moment
    from governance.service.heartbeat import beat, row_name

    app = web(NOW)
    browser, _ = _desk(app)
    assert network.j("status", now=NOW)["scheduler"]["state"] == "never"
    assert "Never started" in browser.get("/desk").text
    # A scheduler's heartbeat, written as `gov scheduler` writes it, 20 seconds ago: alive.
    with app.instance.db.write() as session:
        beat(session, row_name("desk-host", 4242), parse_moment("2021-04-01T09:59:40", app.instance.rules.zone), {"host": "desk-host",
                                                                                                                   "pid": 4242, "every": 10})
    assert network.j("status", now=NOW)["scheduler"]["state"] == "alive"
    page = browser.get("/desk")
    assert "Alive: last heartbeat 20 s ago." in page.text and 'class="card health h-alive"' in page.text
    # An hour later it has been silent: dead, on the desk as in `gov status`.
    later = app.at("2021-04-01T11:00")
    assert network.j("status", now="2021-04-01T11:00")["scheduler"]["state"] == "dead"
    assert "NOT RUNNING" in browser.get("/desk?lang=en").text
    assert "متوقف" in browser.get("/desk?lang=ar").text
    assert later is app


def test_state_names_are_in_the_readers_language(network: Gov, web: Any, tmp_path: Any) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("1. One.\n\n2. Two.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", str(draft), actor="sec", now=NOW)
    network.ok("advance", "D-1", "circulate", actor="sec", now=NOW)
    app = web("2021-04-02T10:00")
    arabic, _ = _desk(app, "bhr@bhr.example")
    page = arabic.get("/r/D-1")
    assert 'dir="rtl"' in page.text and "مفتوح للملاحظات" in page.text and ">circulated<" not in page.text
    assert "soumis aux observations" in arabic.get("/r/D-1?lang=fr").text
    desk, _ = _desk(app)
    text = desk.get("/desk").text
    assert "open for comments" in text and "Documents" in text and ">circulated<" not in text
    # A state a workflow file adds is shown by its description, never as a bare code.
    assert state_name("fr", "under_review", "Waiting for the legal office; nothing moves.") == "Waiting for the legal office"
    assert state_name("ar", "under_review") == "under review"


def test_the_desk_lists_the_newest_records_of_each_state_and_counts_them_all(network: Gov, web: Any, monkeypatch: Any) -> None:
    """The desk once listed every record stored (8 s with 100k); now each state shows its count and its newest few."""
    from governance.web import views

    for n in range(1, 4):
        network.ok("meeting", "create", "--kind", "general", "--title", f"Meeting number {n}", "--start", "2021-06-02T12:00",
                   "--end", "2021-06-03T15:00", "--venue", "Ankara", actor="sec", now=NOW)
    monkeypatch.setattr(views, "PER_STATE", 2)
    browser, _ = _desk(web(NOW))
    page = browser.get("/desk").text
    assert "(3)</summary>" in page  # three planned meetings counted
    assert "Meeting number 3" in page and "Meeting number 2" in page and "Meeting number 1" not in page
