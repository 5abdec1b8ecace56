"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1): languages, calendar parts, Message-IDs, outages."""

from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from governance.mail.sink import Sink

SEC = "sec"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.sink = Sink()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list:
        return self.sink.received


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _use_smtp(network, port: int, **extra: object) -> None:
    config = network.config.read_text(encoding="utf-8")
    config = config.replace('backend = "maildir"', 'backend = "smtp"').replace("smtp_port = 25", f"smtp_port = {port}")
    for key, value in extra.items():
        config = config.replace(f"{key} = ", f"{key} = {value}  # was ", 1)
    network.config.write_text(config, encoding="utf-8")


def _send(network, now: str, **kwargs: object) -> dict:
    """`gov send --json` at `now`: exit 0 when every letter due went (or none was due), 7 when some wait or failed."""
    result = network("send", now=now, json_out=True, **kwargs)
    report = result.json
    assert result.code == (7 if report["retrying"] or report["failed"] else 0), repr(result)
    return report


def _convened_meeting(network) -> None:
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--venue", "https://video.example.org/pesnet3", actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T10:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-11T10:00")


def _invitations(server: SmtpServer) -> dict[str, object]:
    return {m["To"].addresses[0].username: m for m in server.received if "Invitation" in str(m["Subject"])
            or "دعوة" in str(m["Subject"]) or "Invitation" in str(m["Subject"])}


def test_invitations_arrive_in_each_language_with_the_right_calendar_instant(network, smtp):
    _use_smtp(network, smtp.port)
    _convened_meeting(network)
    result = _send(network, "2021-03-11T10:05")
    assert result["failed"] == 0 and result["sent"] == len(smtp.received) > 0
    by_person = {m["To"].addresses[0].username: m for m in smtp.received if m["X-Governance-Ref"] == "M-1" and m["Content-Language"]}
    arabic, french, english = by_person["bhr"], by_person["mar"], by_person["iskur"]
    assert arabic["Content-Language"] == "ar" and french["Content-Language"] == "fr" and english["Content-Language"] == "en"
    html = arabic.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    text = arabic.get_body(("plain",)).get_content()
    assert sum("\u0600" <= ch <= "\u06ff" for ch in text) > 50, text  # Arabic script, intact through UTF-8
    assert str(arabic["Subject"]).startswith("[OIC-PESNET] M-1")
    assert "juin" in french.get_body(("plain",)).get_content()
    for letter in (arabic, french, english):
        calendar = [part for part in letter.iter_attachments() if part.get_content_type() == "text/calendar"]
        assert len(calendar) == 1
        from icalendar import Calendar

        event = Calendar.from_ical(calendar[0].get_content()).walk("VEVENT")[0]
        assert event.decoded("dtstart").astimezone(timezone.utc) == datetime(2021, 6, 2, 9, 0, tzinfo=timezone.utc)
        assert str(event["uid"]).startswith("meeting-1-")  # the instance's own id follows: UIDs never collide across instances
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == len(set(ids))


def test_smtp_outage_keeps_every_letter_and_delivers_each_exactly_once_after_backoff(network, smtp):
    _use_smtp(network, smtp.port)
    _convened_meeting(network)
    queued = len(network.j("outbox", "--status", "pending")["messages"])
    smtp.stop()
    down = _send(network, "2021-03-11T10:05")
    assert down["sent"] == 0 and down["retrying"] == queued and "cannot reach the SMTP server" in down["errors"][0]
    assert network.j("outbox", "--status", "sent")["messages"] == []
    smtp.start()
    # Still inside the backoff: no waiting letter is tried. Only the secretariat's notice of the outage, queued
    # when it began, is due; it goes, and so the notice that mail flows again follows it.
    early = _send(network, "2021-03-11T10:05:30")
    assert [str(m["Subject"]) for m in smtp.received] == ["[OIC-PESNET] Mail is not getting through", "[OIC-PESNET] Mail is getting through again"]
    assert early["sent"] == 2
    later = _send(network, "2021-03-11T10:07")
    assert later["sent"] == queued
    assert _send(network, "2021-03-11T11:00")["sent"] == 0
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == queued + 2 == len(set(ids))


def test_a_letter_given_up_on_is_marked_failed_and_the_secretariat_told(network, smtp):
    _use_smtp(network, smtp.port, max_attempts="2", retry_base_seconds="60", retry_hours="1")
    _convened_meeting(network)
    smtp.stop()
    _send(network, "2021-03-11T10:05")
    tried_twice = _send(network, "2021-03-11T10:07")
    assert tried_twice["failed"] == 0 and tried_twice["retrying"] > 0  # tried max_attempts times, but not yet for retry_hours
    final = _send(network, "2021-03-11T11:10")
    assert final["failed"] > 0
    failed = network.j("outbox", "--status", "failed")["messages"]
    assert failed and all(m["error"] for m in failed)
    notices = [m for m in network.j("outbox", "--status", "pending")["messages"] if m["template"] == "delivery_failed"]
    assert [m["to"] for m in notices] == ["sec@sesric.example"]


def test_message_id_is_stable_when_a_letter_is_sent_again_after_a_crash(network, smtp):
    """A crash between the server accepting a letter and the outbox recording it means a second send: same Message-ID."""
    _use_smtp(network, smtp.port)
    _convened_meeting(network)
    _send(network, "2021-03-11T10:05")
    first = {m["Message-ID"] for m in smtp.received}
    # As if the process died before recording.
    network.sql("UPDATE outbox SET status = 'pending', sent_at = NULL, next_attempt_at = created_at")
    _send(network, "2021-03-11T10:06")
    ids = [m["Message-ID"] for m in smtp.received]
    assert len(ids) == 2 * len(first) and set(ids) == first


@pytest.mark.parametrize("kind", ["maildir", "smtp"])
def test_backend_contract_delivers_and_redelivery_is_recognisably_the_same_letter(kind, tmp_path, smtp):
    """One suite for every backend: deliver, deliver again, the same Message-ID arrives; a dead target raises DeliveryError."""
    from email.message import EmailMessage

    from governance.mail.backends import DeliveryError, MaildirBackend, SmtpBackend

    def make() -> object:
        if kind == "maildir":
            return MaildirBackend(tmp_path / "mail")
        return SmtpBackend("127.0.0.1", smtp.port, False, "", "GOV_SMTP_PASSWORD")

    letter = EmailMessage()
    letter["From"], letter["To"], letter["Subject"] = "a@example.org", "b@example.org", "نص عربي"
    letter["Message-ID"] = "<outbox-1-abc@example.org>"
    letter.set_content("مرحبا", charset="utf-8")
    with make() as backend:
        backend.deliver(letter)
        backend.deliver(letter)
    if kind == "maildir":
        files = list((tmp_path / "mail" / "new").glob("*.eml"))
        assert [f.name for f in files] == ["outbox-1-abc@example.org.eml"]
        from email import message_from_bytes
        from email import policy as email_policy

        kept = message_from_bytes(files[0].read_bytes(), policy=email_policy.default)
        assert kept.get_content().strip() == "مرحبا" and str(kept["Subject"]) == "نص عربي"
    else:
        assert [m["Message-ID"] for m in smtp.received] == ["<outbox-1-abc@example.org>"] * 2
        assert smtp.received[0].get_content().strip() == "مرحبا"
    dead = MaildirBackend(Path("/proc/governance-cannot-write-here")) if kind == "maildir" else SmtpBackend("127.0.0.1", _free_port(), False, "", "X")
    with pytest.raises(DeliveryError):
        with dead as backend:
            backend.deliver(letter)


def test_rescheduled_meeting_sends_same_uid_with_higher_sequence_and_cancel_sends_method_cancel(network):
    _convened_meeting(network)
    network.ok("meeting", "reschedule", "M-1", "--start", "2021-06-09T12:00", "--end", "2021-06-10T15:00", actor=SEC, now="2021-03-20T10:00")
    network.ok("advance", "M-1", "cancel", "--reason", "merged with the workshop", actor=SEC, now="2021-03-25T10:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-25T11:00")
    _send(network, "2021-03-25T11:05")
    from email import message_from_bytes, policy

    from icalendar import Calendar

    seen = []
    for path in sorted((network.folder / "mail" / "new").glob("*.eml")):
        letter = message_from_bytes(path.read_bytes(), policy=policy.default)
        if letter["To"].addresses[0].username != "iskur":
            continue
        for part in letter.iter_attachments():
            if part.get_content_type() == "text/calendar":
                cal = Calendar.from_ical(part.get_content())
                event = cal.walk("VEVENT")[0]
                seen.append((str(cal["method"]), int(event["sequence"]), str(event["uid"]), event.decoded("dtstart").astimezone(timezone.utc)))
    seen.sort(key=lambda s: s[1])
    assert [s[:2] for s in seen] == [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]
    assert len({s[2] for s in seen}) == 1
    assert seen[1][3] == datetime(2021, 6, 9, 9, 0, tzinfo=timezone.utc)


def test_export_ics_prints_the_meeting_with_its_zone(network):
    _convened_meeting(network)
    out = network.ok("export", "ics", "M-1", "--lang", "fr").out
    assert "BEGIN:VEVENT" in out and "TZID=Europe/Istanbul" in out and "DTSTART;TZID=Europe/Istanbul:20210602T120000" in out
    assert "LANGUAGE=fr" in out
    network.refused(2, "export", "ics", "D-1")


def test_several_reminders_on_one_day_reach_a_focal_point_as_one_digest(network, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("1. Text.\n", encoding="utf-8")
    for title in ("Draft Rules of Procedure", "Draft Action Plan"):
        network.ok("doc", "create", "--type", "rop", "--title", title, "--file", str(text), actor=SEC, now="2021-04-01T10:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-04-01T10:00")
    network.ok("advance", "D-2", "circulate", actor=SEC, now="2021-04-01T10:00")
    network.ok("tick", now="2021-04-17T17:00")  # 14 days before the deadline, at deadline_time
    _send(network, "2021-04-17T17:01")
    messages = network.j("outbox")["messages"]
    to_sen = [m for m in messages if m["to"] == "sen@sen.example" and m["created_at"].startswith("2021-04-17")]
    assert sorted(m["status"] for m in to_sen) == ["merged", "merged", "sent"]
    digest = [m for m in to_sen if m["template"] == "digest"][0]
    assert digest["lang"] == "fr" or digest["lang"] == "en"


def test_published_letter_names_the_decision_in_the_readers_words(network, tmp_path):
    text = tmp_path / "rop.txt"
    text.write_text("1. The network is a forum.\n", encoding="utf-8")
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T10:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-11T10:00")
    network.ok("doc", "create", "--type", "rop", "--title", "Rules of Procedure", "--file", str(text), "--meeting", "M-1", actor=SEC, now="2021-03-12")
    network.ok("advance", "D-1", "table", actor=SEC, now="2021-03-12")
    for handle in ("iskur", "bhr", "mar", "egy"):
        network.ok("attend", "M-1", actor=handle, now="2021-06-02T11:45")
    network.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    network.ok("advance", "D-1", "adopt", actor="iskur", now="2021-06-03T13:00")
    network.ok("advance", "D-1", "publish", actor=SEC, now="2021-06-10")
    network.ok("approve", "D-1", actor="iskur", now="2021-06-10")
    texts = dict(network.sql("SELECT recipient, body_text FROM outbox WHERE template = 'document_published'"))
    english = texts["iskur@iskur.example"]
    assert "Rules of Procedure, adopted by the 3rd Network Meeting" in english
    assert "{" not in english and "1. The network is a forum." in english


SECRET = "pw-Zq7!never-on-disk"


def test_the_smtp_password_is_never_written_to_disk_or_logged(network, tmp_path):
    """Login failures are kept with their error, and neither the error, the database, the mail nor the logs hold the password."""
    import signal
    import subprocess
    import time

    from aiosmtpd.smtp import AuthResult

    from tests.conftest import GOV

    def authenticator(server, session, envelope, mechanism, auth_data):
        # handled=False: the server answers 535 itself (the default, handled=True, leaves the client waiting for a reply)
        return AuthResult(success=auth_data.login == b"pesnet" and auth_data.password == SECRET.encode(), handled=False)

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        _use_smtp(network, port, smtp_username='"pesnet"')
        _convened_meeting(network)
        outputs = []
        wrong = network("send", now="2021-03-11T10:05", env={"GOV_SMTP_PASSWORD": SECRET + "-wrong"})
        outputs += [wrong.out, wrong.err]
        errors = [r[0] for r in network.sql("SELECT last_error FROM outbox WHERE last_error IS NOT NULL")]
        assert errors and sink.received == [], (wrong, errors)
        right = network("send", now="2021-03-11T12:00", env={"GOV_SMTP_PASSWORD": SECRET})
        outputs += [right.out, right.err]
        assert right.code == 0 and len(sink.received) > 0, right
        assert network("--now", "2021-06-02T12:30", "scheduler").code == 2  # the scheduler keeps real time
        log = tmp_path / "scheduler.log"
        with log.open("ab") as err:
            command = [GOV, "--config", str(network.config), "scheduler", "--sweep-seconds", "1"]
            process = subprocess.Popen(command, stdout=err, stderr=err, cwd=network.folder,
                                       env={"PATH": "/usr/bin:/bin", "GOV_SMTP_PASSWORD": SECRET})
        try:
            deadline = time.monotonic() + 30
            while "scheduler started" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        outputs.append(log.read_text())
    finally:
        controller.stop()
    assert not any(SECRET in text for text in outputs)
    for path in [*network.folder.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the password is in {path.name}"
    stored = network.sql("SELECT coalesce(last_error, '') || subject || body_text FROM outbox")
    stored += network.sql("SELECT coalesce(reason, '') || coalesce(CAST(detail AS TEXT), '') FROM audit")
    assert not any(SECRET in row[0] for row in stored)
