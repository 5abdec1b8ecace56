"""Digest, not flood: several reminders due for one person on one day become one letter, in one transaction."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from governance.mail.digest import DIGESTIBLE, core, one_attachment, topic
from governance.mail.render import Laid
from governance.service import outbox
from governance.service.actors import SYSTEM
from governance.service.context import Instance, Operation
from governance.service.describe import letter_context, person_view
from governance.service.transaction import change
from governance.store.models import OutboxMessage, Person


def merge_reminders(instance: Instance) -> int:
    """Fold same-day reminders to one person into a digest letter; returns how many digests were made."""
    if not instance.settings.mail.digest:
        return 0
    zone = instance.rules.zone
    renderer = instance.renderer

    def work(op: Operation) -> int:
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
            members = one_attachment(candidates)
            if len(members) < 2 or person_id is None:
                continue
            person = op.session.get(Person, person_id)
            framing = {"person": person_view(person), "body": body}
            items = []
            for m in members:
                greeting, closing = renderer.frame(m.template, m.lang, framing)
                # Both are laid out already (isolated data, a command line kept bare): the digest prints them as they are.
                items.append({"subject": Laid(topic(m.subject, op.rules.short_name, m.ref)),
                              "text": Laid(core(m.body_text, greeting, closing)), "ref": m.ref})
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
