"""An outbox row as an e-mail: text with an HTML alternative, a calendar part, a text attachment, and a Message-ID stable across retries."""

from __future__ import annotations

import hashlib
import re
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any

# Control characters (CR and LF above all) would let a value from the database start a header of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In a file name: a path separator or a character some systems refuse would make the saved file land elsewhere or fail.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# An address as it may stand in a header: one mailbox, nothing a parser would read as a second one or a comment.
_ADDRESS = re.compile(r"^[^\s\x00-\x1f\x7f<>()\[\],;:\\\"@]+@[^\s\x00-\x1f\x7f<>()\[\],;:\\\"@]+$")


class Unbuildable(ValueError):
    """This outbox row cannot become a letter as it stands (an address that is not one); it will never be sendable."""


def one_line(value: str) -> str:
    """A value from data made safe for a header: every control character a space, runs of spaces one."""
    return " ".join(_CONTROL.sub(" ", value).split())


def address(value: str, what: str) -> str:
    """The address itself, or Unbuildable: an address is never repaired, since a repaired one would reach someone else."""
    if not _ADDRESS.match(value or ""):
        raise Unbuildable(f"the {what} address {value!r} is not one mailbox that a header can carry")
    return value


def filename(value: str | None) -> str:
    """An attachment's name as a header may carry it: one line, no path, something a reader's system can save."""
    name = _UNSAFE_NAME.sub("-", one_line(value or "")).strip(" .-")
    return name[:200] or "document.txt"


def message_id(row: Any, sender: str) -> str:
    """The same letter always carries the same id: derived from its outbox row, never from the attempt."""
    domain = sender.rpartition("@")[2] or "governance.invalid"
    digest = hashlib.sha256(f"{row.id}|{row.created_at.isoformat()}|{row.recipient}|{row.template}".encode()).hexdigest()[:16]
    return f"<outbox-{row.id}-{digest}@{domain}>"


def build(row: Any, sender: str, short_name: str) -> Message:
    """The MIME letter: text, its HTML alternative, the calendar part; every part base64 so any byte survives.

    Built with the compat32 classes: the modern EmailMessage API parses every header it is given and
    costs more than the SMTP exchange itself. Those classes check nothing, so every value from data is
    made safe here first. Raises Unbuildable when the row cannot be a letter at all.
    """
    text = MIMEText(row.body_text, "plain", "utf-8")
    body: Message = text
    if row.body_html:
        body = MIMEMultipart("alternative")
        body.attach(text)
        body.attach(MIMEText(row.body_html, "html", "utf-8"))
    mail: Message = body
    attachment = getattr(row, "attachment", None)
    if row.ics or attachment:
        mail = MIMEMultipart("mixed")
        mail.attach(body)
    if row.ics:
        calendar = MIMEText(row.ics, "calendar", "utf-8")
        calendar.set_param("method", "CANCEL" if "METHOD:CANCEL" in row.ics else "REQUEST")
        calendar.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        mail.attach(calendar)
    if attachment:
        # A draft too long for the letter itself: a UTF-8 text file named after the document and its version.
        document = MIMEText(attachment, "plain", "utf-8")
        document.add_header("Content-Disposition", "attachment", filename=filename(getattr(row, "attachment_name", None)))
        mail.attach(document)
    # Every header value that comes from data goes through `address` or `one_line`: none can carry a line break.
    mail["From"] = formataddr((one_line(f"{short_name} Secretariat"), address(sender, "sender")), "utf-8")
    mail["To"] = formataddr((one_line(row.recipient_name or ""), address(row.recipient, "recipient")), "utf-8")
    subject = one_line(row.subject)
    mail["Subject"] = subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")
    mail["Date"] = format_datetime(row.created_at)
    mail["Message-ID"] = message_id(row, sender)
    if row.ref:
        mail["X-Governance-Ref"] = one_line(row.ref)
    audit_head = getattr(row, "audit_head", None)
    if audit_head:
        # The audit chain's head when the letter was queued: a witness the recipient holds outside the database.
        mail["X-Gov-Audit-Head"] = one_line(audit_head)
    mail["Content-Language"] = one_line(row.lang)
    return mail
