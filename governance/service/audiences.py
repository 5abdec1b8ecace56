"""Who an audience name means, for one record: the people a letter goes to."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import lazyload
from governance.store.models import Action, Attendance, Comment, Meeting, Organisation, Person, PersonRole, Term

# A letter needs the person and their organisation, not their roles: skip the roles' extra query.
# Built once: an option is immutable, and building it costs as much as a small query.
_WITHOUT_ROLES = lazyload(Person.roles)


def people(op: Any, record: Any, names: Iterable[str]) -> list[Person]:
    """Everyone in any of the audiences, once each, in a stable order. People removed are in none."""
    seen: dict[int, Person] = {}
    for name in names:
        query = _AUDIENCES[name](op, record)
        if query is None:
            continue
        for person in op.session.scalars(query.where(Person.removed_at.is_(None)).options(_WITHOUT_ROLES)):
            seen.setdefault(person.id, person)
    return sorted(seen.values(), key=lambda p: p.id)


def _with_role(roles: Iterable[str]) -> Select[tuple[Person]]:
    return select(Person).join(PersonRole).where(PersonRole.role.in_(list(roles)))


def _focal_points(op: Any, record: Any) -> Select[tuple[Person]]:
    return _with_role(["focal_point"]).join(Organisation, Person.org_id == Organisation.id).where(Organisation.kind == "member")


def _commenters(op: Any, record: Any) -> Select[tuple[Person]]:
    roles = list(op.rules.provision("documents")["commenters"])
    offices = [r for r in roles if r in op.rules.offices()]
    standing = [r for r in roles if r not in offices]
    query = select(Person).outerjoin(PersonRole)
    condition = PersonRole.role.in_(standing)
    if offices:
        holders = select(Term.org_id).where(Term.office.in_(offices), Term.state == "active")
        condition = condition | Person.org_id.in_(holders)
    return query.where(condition).distinct()


def _silent_commenters(op: Any, record: Any) -> Select[tuple[Person]]:
    commented = select(Comment.org_id).where(Comment.document_id == record.id, Comment.circulation == record.circulation)
    return _commenters(op, record).where(Person.org_id.not_in(commented))


def _by_org_kind(kind: str) -> Callable[[Any, Any], Select[tuple[Person]]]:
    def query(op: Any, record: Any) -> Select[tuple[Person]]:
        return select(Person).join(Organisation, Person.org_id == Organisation.id).where(Organisation.kind == kind)

    return query


def _secretariat(op: Any, record: Any) -> Select[tuple[Person]]:
    return _with_role(["secretariat"])


def _office(office: str) -> Callable[[Any, Any], Select[tuple[Person]]]:
    def query(op: Any, record: Any) -> Select[tuple[Person]]:
        from governance.service.succession import holders_query

        return holders_query(op.session, op.rules, office)

    return query


def _owner(op: Any, record: Any) -> Select[tuple[Person]] | None:
    if not isinstance(record, Action):
        return None
    return select(Person).where(Person.org_id == record.owner_org_id)


def _holder(op: Any, record: Any) -> Select[tuple[Person]] | None:
    if not isinstance(record, Term):
        return None
    return select(Person).where(Person.org_id == record.org_id)


def _participants(op: Any, record: Any) -> Select[tuple[Person]] | None:
    meeting_id = record.id if isinstance(record, Meeting) else getattr(record, "meeting_id", None)
    if meeting_id is None:
        return None
    present = select(Attendance.org_id).where(Attendance.meeting_id == meeting_id)
    return select(Person).where(Person.org_id.in_(present))


_AUDIENCES: dict[str, Callable[[Any, Any], Select[tuple[Person]] | None]] = {
    "focal_points": _focal_points,
    "commenters": _commenters,
    "silent_commenters": _silent_commenters,
    "members": _by_org_kind("member"),
    "observers": _by_org_kind("observer"),
    "secretariat": _secretariat,
    "chair": _office("chair"),
    "owner": _owner,
    "holder": _holder,
    "participants": _participants,
}

IMPLEMENTED = frozenset(_AUDIENCES)

