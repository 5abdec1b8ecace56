"""Who an audience name means, for one record: the people a letter goes to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import lazyload

from governance.rules import Rules
from governance.service.context import AUDIENCES
from governance.store.models import Attendance, Comment, Organisation, Person, PersonRole, Term, WorkflowRecord
from governance.workflows import records
from governance.workflows.records import TERM_STATES

if TYPE_CHECKING:
    from governance.service.context import Operation

# The record a letter is about; None for letters about no record (a failed deadline row, a mail outage).
Record = WorkflowRecord | None
Audience = Callable[["Operation", Record], Select[tuple[Person]] | None]

# A letter needs the person and their organisation, not their roles: skip the roles' extra query.
# Built once: an option is immutable, and building it costs as much as a small query.
_WITHOUT_ROLES = lazyload(Person.roles)
# The audiences a batch of due rows may keep for all its rows (see people): those whose people do not depend on
# the record, and those naming the record's organisation, kept by that organisation.
_SAME_FOR_EVERY_RECORD = frozenset({"focal_points", "commenters", "members", "observers", "secretariat"})
_GIVEN = frozenset({"owner", "holder"})


def known(rules: Rules, name: str) -> bool:
    """An audience the engine can write to: one of its own, or an office of the rules (the people holding its powers)."""
    from governance.service.calendars import audience_name

    name = audience_name(name)[0]  # a reminder kept off closed days names its audience limited to some days
    return name in _AUDIENCES or name in rules.offices()


def singular(rules: Rules, role: str) -> bool:
    """A role one organisation or one body holds (an office, the secretariat, the owner): refusals say "the chair"."""
    return role in rules.offices() or role == rules.secretariat or role in records.relational_roles()


def people(op: Operation, record: Record, names: Iterable[str]) -> list[Person]:
    """Everyone in any of the audiences, once each, in a stable order. People removed are in none.

    A batch of due rows keeps in `op.memo` the audiences that are the same for many of its rows: looked up once
    per batch (service/tick.py starts afresh when an office changes hands).
    """
    from governance.service.calendars import audience_name, keeps

    seen: dict[int, Person] = {}
    shared = op.memo.get(AUDIENCES)
    for given in names:
        name, limit = audience_name(given)
        key = _kept_as(op.rules, name, record) if shared is not None else None
        if key is not None and key in shared:
            found = shared[key]
        else:
            query = _AUDIENCES[name](op, record) if name in _AUDIENCES else _office(op, name)
            found = [] if query is None else list(op.session.scalars(query.where(Person.removed_at.is_(None)).options(_WITHOUT_ROLES)))
            if key is not None:
                shared[key] = found
        for person in keeps(op.rules, found, limit) if limit else found:
            seen.setdefault(person.id, person)
    return sorted(seen.values(), key=lambda p: p.id)


def _kept_as(rules: Rules, name: str, record: Record) -> tuple[str, int | None] | None:
    """What a batch keeps an audience's people under: its name (with the organisation the record names for it, an
    action's owner); None for an audience that depends on more of the record (who commented, attended, voted)."""
    if name in _GIVEN:
        attribute = records.of_model(type(record)).gives.get(name) if record is not None else None
        return (name, getattr(record, attribute)) if attribute else None
    return (name, None) if name in _SAME_FOR_EVERY_RECORD or name in rules.offices() else None


def _with_role(roles: Iterable[str]) -> Select[tuple[Person]]:
    return select(Person).join(PersonRole).where(PersonRole.role.in_(list(roles)))


def _focal_points(op: Operation, record: Record) -> Select[tuple[Person]]:
    return _with_role([op.rules.focal_point]).join(Organisation, Person.org_id == Organisation.id).where(Organisation.kind == "member")


def _commenters(op: Operation, record: Record) -> Select[tuple[Person]]:
    roles = list(op.rules.provision("documents")["commenters"])
    offices = [r for r in roles if r in op.rules.offices()]
    standing = [r for r in roles if r not in offices]
    query = select(Person).outerjoin(PersonRole)
    condition = PersonRole.role.in_(standing)
    if offices:
        holders = select(Term.org_id).where(Term.office.in_(offices), Term.state.in_(TERM_STATES.holding))
        condition = condition | Person.org_id.in_(holders)
    return query.where(condition).distinct()


def _silent_commenters(op: Operation, record: Record) -> Select[tuple[Person]] | None:
    if record is None:
        return None
    commented = select(Comment.org_id).where(Comment.document_id == record.id, Comment.circulation == record.circulation)
    return _commenters(op, record).where(Person.org_id.not_in(commented))


def _by_org_kind(kind: str) -> Audience:
    def query(op: Operation, record: Record) -> Select[tuple[Person]]:
        return select(Person).join(Organisation, Person.org_id == Organisation.id).where(Organisation.kind == kind)

    return query


def _secretariat(op: Operation, record: Record) -> Select[tuple[Person]]:
    return _with_role([op.rules.secretariat])


def _office(op: Operation, office: str) -> Select[tuple[Person]]:
    from governance.service.succession import holders_query

    return holders_query(op.session, op.rules, office)


def _given(role: str) -> Audience:
    """The people of the organisation the record names for `role` (the owner of an action); none for other records."""
    def query(op: Operation, record: Record) -> Select[tuple[Person]] | None:
        attribute = records.of_model(type(record)).gives.get(role) if record is not None else None
        if attribute is None:
            return None
        return select(Person).where(Person.org_id == getattr(record, attribute))

    return query


def _participants(op: Operation, record: Record) -> Select[tuple[Person]] | None:
    if record is None:
        return None
    # A record people attend counts its own attendance; another (a document) that of the meeting it belongs to.
    attended = "takes_attendance" in records.of_model(type(record)).flags
    meeting_id = record.id if attended else getattr(record, "meeting_id", None)
    if meeting_id is None:
        return None
    present = select(Attendance.org_id).where(Attendance.meeting_id == meeting_id)
    return select(Person).where(Person.org_id.in_(present))


def _member_voices(op: Operation, record: Record) -> Select[tuple[Person]]:
    from governance.service.written_state import voices

    return voices(op.rules)


def _unheard_members(op: Operation, record: Record) -> Select[tuple[Person]] | None:
    """The voices of the members with no position yet on the written procedure (a vote's reminders go to them alone)."""
    from governance.service.written_state import voices
    from governance.store.models import WrittenPosition, WrittenProcedure

    if not isinstance(record, WrittenProcedure):
        return None
    spoken = select(WrittenPosition.org_id).where(WrittenPosition.procedure_id == record.id)
    return voices(op.rules).where(Person.org_id.not_in(spoken))


_AUDIENCES: dict[str, Audience] = {
    "focal_points": _focal_points,
    "commenters": _commenters,
    "silent_commenters": _silent_commenters,
    "members": _by_org_kind("member"),
    "observers": _by_org_kind("observer"),
    "secretariat": _secretariat,
    "owner": _given("owner"),
    "holder": _given("holder"),
    "participants": _participants,
    "member_voices": _member_voices,
    "unheard_members": _unheard_members,
}

IMPLEMENTED = frozenset(_AUDIENCES)

