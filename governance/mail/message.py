"""An outbox row as an e-mail: text with an HTML alternative, a calendar part, and a Message-ID stable across retries."""

from __future__ import annotations

import hashlib
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from typing import Any


def message_id(row: Any, sender: str) -> str:
    """The same letter always carries the same id: derived from its outbox row, never from the attempt."""
    domain = sender.rpartition("@")[2] or "governance.invalid"
    digest = hashlib.sha256(f"{row.id}|{row.created_at.isoformat()}|{row.recipient}|{row.template}".encode()).hexdigest()[:16]
    return f"<outbox-{row.id}-{digest}@{domain}>"


def build(row: Any, sender: str, short_name: str) -> Message:
    """The MIME letter: text, its HTML alternative, the calendar part; every part base64 so any byte survives.

    Built with the compat32 classes: the modern EmailMessage API parses every header it is given and
    costs more than the SMTP exchange itself, and here every value is already known to be well formed.
    """
    text = MIMEText(row.body_text, "plain", "utf-8")
    body: Message = text
    if row.body_html:
        body = MIMEMultipart("alternative")
        body.attach(text)
        body.attach(MIMEText(row.body_html, "html", "utf-8"))
    mail: Message = body
    if row.ics:
        mail = MIMEMultipart("mixed")
        mail.attach(body)
        calendar = MIMEText(row.ics, "calendar", "utf-8")
        calendar.set_param("method", "CANCEL" if "METHOD:CANCEL" in row.ics else "REQUEST")
        calendar.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        mail.attach(calendar)
    mail["From"] = formataddr((f"{short_name} Secretariat", sender), "utf-8")
    mail["To"] = formataddr((row.recipient_name or "", row.recipient), "utf-8")
    mail["Subject"] = row.subject if row.subject.isascii() else Header(row.subject, "utf-8", header_name="Subject")
    mail["Date"] = format_datetime(row.created_at)
    mail["Message-ID"] = message_id(row, sender)
    if row.ref:
        mail["X-Governance-Ref"] = row.ref
    mail["Content-Language"] = row.lang
    return mail
