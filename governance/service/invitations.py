"""A meeting's calendar entry for the letters about it: built once per language, addressed to each recipient."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sqlalchemy.orm import Session

from governance.mail.calendar import meeting_ics, with_attendee
from governance.store.models import Counter, Meeting, Person

if TYPE_CHECKING:
    from governance.service.context import Operation


def instance_id(session: Session) -> str:
    """The random id `gov init` gave this database (empty for one made before ids existed, whose UIDs must not change)."""
    row = session.get(Counter, "instance_id")
    return (row.value or "") if row is not None else ""


def calendar_for(op: Operation, meeting: Meeting, cancelled: bool = False) -> Callable[[str, Person], str]:
    """The calendar part for a letter about `meeting`, for each recipient in their language."""
    built: dict[str, str] = {}
    uid_part = instance_id(op.session)

    def for_recipient(lang: str, person: Person) -> str:
        if lang not in built:
            built[lang] = meeting_ics(meeting, op.rules.zone, op.rules.short_name, op.instance.settings.mail.sender, op.now,
                                      cancelled, lang, uid_part)
        return with_attendee(built[lang], person.name, person.email)

    return for_recipient
