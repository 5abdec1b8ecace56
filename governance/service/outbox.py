"""Queue letters: rendered in the recipient's language inside the transaction, written with it in bulk."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from governance.service.describe import person_view
from governance.store.models import OutboxMessage


def queue(op: Any, people: list[Any], template: str, context: dict[str, Any], ref: str | None, calendar: Any = None) -> int:
    """Render `template` for each person and add it to the operation's outbox rows."""
    renderer = op.instance.renderer
    for person in people:
        letter = renderer.render(template, person.lang, dict(context, person=person_view(person)), ref)
        op.mail.append(
            {
                "ref": ref,
                "person_id": person.id,
                "recipient": person.email,
                "recipient_name": person.name,
                "lang": letter.lang,
                "template": template,
                "subject": letter.subject,
                "body_text": letter.text,
                "body_html": letter.html,
                "ics": calendar(letter.lang, person) if calendar else None,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": op.now,
                "created_at": op.now,
            }
        )
    return len(people)


def write(session: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(OutboxMessage), rows)
