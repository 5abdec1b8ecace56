"""What a written procedure stands on: its rules, the members and their voices, positions, the count, proof of notice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from governance.rules import Rules
from governance.service.written_count import Tally, Verdict, count
from governance.store.models import (
    Organisation,
    OutboxMessage,
    Person,
    PersonRole,
    WrittenObjection,
    WrittenPosition,
    WrittenProcedure,
    WrittenReservation,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from governance.service.context import Operation

SILENCE, VOTE = "silence", "vote"
MODES = (SILENCE, VOTE)
# The letters that give a member notice of a procedure: the opening letter in each mode (also sent, in place of an
# undelivered one, to the member's other voices).
NOTICE_TEMPLATES = ("written_silence", "written_vote")


def provision(rules: Rules) -> Any:
    """[decisions.written]: its values and the article it cites (defaults when the rules leave the table out)."""
    return rules.provision("decisions.written")


def cite(rules: Rules) -> str:
    return provision(rules).cite()


def voice_roles(rules: Rules) -> list[str]:
    """The roles that speak for a member: its focal points and, where the rules have them, its alternates."""
    roles = [rules.focal_point]
    alternate = rules.provision("roles")["alternate"]
    if alternate in rules.standing_roles() and alternate not in roles:
        roles.append(alternate)
    return roles


def is_voice(op: Operation) -> bool:
    person = op.actor.person
    return (person is not None and person.org.kind == "member"
            and bool(op.actor.roles & set(voice_roles(op.rules))))


def voices(rules: Rules, org_ids: Any = None) -> Select[tuple[Person]]:
    """The people who speak for member organisations (of `org_ids` alone, when given), not removed."""
    query = (select(Person).join(PersonRole).join(Organisation, Person.org_id == Organisation.id)
             .where(PersonRole.role.in_(voice_roles(rules)), Organisation.kind == "member", Person.removed_at.is_(None)))
    if org_ids is not None:
        query = query.where(Person.org_id.in_(org_ids))
    return query.distinct()


def members(session: Session, procedure: WrittenProcedure) -> list[Organisation]:
    """The member organisations the procedure was put to: those that were members when it opened."""
    query = select(Organisation).where(Organisation.kind == "member").order_by(Organisation.code)
    if procedure.opened_at is not None:
        query = query.where(Organisation.created_at <= procedure.opened_at)
    return list(session.scalars(query))


def positions(session: Session, procedure: WrittenProcedure, current: bool = True) -> list[WrittenPosition]:
    """The positions that count (one per member, its latest), or with `current=False` the earlier ones it replaced."""
    condition = WrittenPosition.superseded_at.is_(None) if current else WrittenPosition.superseded_at.is_not(None)
    return list(session.scalars(select(WrittenPosition).where(WrittenPosition.procedure_id == procedure.id, condition)
                                .order_by(WrittenPosition.at, WrittenPosition.id)))


def objections(session: Session, procedure: WrittenProcedure) -> list[WrittenObjection]:
    return list(session.scalars(select(WrittenObjection).where(WrittenObjection.procedure_id == procedure.id)
                                .order_by(WrittenObjection.id)))


def reservations(session: Session, procedure: WrittenProcedure) -> list[WrittenReservation]:
    return list(session.scalars(select(WrittenReservation).where(WrittenReservation.procedure_id == procedure.id)
                                .order_by(WrittenReservation.id)))


def tally(session: Session, procedure: WrittenProcedure) -> Tally:
    put_to = {org.id for org in members(session, procedure)}
    said = [p.position for p in positions(session, procedure) if p.org_id in put_to]
    return Tally(said.count("for"), said.count("against"), said.count("abstain"), len(put_to))


def verdict(op: Operation, procedure: WrittenProcedure) -> tuple[Tally, Verdict]:
    rules = op.rules
    counted = tally(op.session, procedure)
    return counted, count(counted, rules.provision("decisions")["majority"], provision(rules)["majority_of"],
                          rules.provision("decisions")["quorum_fraction"])


def notice(session: Session, procedure: WrittenProcedure) -> list[dict[str, Any]]:
    """Proof of notice, per member: the letters that told it of the procedure and whether one was delivered.

    A member is notified when a letter to one of its people was handed to the mail server (outbox status sent).
    """
    rows = session.execute(
        select(Person.org_id, Person.handle, OutboxMessage.status, OutboxMessage.template)
        .join(Person, OutboxMessage.person_id == Person.id)
        .where(OutboxMessage.ref == procedure.ref, OutboxMessage.template.in_(NOTICE_TEMPLATES))
        .order_by(OutboxMessage.id)).all()
    letters: dict[int, list[dict[str, str]]] = {}
    for org_id, handle, status, _template in rows:
        letters.setdefault(org_id, []).append({"to": handle, "status": status})
    return [{"org": org.code, "delivered": any(letter["status"] == "sent" for letter in letters.get(org.id, [])),
             "letters": letters.get(org.id, [])}
            for org in members(session, procedure)]


def unnotified(session: Session, procedure: WrittenProcedure) -> list[str]:
    """The members none of whose notice letters was delivered."""
    return [row["org"] for row in notice(session, procedure) if not row["delivered"]]


def open_count(session: Session, document_id: int, states: tuple[str, ...]) -> int:
    return session.scalar(select(func.count()).select_from(WrittenProcedure)
                          .where(WrittenProcedure.document_id == document_id, WrittenProcedure.state.in_(states))) or 0
