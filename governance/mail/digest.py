"""Digest, not flood: several reminders due for one person on one day become one letter."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from governance.store.models import OutboxMessage, Person

DIGESTIBLE = ("comment_reminder", "action_reminder")


def merge_reminders(instance: Any) -> int:
    """Fold same-day reminders to one person into a digest letter; returns how many digests were made."""
    if not instance.settings.mail.digest:
        return 0
    from governance.service import outbox
    from governance.service.actors import SYSTEM
    from governance.service.transaction import change

    zone = instance.rules.zone

    def work(op: Any) -> int:
        rows = op.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending", OutboxMessage.attempts == 0,
                                        OutboxMessage.template.in_(DIGESTIBLE), OutboxMessage.next_attempt_at <= op.now)
            .order_by(OutboxMessage.id)
        ).all()
        groups: dict[tuple[Any, ...], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            groups[(row.person_id, row.recipient, row.created_at.astimezone(zone).date())].append(row)
        made = 0
        for (person_id, _recipient, _day), members in groups.items():
            if len(members) < 2 or person_id is None:
                continue
            person = op.session.get(Person, person_id)
            items = [{"subject": m.subject, "text": _core(m.body_text), "ref": m.ref} for m in members]
            context = {"body": {"name": op.rules.body["name"], "short_name": op.rules.short_name}, "items": items,
                       "created": members[0].created_at, "record": {}, "actor": "", "reason": None, "deadline": {},
                       "deadlines": {}, "approval": {}, "stats": {}, "successor": None}
            before = len(op.mail)
            outbox.queue(op, [person], "digest", context, None)
            op.mail[before]["created_at"] = members[0].created_at
            for m in members:
                m.status = "merged"
                m.last_error = None
                m.next_attempt_at = None
            made += 1
        return made

    made, _ = change(instance, SYSTEM, work)
    return made


def _core(text: str) -> str:
    """A letter without its greeting and its signature: what the digest lists."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    if len(paragraphs) > 2:
        paragraphs = paragraphs[1:-1]
    return "\n\n".join(paragraphs)
