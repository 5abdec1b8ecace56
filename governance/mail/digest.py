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
    from governance.mail.render import Laid
    from governance.service import outbox
    from governance.service.actors import SYSTEM
    from governance.service.describe import letter_context, person_view
    from governance.service.transaction import change

    zone = instance.rules.zone
    renderer = instance.renderer

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
        body = {"name": op.rules.body["name"], "short_name": op.rules.short_name}
        for (person_id, _recipient, _day), candidates in groups.items():
            members = _one_attachment(candidates)
            if len(members) < 2 or person_id is None:
                continue
            person = op.session.get(Person, person_id)
            framing = {"person": person_view(person), "body": body}
            items = []
            for m in members:
                greeting, closing = renderer.frame(m.template, m.lang, framing)
                # Both are laid out already (isolated data, a command line kept bare): the digest prints them as they are.
                items.append({"subject": Laid(_topic(m.subject, op.rules.short_name, m.ref)),
                              "text": Laid(_core(m.body_text, greeting, closing)), "ref": m.ref})
            attached = next((m for m in members if m.attachment), None)
            context = letter_context(op, None, {"items": items, "created": members[0].created_at})
            before = len(op.mail)
            outbox.queue(op, [person], "digest", context, None)
            op.mail[before]["created_at"] = members[0].created_at
            if attached is not None:
                op.mail[before].update(attachment_name=attached.attachment_name, attachment=attached.attachment)
            for m in members:
                m.status = "merged"
                m.last_error = None
                m.next_attempt_at = None
            made += 1
        return made

    made, _ = change(instance, SYSTEM, work)
    return made


def _one_attachment(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """The rows a digest can carry: a letter has room for one attached draft, so a second one goes on its own."""
    kept, attached = [], False
    for row in rows:
        if row.attachment:
            if attached:
                continue
            attached = True
        kept.append(row)
    return kept


def _topic(subject: str, short_name: str, ref: str | None) -> str:
    """A merged letter's subject without the prefix every subject carries: the digest names the reference itself."""
    for prefix in (f"[{short_name}] {ref}: " if ref else None, f"[{short_name}] "):
        if prefix and subject.startswith(prefix):
            return subject[len(prefix):]
    return subject


def _core(text: str, greeting: str, closing: str) -> str:
    """A letter without its greeting and its sign-off (as its template writes them): what the digest lists."""
    core = text.strip()
    if greeting and core.startswith(greeting):
        core = core[len(greeting):].strip()
    if closing and core.endswith(closing):
        core = core[: -len(closing)].strip()
    return core
