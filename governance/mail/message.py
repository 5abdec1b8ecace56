"""An outbox row as an e-mail: text with an HTML alternative, a calendar part, and a Message-ID stable across retries."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any


def message_id(row: Any, sender: str) -> str:
    """The same letter always carries the same id: derived from its outbox row, never from the attempt."""
    domain = sender.rpartition("@")[2] or "governance.invalid"
    digest = hashlib.sha256(f"{row.id}|{row.created_at.isoformat()}|{row.recipient}|{row.template}".encode()).hexdigest()[:16]
    return f"<outbox-{row.id}-{digest}@{domain}>"


def build(row: Any, sender: str, short_name: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((f"{short_name} Secretariat", sender))
    mail["To"] = formataddr((row.recipient_name or "", row.recipient))
    mail["Subject"] = row.subject
    mail["Date"] = format_datetime(row.created_at)
    mail["Message-ID"] = message_id(row, sender)
    if row.ref:
        mail["X-Governance-Ref"] = row.ref
    mail.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        mail.add_alternative(row.body_html, subtype="html", charset="utf-8")
    if row.ics:
        method = "CANCEL" if "METHOD:CANCEL" in row.ics else "REQUEST"
        mail.add_attachment(row.ics.encode("utf-8"), maintype="text", subtype="calendar", filename="invitation.ics",
                            params={"method": method, "charset": "utf-8"})
    # Last: turning the message multipart moves Content-* headers into the inner part.
    mail["Content-Language"] = row.lang
    return mail
