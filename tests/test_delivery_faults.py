"""Issue 11's mail faults: a letter that cannot be built, a kill mid-send, a long outage, the maildir's files; each reproduced."""

from __future__ import annotations

import os
import stat
from collections import Counter
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from aiosmtpd.controller import Controller

from tests.test_mail import SEC, _convened_meeting, _free_port, _send, _use_smtp

OUTAGE_SUBJECT = "[OIC-PESNET] Mail is not getting through"
RESTORED_SUBJECT = "[OIC-PESNET] Mail is getting through again"


class Recorder:
    """An aiosmtpd handler that keeps each letter with its envelope, and refuses the letters `refuse` names."""

    def __init__(self) -> None:
        self.letters: list[tuple[tuple[str, ...], Any]] = []
        self.connections: set[Any] = set()
        self.refuse: dict[str, str] = {}  # recipient -> the reply to DATA
        self.on_data: Callable[[], None] | None = None
        self.on_stored: Callable[[Any], None] | None = None  # called with each letter once it is kept, before the answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        for recipient in envelope.rcpt_tos:
            if recipient in self.refuse:
                return self.refuse[recipient]
        if self.on_data:
            self.on_data()
        data = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode("utf-8")
        self.letters.append((tuple(envelope.rcpt_tos), message_from_bytes(data, policy=policy.default)))
        self.connections.add(id(session))
        if self.on_stored:
            self.on_stored(self.letters[-1][1])
        return "250 OK"

    @property
    def ids(self) -> Counter:
        return Counter(str(letter["Message-ID"]) for _, letter in self.letters)

    @property
    def recipients(self) -> set[str]:
        return {r for rcpts, _ in self.letters for r in rcpts}


class Server:
    def __init__(self) -> None:
        self.port = _free_port()
        self.handler = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def server():
    running = Server()
    running.start()
    yield running
    running.stop()


def _outbox(network) -> list[Any]:
    """The outbox rows as the engine reads them (times as aware datetimes on both stores)."""
    from sqlalchemy import select

    from governance.store.db import Database
    from governance.store.models import OutboxMessage

    database = Database(network.url)
    try:
        with database.read() as session:
            rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            session.expunge_all()
            return rows
    finally:
        database.dispose()


def _by_template(network, template: str) -> list[Any]:
    return [row for row in _outbox(network) if row.template == template]


def _utc(text: str) -> datetime:
    """A moment given to --now (the body's zone, Istanbul, UTC+3 in 2021) in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone(timedelta(hours=3))).astimezone(timezone.utc)


# -- 1b: a letter that cannot be built -----------------------------------------------------------

def test_a_person_named_with_a_header_in_it_gets_one_letter_and_nobody_else_gets_one(network, server):
    """`Evil\\nBcc: x@y.example` as a name (written straight into the database, as an old row or a tamperer would)
    made every send raise HeaderParseError part-way, record nothing and send the rest again on every run."""
    _use_smtp(network, server.port)
    network.sql("UPDATE people SET name = :name WHERE handle = 'bhr'", name="Evil\nBcc: x@y.example")
    network.sql("UPDATE people SET name = :name WHERE handle = 'mar'", name="Fatima\r\nX-Injected: yes")
    _convened_meeting(network)
    letters = len(_outbox(network))
    for now in ("2021-03-11T10:05", "2021-03-11T11:05", "2021-03-11T12:05"):
        _send(network, now)
    assert {row.status for row in _outbox(network)} == {"sent"}
    assert set(server.handler.ids.values()) == {1} and len(server.handler.ids) == letters, server.handler.ids
    assert "x@y.example" not in server.handler.recipients
    for _, letter in server.handler.letters:
        assert letter["Bcc"] is None and letter["X-Injected"] is None
    to_bhr = [letter for rcpts, letter in server.handler.letters if rcpts == ("bhr@bhr.example",)]
    assert to_bhr and all(str(letter["To"]) == '"Evil Bcc: x@y.example" <bhr@bhr.example>' for letter in to_bhr)


def test_a_letter_that_cannot_be_built_fails_alone_and_every_other_goes_once(network, server):
    _use_smtp(network, server.port)
    _convened_meeting(network)
    network.sql("UPDATE outbox SET recipient = :bad WHERE recipient = 'bhr@bhr.example'", bad="bhr@bhr.example\nBcc: x@y.example")
    bad = [row.id for row in _outbox(network) if "\n" in row.recipient]
    letters = len(_outbox(network))
    assert bad
    first = _send(network, "2021-03-11T10:05")
    assert first["failed"] == len(bad) and first["sent"] == letters - len(bad) + 1  # and the secretariat's notice of it
    for now in ("2021-03-11T11:05", "2021-03-11T12:05"):
        _send(network, now)
    rows = {row.id: row for row in _outbox(network)}
    for i in bad:
        assert rows[i].status == "failed" and "cannot be built" in rows[i].last_error and "recipient address" in rows[i].last_error
    notices = _by_template(network, "delivery_failed")
    assert [n.recipient for n in notices] == ["sec@sesric.example"] and notices[0].status == "sent"
    assert "bhr@bhr.example" in notices[0].body_text and "cannot be built" in notices[0].body_text
    # Sixteen letters in three runs once made 48 deliveries: now each letter that can go goes once.
    assert set(server.handler.ids.values()) == {1} and len(server.handler.ids) == letters - len(bad) + 1
    assert "x@y.example" not in server.handler.recipients


def test_a_letter_the_server_refuses_for_good_fails_alone_and_one_refused_for_now_waits(network, server):
    _use_smtp(network, server.port)
    _convened_meeting(network)
    server.handler.refuse = {"mar@mar.example": "554 5.6.0 message content rejected", "egy@egy.example": "451 4.7.1 try again later"}
    result = _send(network, "2021-03-11T10:05")
    rows = _outbox(network)
    to_mar = [r for r in rows if r.recipient == "mar@mar.example"]
    to_egy = [r for r in rows if r.recipient == "egy@egy.example"]
    assert to_mar and all(r.status == "failed" and "554" in r.last_error for r in to_mar)
    assert to_egy and all(r.status == "pending" and "451" in r.last_error for r in to_egy)
    assert result["failed"] == len(to_mar) and result["retrying"] == len(to_egy)
    others = [r for r in rows if r.template not in ("delivery_failed",) and r.recipient not in ("mar@mar.example", "egy@egy.example")]
    assert others and all(r.status == "sent" for r in others)
    assert [n.recipient for n in _by_template(network, "delivery_failed")] == ["sec@sesric.example"]
    assert _by_template(network, "mail_outage") == []  # one address refused for now is no outage
    server.handler.refuse = {}
    _send(network, "2021-03-11T10:10")
    assert all(r.status == "sent" for r in _outbox(network) if r.recipient == "egy@egy.example")
    assert set(server.handler.ids.values()) == {1}


def test_header_values_from_data_never_start_a_header_of_their_own():
    from governance.mail.message import Unbuildable, build

    row = SimpleNamespace(id=7, body_text="Text\n", body_html="<p>Text</p>", ics=None, recipient="a@b.example",
                          recipient_name="Evil\nBcc: x@y.example", subject="Notice\r\nBcc: x@y.example", template="t",
                          ref="M-1\nX-Evil: 1", lang="en\nX-Evil: 2", created_at=datetime(2021, 3, 1, tzinfo=timezone.utc),
                          audit_head="3:abc\r\nX-Evil: 3")
    raw = build(row, "secretariat@example.org", "PES\nNET").as_bytes()
    headers = raw.split(b"\n\n", 1)[0].decode("ascii")
    names = [line.split(":", 1)[0] for line in headers.splitlines() if line and not line[0].isspace()]
    assert "Bcc" not in names and "X-Evil" not in names, headers
    assert sorted(set(names)) == sorted(set(names) & {"Content-Type", "MIME-Version", "Content-Transfer-Encoding", "From", "To", "Subject",
                                                       "Date", "Message-ID", "X-Governance-Ref", "X-Gov-Audit-Head", "Content-Language"})
    for bad in ("a@b.example\nBcc: x@y.example", "a@b.example, x@y.example", "<x@y.example>", "no-at-sign", ""):
        with pytest.raises(Unbuildable):
            build(SimpleNamespace(**dict(vars(row), recipient=bad)), "secretariat@example.org", "PESNET")


def test_a_delivered_letter_carries_the_audit_head_its_row_holds(network, server):
    _use_smtp(network, server.port)
    _convened_meeting(network)
    first, second = [row.id for row in _outbox(network)][:2]
    network.sql("UPDATE outbox SET audit_head = '41:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' WHERE id = :i", i=first)
    network.sql("UPDATE outbox SET audit_head = NULL WHERE id = :i", i=second)
    _send(network, "2021-03-11T10:05")
    by_id = {str(letter["Message-ID"]).split("-")[1]: letter for _, letter in server.handler.letters}
    witness = "".join(str(by_id[str(first)]["X-Gov-Audit-Head"]).split())  # a header that long is folded; unfolded, it is the row's
    assert witness == "41:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert by_id[str(second)]["X-Gov-Audit-Head"] is None


# -- 2: each letter recorded as soon as the server accepts it --------------------------------------

def test_each_letter_is_recorded_as_sent_before_the_next_is_handed_over_on_one_connection(network, server):
    """A batch used to be recorded only once all of it had gone: a kill re-delivered every letter handed over so far."""
    _use_smtp(network, server.port)
    _convened_meeting(network)
    letters = len(_outbox(network))
    seen: list[int] = []
    server.handler.on_data = lambda: seen.append(network.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")[0][0])
    assert _send(network, "2021-03-11T10:05")["sent"] == letters
    assert seen == list(range(letters))  # when the n-th letter arrives, the n - 1 before it are already recorded
    assert len(server.handler.connections) == 1


# -- 8: a long outage --------------------------------------------------------------------------

def test_a_three_day_outage_loses_no_letter_and_the_secretariat_hears_once_as_it_begins_and_once_as_it_ends(network, server):
    _use_smtp(network, server.port, retry_max_seconds="600")
    _convened_meeting(network)
    letters = len(_outbox(network))
    server.stop()
    runs = ["2021-03-11T10:05", "2021-03-11T10:07", "2021-03-11T10:12", "2021-03-11T10:30", "2021-03-11T12:00",
            "2021-03-12T09:00", "2021-03-13T09:00", "2021-03-14T09:00"]
    for now in runs:
        result = _send(network, now)
        assert result["sent"] == 0 and result["failed"] == 0, (now, result)
        waiting = [row for row in _outbox(network) if row.status == "pending"]
        # Capped backoff: however many tries, the next is never more than retry_max_seconds away.
        assert max(row.next_attempt_at for row in waiting) - _utc(now) <= timedelta(seconds=600), now
    rows = _outbox(network)
    assert {row.status for row in rows} == {"pending"}
    assert min(row.attempts for row in rows if row.template != "mail_outage") >= 6  # past max_attempts, kept: not yet 72 hours
    notices = _by_template(network, "mail_outage")
    assert [(n.recipient, n.subject) for n in notices] == [("sec@sesric.example", OUTAGE_SUBJECT)], "told once, though every run failed"
    assert "10:05" in notices[0].body_text and "cannot reach the SMTP server" in notices[0].body_text and "3 days" in notices[0].body_text
    since = network.sql("SELECT value FROM engine_state WHERE name = 'mail_outage'")
    assert len(since) == 1 and "cannot reach the SMTP server" in since[0][0]

    server.start()
    _send(network, "2021-03-14T09:30")
    rows = _outbox(network)
    assert {row.status for row in rows} == {"sent"}, Counter(row.status for row in rows)
    restored = _by_template(network, "mail_restored")
    assert [(n.recipient, n.subject) for n in restored] == [("sec@sesric.example", RESTORED_SUBJECT)]
    assert f"Letters that waited in the outbox: {letters + 1}." in restored[0].body_text  # the outage notice waited too
    assert "lasted 3 days" in restored[0].body_text
    assert network.sql("SELECT count(*) FROM engine_state WHERE name = 'mail_outage'")[0][0] == 0
    assert set(server.handler.ids.values()) == {1} and len(server.handler.ids) == letters + 2

    server.stop()  # a second outage is a new one: told again
    network.ok("advance", "M-1", "cancel", "--reason", "merged", actor=SEC, now="2021-03-15T10:00")
    _send(network, "2021-03-15T10:01")
    assert len(_by_template(network, "mail_outage")) == 2


def test_a_letter_is_given_up_only_when_tried_max_attempts_times_and_for_retry_hours(network, server):
    _use_smtp(network, server.port, max_attempts="2", retry_hours="2")
    _convened_meeting(network)
    server.stop()
    for now in ("2021-03-11T10:05", "2021-03-11T10:07", "2021-03-11T11:00"):
        assert _send(network, now)["failed"] == 0, now
    given_up = _send(network, "2021-03-11T12:06")
    assert given_up["failed"] > 0
    rows = _outbox(network)
    failed = [row for row in rows if row.status == "failed"]
    assert failed and all(row.attempts >= 2 and row.last_error for row in failed)
    notices = _by_template(network, "delivery_failed")
    assert [n.recipient for n in notices] == ["sec@sesric.example"] and notices[0].created_at == _utc("2021-03-11T12:06")


def test_backoff_doubles_from_the_base_and_never_exceeds_the_ceiling():
    from governance.service.sending import backoff

    settings = SimpleNamespace(retry_base_seconds=60, retry_max_seconds=3600)
    assert [backoff(n, settings).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(10_000, settings) == timedelta(seconds=3600)


# -- 8: gov outbox retry ---------------------------------------------------------------------------

def _fail(network, ids: list[int]) -> None:
    network.sql(f"UPDATE outbox SET status = 'failed', attempts = 9, first_attempt_at = next_attempt_at, next_attempt_at = NULL, "
                f"last_error = 'gave up' WHERE id IN ({', '.join(map(str, ids))})")


def test_outbox_retry_puts_failed_letters_back_in_the_queue_as_one_audited_change(network, server):
    _use_smtp(network, server.port)
    _convened_meeting(network)
    ids = [row.id for row in _outbox(network)]
    _fail(network, ids[:3])
    assert [m["id"] for m in network.j("outbox", "--status", "failed")["messages"]] == ids[:3]
    assert set(network.j("outbox")["messages"][0]) >= {"id", "to", "lang", "subject", "status", "ref", "template"}

    audit_before = network.sql("SELECT count(*) FROM audit")[0][0]
    for args, code in [((), 2), (("999",), 2), ((str(ids[0]), "999"), 2), ((str(ids[3]),), 2), (("x",), 2)]:
        network.refused(code, "outbox", "retry", *args, actor=SEC, now="2021-03-11T10:05")
    network.refused(3, "outbox", "retry", str(ids[0]), actor="bhr", now="2021-03-11T10:05")
    network.refused(3, "outbox", "retry", "--failed", actor="iskur", now="2021-03-11T10:05")
    assert network.sql("SELECT count(*) FROM audit")[0][0] == audit_before
    assert [m["id"] for m in network.j("outbox", "--status", "failed")["messages"]] == ids[:3], "a refusal wrote nothing"

    assert network.j("outbox", "retry", str(ids[1]), actor=SEC, now="2021-03-11T10:05") == {"requeued": [ids[1]]}
    row = {r.id: r for r in _outbox(network)}[ids[1]]
    assert (row.status, row.attempts, row.first_attempt_at, row.last_error) == ("pending", 0, None, "gave up")
    assert row.next_attempt_at == _utc("2021-03-11T10:05")
    assert network.j("outbox", "retry", "--failed", actor=SEC, now="2021-03-11T10:06") == {"requeued": [ids[0], ids[2]]}
    entries = [e for e in network.j("audit")["entries"] if e["trigger"] == "outbox retry"]
    assert [e["actor"] for e in entries] == [SEC, SEC]
    details = [d for (d,) in network.sql("SELECT detail FROM audit WHERE trigger = 'outbox retry' ORDER BY seq")]
    assert str(ids[1]) in details[0] and str(ids[0]) in details[1] and str(ids[2]) in details[1]
    assert network.j("audit", "verify")["ok"] is True
    _send(network, "2021-03-11T10:07")
    assert {r.status for r in _outbox(network)} == {"sent"}
    text = network.ok("outbox", "retry", "--failed", actor=SEC, now="2021-03-11T10:08").out
    assert "0 letter(s)" in text


# -- 11: the maildir's files -------------------------------------------------------------------------

def _letter(number: int = 1) -> Any:
    from email.message import EmailMessage

    letter = EmailMessage()
    letter["From"], letter["To"], letter["Subject"] = "a@example.org", "b@example.org", "Confidential"
    letter["Message-ID"] = f"<outbox-{number}-abc@example.org>"
    letter.set_content("The draft, before it is public.")
    return letter


def test_maildir_folder_is_private_to_its_owner_and_each_letter_too(tmp_path):
    from governance.mail.backends import MaildirBackend

    old = os.umask(0o022)  # the usual umask, which would leave both readable by all
    try:
        with MaildirBackend(tmp_path / "deep" / "mail") as backend:
            backend.deliver(_letter())
    finally:
        os.umask(old)
    folder = tmp_path / "deep" / "mail"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["cur", "new", "tmp"]
    assert {stat.S_IMODE((folder / sub).stat().st_mode) for sub in ("cur", "new", "tmp")} == {0o700}
    files = list((folder / "new").iterdir())
    assert [f.name for f in files] == ["outbox-1-abc@example.org.eml"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


@pytest.mark.parametrize("planted", ["temporary", "target"])
def test_a_symlink_planted_in_the_maildir_is_never_followed(tmp_path, planted):
    from governance.mail.backends import MaildirBackend

    folder = tmp_path / "mail"
    for sub in ("tmp", "new", "cur"):
        (folder / sub).mkdir(mode=0o700, parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched", encoding="utf-8")
    name = "outbox-1-abc@example.org"
    link = folder / ("tmp" if planted == "temporary" else "new") / f"{name}.eml"
    link.symlink_to(outside)
    with MaildirBackend(folder) as backend:
        backend.deliver(_letter())
    assert outside.read_text(encoding="utf-8") == "untouched"
    written = folder / "new" / f"{name}.eml"
    assert not written.is_symlink() and b"The draft" in written.read_bytes()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == ["cur", "new", f"new/{name}.eml", "tmp"]


def test_an_unwritable_maildir_is_an_outage_not_a_lost_letter(tmp_path):
    from governance.mail.backends import BackendDown, MaildirBackend

    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(BackendDown):
        with MaildirBackend(blocker / "mail") as backend:
            backend.deliver(_letter())


# -- the new letters, in every language ----------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ar", "fr"])
@pytest.mark.parametrize("template", ["mail_outage", "mail_restored"])
def test_the_outage_letters_exist_and_read_in_every_language(template, lang):
    from zoneinfo import ZoneInfo

    from babel.dates import format_timedelta

    from governance.mail.render import Renderer, template_names
    from governance.service.describe import Localised

    assert template in template_names()
    since = datetime(2021, 3, 11, 7, 5, tzinfo=timezone.utc)
    until = since + timedelta(days=2, hours=3)
    duration = Localised({code: format_timedelta(until - since, locale=code) for code in ("en", "ar", "fr")})
    context = {"body": {"name": "Network", "short_name": "OIC-PESNET"}, "person": {"name": "Ayşe Demir"},
               "outage": {"since": since, "until": until, "error": "cannot reach the SMTP server", "retry": duration, "lasted": duration,
                          "waited": 17}}
    renderer = Renderer(ZoneInfo("Europe/Istanbul"), "OIC-PESNET", "en", ("en", "ar", "fr"))
    letter = renderer.render(template, lang, context, None)
    assert letter.lang == lang and "{" not in letter.text and "cannot reach the SMTP server" in letter.text
    assert str(duration[lang]) in letter.text
    assert ("Ayşe Demir" in letter.text) == (lang != "fr")  # a French letter opens "Madame, Monsieur,", as the others do
    if template == "mail_restored":
        assert "17" in letter.text
    if lang == "ar":
        assert sum("\u0600" <= ch <= "\u06ff" for ch in letter.text) > 100 and 'dir="rtl"' in letter.html
    if lang == "fr":
        assert "courrier" in letter.text


# -- a letter in flight at two kills in a row ------------------------------------------------------------

def _send_killed_on(network, server, now: str, message_id: str | None) -> tuple[int, str]:
    """`gov send` as a process, SIGKILLed the moment the server holds the letter `message_id` (the first it receives
    when None), before the server answers. Returns the exit code and the Message-ID it was killed on."""
    import signal
    import subprocess

    from tests.test_crashes import _command

    process: list[subprocess.Popen] = []
    killed_on: list[str] = []

    def kill_on_arrival(letter: Any) -> None:
        if process and not killed_on and (message_id is None or str(letter["Message-ID"]) == message_id):
            killed_on.append(str(letter["Message-ID"]))
            process[0].send_signal(signal.SIGKILL)
            process[0].wait()  # dead before the server's answer leaves: the letter is delivered and not recorded

    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    server.handler.on_stored = kill_on_arrival
    try:
        process.append(subprocess.Popen(_command(network, now, "send"), env=environment, cwd=network.folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        code = process[0].wait(timeout=60)
    finally:
        server.handler.on_stored = None
    assert killed_on, f"`gov send` ended ({code}) without handing over {message_id or 'a letter'}"
    return code, killed_on[0]


def test_a_letter_caught_in_flight_by_two_kills_is_delivered_twice_never_three_times_and_the_secretariat_is_told(network, server):
    """Each kill lands once the server has the letter and before the sender hears back: the same letter both times.

    Before hand-overs were counted, the third run sent it a third time; now it is set aside (failed, with the
    reason), the secretariat is told, and `gov outbox retry` is how the secretariat sends it once more.
    """
    _use_smtp(network, server.port)
    _convened_meeting(network)
    letters = len(_outbox(network))
    code, caught = _send_killed_on(network, server, "2021-03-11T10:05", None)
    assert code == -9 and server.handler.ids[caught] == 1
    code, again = _send_killed_on(network, server, "2021-03-11T10:30", caught)  # past the first run's lease
    assert code == -9 and again == caught and server.handler.ids[caught] == 2
    row = next(row for row in _outbox(network) if row.handovers)
    assert row.status == "pending" and row.handovers == 2 and [r.id for r in _outbox(network) if r.handovers] == [row.id]

    third = _send(network, "2021-03-11T11:00")
    assert third["failed"] == 1 and server.handler.ids[caught] == 2, "a third copy was sent"
    rows = {r.id: r for r in _outbox(network)}
    assert rows[row.id].status == "failed" and "most likely arrived" in rows[row.id].last_error, rows[row.id].last_error
    notices = _by_template(network, "delivery_failed")
    assert [n.status for n in notices] == ["sent"] and "most likely arrived" in notices[0].body_text
    others = {i: n for i, n in server.handler.ids.items() if i != caught}
    assert set(others.values()) == {1} and len(others) == letters, others  # every other letter once (the notice included)

    network.ok("outbox", "retry", str(row.id), actor=SEC, now="2021-03-11T11:05")
    _send(network, "2021-03-11T11:10")
    assert server.handler.ids[caught] == 3 and {r.status for r in _outbox(network)} == {"sent"}
