"""The web application through Flask's test client, in process, on a real instance: links from delivered letters, sign-in,
the pages, and the security cases (reuse, expiry, tampering, someone else's link, CSRF, GET changes nothing, escaping)."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

import pytest

from governance.clock import FixedClock, parse_moment
from tests.conftest import Gov

KEY = "a-long-random-signing-key-for-the-tests-0123456789"
ENV = {"GOV_SECRET_KEY": KEY}
SEC = "sec"
_LINK = re.compile(r"^(https?://\S+)$", re.MULTILINE)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Web:
    """The application over one instance, its clock set by the test; a client per visitor (their own cookies)."""

    def __init__(self, gov: Gov, now: str) -> None:
        from governance.service.context import open_instance
        from governance.web import create_app

        self.gov = gov
        self.instance = open_instance(gov.config, now)
        self.app = create_app(self.instance)
        self.app.testing = False  # errors are answered as a user sees them, not raised into the test

    def at(self, now: str) -> "Web":
        self.instance.clock = FixedClock(parse_moment(now, self.instance.rules.zone))
        return self

    def client(self) -> Any:
        return self.app.test_client()

    def close(self) -> None:
        self.instance.db.dispose()


def opened(kind: type[Web], network: Gov, monkeypatch: pytest.MonkeyPatch, key: str = KEY) -> Any:
    """A fixture's body: a maker of `kind` at a moment, the signing key in the environment, each closed at the end."""
    monkeypatch.setenv("GOV_SECRET_KEY", key)
    made: list[Web] = []

    def make(now: str) -> Web:
        made.append(kind(network, now))
        return made[-1]

    yield make
    for w in made:
        w.close()


@pytest.fixture
def web(network: Gov, monkeypatch: pytest.MonkeyPatch) -> Any:
    yield from opened(Web, network, monkeypatch)


def _convene_request(gov: Gov) -> None:
    gov.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
           "--end", "2021-06-03T15:00", "--online", "--venue", "https://video.example.org/pesnet3", actor=SEC, now="2021-03-10T10:00", env=ENV)
    gov.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T10:00", env=ENV)


def _delivered(gov: Gov, now: str, to: str, subject_part: str = "") -> email.message.EmailMessage:
    """The newest letter to `to` in the instance's Maildir, after a real `gov send`."""
    gov("send", now=now, env=ENV)
    letters = []
    for path in sorted((gov.folder / "mail" / "new").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in str(message["To"]) and subject_part in str(message["Subject"]):
            letters.append(message)
    assert letters, f"no letter to {to}"
    return letters[-1]


def _links(message: email.message.EmailMessage) -> list[str]:
    return _LINK.findall(message.get_body(("plain",)).get_content())


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _form(html: str) -> dict[str, str]:
    assert html.count('<form method="post"') == 1 or 'class="act"' in html, html
    return dict(_HIDDEN.findall(html))


def _audit_count(gov: Gov) -> int:
    return gov.sql("SELECT count(*) FROM audit")[0][0]


# -- CLI.md: a link found in a delivered letter --------------------------------------------------------------------------

def test_the_chair_approves_from_the_link_in_the_delivered_letter_once(network: Gov, web: Any) -> None:
    _convene_request(network)
    letter = _delivered(network, "2021-03-10T10:05", "iskur@iskur.example")
    urls = _links(letter)
    assert [u.rsplit("/", 1)[1] for u in urls] == ["approve", "reject"]
    assert all(u.startswith("http://127.0.0.1:8080/") for u in urls)
    html_part = letter.get_body(("html",)).get_content()
    assert f'href="{urls[0]}"' in html_part  # the HTML alternative carries the same link, clickable
    app = web("2021-03-11T10:00")
    browser = app.client()
    before = _audit_count(network)
    page = browser.get(_path(urls[0]))
    assert page.status_code == 200 and page.text.count('<form method="post"') == 1
    assert _audit_count(network) == before and network.j("show", "M-1")["state"] == "planned"  # GET changed nothing
    done = browser.post(_path(urls[0]), data=_form(page.text) | {"reason": "Agreed with SESRIC."})
    assert done.status_code == 200, done.text
    shown = network.j("show", "M-1")
    assert shown["state"] == "convened"
    entry = network.j("audit", "M-1")["entries"][-1]
    assert entry["trigger"] == "convene" and entry["actor"] == "iskur" and entry["channel"] == "link" and entry["via"].startswith("link ")
    # The same form again: refused, nothing written.
    after = _audit_count(network)
    again = browser.post(_path(urls[0]), data=_form(page.text))
    assert again.status_code == 410 and "already used" in again.text
    assert _audit_count(network) == after
    # The refusal link of the same letter now explains what happened.
    stale = browser.get(_path(urls[1]))
    assert stale.status_code == 409 and "already approved by Mehmet Yılmaz" in stale.text
    # The invitations went out, as after `gov approve`.
    assert any(m["template"] == "meeting_invitation" for m in network.j("outbox")["messages"])


def test_a_post_without_the_hidden_fields_is_refused_and_writes_nothing(network: Gov, web: Any) -> None:
    _convene_request(network)
    url = _links(_delivered(network, "2021-03-10T10:05", "iskur@iskur.example"))[0]
    browser = web("2021-03-11T10:00").client()
    before = _audit_count(network)
    bare = browser.post(_path(url), data={"reason": "ok"})
    assert bare.status_code == 400 and "hidden fields" in bare.text
    forged = browser.post(_path(url), data={"csrf_token": "forged", "reason": "ok"})
    assert forged.status_code == 400
    assert _audit_count(network) == before and network.j("show", "M-1")["state"] == "planned"


def test_a_tampered_link_an_expired_one_and_someone_elses_are_refused(network: Gov, web: Any) -> None:
    _convene_request(network)
    url = _links(_delivered(network, "2021-03-10T10:05", "iskur@iskur.example"))[0]
    app = web("2021-03-11T10:00")
    token = _path(url).split("/")[2]
    browser = app.client()
    tampered = "/l/" + token[:-2] + ("AA" if not token.endswith("AA") else "BB") + "/approve"
    assert browser.get(tampered).status_code == 404
    assert browser.get(_path(url).replace("/approve", "/reject")).status_code == 404  # the approve link cannot refuse
    assert browser.get(_path(url).replace("/approve", "/delete")).status_code == 404
    page = browser.get(_path(url))
    # Someone else signed in on this browser cannot use the chair's link.
    _sign_in(app, browser, "sec@sesric.example")
    other = browser.post(_path(url), data=_form(page.text))
    assert other.status_code == 403 and "someone else" in other.text
    # A fresh visitor after the link's time is up.
    expired = app.at("2021-04-01T10:00").client().get(_path(url))
    assert expired.status_code == 410 and "expired" in expired.text
    assert network.j("show", "M-1")["state"] == "planned"


def test_a_refusal_from_the_link_needs_a_reason_and_tells_the_secretariat(network: Gov, web: Any) -> None:
    _convene_request(network)
    url = _links(_delivered(network, "2021-03-10T10:05", "iskur@iskur.example"))[1]
    browser = web("2021-03-11T10:00").client()
    page = browser.get(_path(url))
    assert 'name="reason"' in page.text
    assert browser.post(_path(url), data=_form(page.text)).status_code == 400  # no reason: nothing done, link kept
    done = browser.post(_path(url), data=_form(page.text) | {"reason": "The dates clash."})
    assert done.status_code == 200
    entry = network.j("audit", "M-1")["entries"][-1]
    assert entry["trigger"] == "reject:convene" and entry["reason"] == "The dates clash." and entry["channel"] == "link"


def test_a_focal_point_comments_on_a_paragraph_from_the_circulation_letter(network: Gov, web: Any, tmp_path: Path) -> None:
    draft = tmp_path / "rop.txt"
    draft.write_text("1. The network is a forum.\n\n2. SESRIC is the secretariat.\n\n3. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(draft), actor=SEC,
               now="2021-04-01T10:00", env=ENV)
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-04-01T10:00", env=ENV)
    letter = _delivered(network, "2021-04-01T10:05", "bhr@bhr.example")
    urls = _links(letter)
    assert len(urls) == 1 and urls[0].endswith("/comment")
    browser = web("2021-04-02T10:00").client()
    page = browser.get(_path(urls[0]))
    assert page.status_code == 200 and 'dir="rtl"' in page.text and 'name="text"' in page.text and 'name="para"' in page.text
    done = browser.post(_path(urls[0]), data=_form(page.text) | {"para": "2", "text": "نقترح إضافة فقرة عن الشركاء."})
    assert done.status_code == 200, done.text
    row = network.j("doc", "matrix", "D-1")["rows"][0]
    assert row["para"] == 2 and row["org"] == "BHR" and row["text"] == "نقترح إضافة فقرة عن الشركاء."
    entry = network.j("audit", "C-1")["entries"][-1]
    assert entry["actor"] == "bhr" and entry["channel"] == "link"
    assert browser.post(_path(urls[0]), data=_form(page.text) | {"text": "Again"}).status_code == 410


def test_an_action_reminder_link_completes_the_action(network: Gov, web: Any) -> None:
    network.ok("action", "add", "--title", "Notify the focal point", "--owner", "EGY", "--due", "2021-05-20", actor=SEC,
               now="2021-05-01T10:00", env=ENV)
    network.ok("tick", now="2021-05-14T01:00", env=ENV)
    letter = _delivered(network, "2021-05-14T01:05", "egy@egy.example")
    url = [u for u in _links(letter) if u.endswith("/complete")][0]
    browser = web("2021-05-14T09:00").client()
    page = browser.get(_path(url))
    assert page.status_code == 200 and network.j("show", "A-1")["state"] == "open"
    assert browser.post(_path(url), data=_form(page.text)).status_code == 200
    assert network.j("show", "A-1")["state"] == "done"


def test_letters_carry_commands_not_links_while_the_instance_has_no_key(network: Gov) -> None:
    _convene_request_without_key = [
        ("meeting", "create", "--kind", "general", "--title", "M", "--start", "2021-06-02T12:00", "--end", "2021-06-03T15:00", "--venue", "Ankara"),
        ("advance", "M-1", "convene")]
    for args in _convene_request_without_key:
        network.ok(*args, actor=SEC, now="2021-03-10T10:00")
    letter = [m for m in network.j("outbox")["messages"] if m["template"] == "approval_requested"][0]
    body = network.sql("SELECT body_text FROM outbox WHERE id = :i", i=letter["id"])[0][0]
    assert "gov approve M-1" in body and "http" not in body
    assert network.sql("SELECT count(*) FROM links")[0][0] == 0


# -- signing in ----------------------------------------------------------------------------------------------------------

def _sign_in(app: Web, browser: Any, address: str) -> None:
    form = browser.get("/sign-in")
    answer = browser.post("/sign-in", data=_form(form.text) | {"email": address})
    assert answer.status_code == 200
    letter = _delivered(app.gov, app.instance.clock.now().isoformat(), address, "")
    url = [u for u in _links(letter) if "/sign-in/" in u][0]
    confirm = browser.get(_path(url))
    assert confirm.status_code == 200
    signed = browser.post(_path(url), data=_form(confirm.text))
    assert signed.status_code == 303, signed.text


def test_sign_in_answers_alike_for_known_and_unknown_addresses_and_the_link_works_once(network: Gov, web: Any) -> None:
    app = web("2021-03-12T10:00")
    browser = app.client()
    form = _form(browser.get("/sign-in").text)
    known = browser.post("/sign-in", data=form | {"email": "iskur@iskur.example"})
    unknown = app.client().post("/sign-in", data=form | {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    letter = _delivered(network, "2021-03-12T10:00", "iskur@iskur.example", "")
    url = [u for u in _links(letter) if "/sign-in/" in u][0]
    assert browser.get("/").status_code == 302  # not signed in yet: the link's GET signs no one in
    assert browser.get(_path(url)).status_code == 200 and browser.get("/").status_code == 302
    confirm = browser.get(_path(url))
    assert browser.post(_path(url), data=_form(confirm.text)).status_code == 303
    home = browser.get("/")
    assert home.status_code == 200 and "Mehmet Yılmaz" in home.text
    cookie = home.request.headers.get("Cookie", "")
    assert "gov_session" in cookie
    assert app.client().post(_path(url), data=_form(confirm.text)).status_code == 410  # used
    # 15 minutes: a second link, opened too late.
    browser2 = app.client()
    browser2.post("/sign-in", data=form | {"email": "iskur@iskur.example"})
    late = _links(_delivered(network, "2021-03-12T10:00", "iskur@iskur.example", ""))[0]
    assert app.at("2021-03-12T10:16").client().get(_path(late)).status_code == 410


def test_sign_in_sets_a_strict_cookie_and_sign_out_ends_the_session(network: Gov, web: Any) -> None:
    app = web("2021-03-12T10:00")
    browser = app.client()
    form = _form(browser.get("/sign-in").text)
    browser.post("/sign-in", data=form | {"email": "sec@sesric.example"})
    url = _links(_delivered(network, "2021-03-12T10:00", "sec@sesric.example", ""))[0]
    confirm = browser.get(_path(url))
    answer = browser.post(_path(url), data=_form(confirm.text))
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # base_url is http here
    desk = browser.get("/desk")
    assert desk.status_code == 200
    token = _form(desk.text)["csrf_token"]
    assert browser.post("/sign-out", data={}).status_code == 400  # CSRF on every POST
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 200
    assert browser.get("/desk").status_code == 302


def test_sign_in_requests_are_limited_per_address_and_per_client(network: Gov, web: Any) -> None:
    app = web("2021-03-12T10:00")
    browser = app.client()
    form = _form(browser.get("/sign-in").text)
    codes = [browser.post("/sign-in", data=form | {"email": "mar@mar.example"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    others = [browser.post("/sign-in", data=form | {"email": f"x{i}@example.org"}).status_code for i in range(10)]
    assert others[-1] == 429  # the same client, many addresses
    assert app.at("2021-03-12T10:20").client().post("/sign-in", data=form | {"email": "mar@mar.example"}).status_code == 200


# -- pages -----------------------------------------------------------------------------------------------------------

def _signed_in(app: Web, address: str) -> Any:
    browser = app.client()
    _sign_in(app, browser, address)
    return browser


def test_the_secretariat_circulates_from_the_desk_with_a_preview_that_writes_nothing(network: Gov, web: Any, tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("1. One.\n\n2. Two.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", str(draft), actor=SEC, now="2021-04-01T09:00")
    app = web("2021-04-01T10:00")
    browser = _signed_in(app, "sec@sesric.example")
    desk = browser.get("/desk")
    assert desk.status_code == 200 and "D-1" in desk.text
    record = browser.get("/r/D-1")
    assert "/r/D-1/do/circulate" in record.text
    before = _audit_count(network)
    preview = browser.get("/r/D-1/do/circulate")
    assert preview.status_code == 200 and _audit_count(network) == before
    done = browser.post("/r/D-1/advance", data=_form(preview.text))
    assert done.status_code == 303
    assert network.j("show", "D-1")["state"] == "circulated"
    entry = network.j("audit", "D-1")["entries"][-1]
    assert entry["channel"] == "web" and entry["actor"] == "sec" and entry["via"].startswith("sign-in link ")


def test_a_title_with_html_is_shown_as_text(network: Gov, web: Any, tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("1. <img src=x onerror=alert(1)>\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "<script>alert('x')</script>", "--file", str(draft), actor=SEC,
               now="2021-04-01T09:00")
    app = web("2021-04-01T10:00")
    browser = _signed_in(app, "sec@sesric.example")
    for path in ("/r/D-1", "/desk"):
        page = browser.get(path)
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text
        assert "<img" not in page.text
        assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none': no script at all
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_focal_point_page_shows_numbered_paragraphs_and_only_their_organisations_comments(network: Gov, web: Any, tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("1. One.\n\n2. Two.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", str(draft), actor=SEC, now="2021-04-01T09:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-04-01T09:00")
    network.ok("comment", "add", "D-1", "--para", "1", "--text", "From Morocco", actor="mar", now="2021-04-01T09:30")
    app = web("2021-04-02T10:00")
    browser = _signed_in(app, "egy@egy.example")
    page = browser.get("/r/D-1")
    assert 'dir="rtl"' in page.text and 'id="p2"' in page.text and "From Morocco" not in page.text
    assert browser.post("/r/D-1/comment", data=_form(page.text) | {"para": "2", "text": "من مصر"}).status_code == 303
    page = browser.get("/r/D-1?lang=en")
    assert 'dir="ltr"' in page.text and "من مصر" in page.text
    assert network.j("audit", "C-2")["entries"][-1]["channel"] == "web"


def test_an_arabic_record_page_names_fields_deadlines_and_steps_in_arabic_never_by_their_codes(network: Gov, web: Any, tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("1. One.\n\n2. Two.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft", "--file", str(draft), actor=SEC, now="2021-04-01T09:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-04-01T09:00")
    app = web("2021-04-02T10:00")
    page = _signed_in(app, "egy@egy.example").get("/r/D-1").text
    visible = re.sub(r"<[^>]+>", " ", page)  # the words on the page, not the names in its markup
    for code in ("current_version", "circulated_version", "comment_reminder", "comment_deadline", "(reminder)", "circulate →"):
        assert code not in visible, code
    assert "النسخة الحالية" in visible and "تذكير بإبداء الملاحظات" in visible and "النظام الداخلي" in visible
    assert "بقي 29 يومًا" in visible and "/" not in visible.split("بقي")[1][:12]  # a plural form, never "يوم/أيام"
    assert "← مفتوح للملاحظات" in visible  # the step's arrow points the way Arabic reads
    english = _signed_in(app, "idn@idn.example").get("/r/D-1").text
    assert "29 days left" in english and "Current version" in english and "day(s)" not in english


def test_the_desk_is_the_secretariats(network: Gov, web: Any) -> None:
    app = web("2021-04-02T10:00")
    browser = _signed_in(app, "mar@mar.example")
    assert browser.get("/desk").status_code == 403
