"""Succession: who holds an office next under the rules, who holds its powers now (vacancies included)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from governance.clock import iso
from governance.rules import Rules
from governance.store.models import Organisation, PersonRole, Person, Term
from governance.workflows.records import TERM_STATES


def latest_term(session: Session, office: str, states: tuple[str, ...]) -> Term | None:
    return session.scalars(select(Term).where(Term.office == office, Term.state.in_(states)).order_by(Term.end.desc()).limit(1)).first()


def holder_orgs(session: Session, rules: Rules, office: str) -> tuple[list[int], str]:
    """Organisations whose people have the office's powers now, and how: 'term', 'outgoing' or 'secretariat'."""
    active = list(session.scalars(select(Term.org_id).where(Term.office == office, Term.state.in_(TERM_STATES.holding))))
    if active:
        return active, "term"
    last = latest_term(session, office, TERM_STATES.ended)
    if last is None:
        return [], "none"
    if rules.provision(f"offices.{office}")["vacancy"] == "outgoing_continues":
        return [last.org_id], "outgoing"
    return [], "secretariat"


# What a query of the person may already say of an office's active terms (service/actors.py asks it with the person):
# one is held by the person's organisation, or only by others; None: no term of it is active.
HOLDS, OTHERS = 2, 1


def office_roles(session: Session, rules: Rules, person: Person, held: dict[str, int | None] | None = None) -> set[str]:
    """The offices whose powers a person has now: by their organisation's term, or by the vacancy rule.

    `held`, by office, what is known already of its active terms (HOLDS, OTHERS or None): the terms are not asked
    again, and the vacancy rule is read only for an office none of whose terms is active."""
    roles: set[str] = set()
    standing = {r.role for r in person.roles}
    for office in rules.offices():
        if held is not None and held.get(office) is not None:
            if held[office] == HOLDS:
                roles.add(office)
            continue
        orgs, how = holder_orgs(session, rules, office)
        if person.org_id in orgs or (how == "secretariat" and rules.secretariat in standing):
            roles.add(office)
    return roles


def holders_query(session: Session, rules: Rules, office: str) -> Any:
    """People who hold the office's powers now (the audience of letters to the chair)."""
    orgs, how = holder_orgs(session, rules, office)
    if how == "secretariat":
        return select(Person).join(PersonRole).where(PersonRole.role == rules.secretariat)
    return select(Person).where(Person.org_id.in_(orgs))


def vacancy(session: Session, rules: Rules, office: str) -> dict[str, Any] | None:
    """When no term is active: since when, and who acts under the rules."""
    orgs, how = holder_orgs(session, rules, office)
    if how in ("term", "none"):
        return None
    last = latest_term(session, office, TERM_STATES.ended)
    acting = session.get(Organisation, orgs[0]).code if orgs else "the secretariat"
    return {"office": office, "since": last.end if last else None, "rule": rules.provision(f"offices.{office}")["vacancy"],
            "acting": acting, "article": rules.provision(f"offices.{office}").cite()}


def candidates(session: Session, rules: Rules, office: str) -> dict[str, Any]:
    """Who holds the office next under the rules, and why."""
    provision = rules.provision(f"offices.{office}")
    cite = provision.cite()
    zone = rules.zone
    designated = latest_term(session, office, TERM_STATES.waiting)
    last = latest_term(session, office, TERM_STATES.holding + TERM_STATES.ended)
    rotation = provision["rotation"]
    if designated is not None:
        return {"office": office, "next": [designated.org.code], "rotation": rotation,
                "reason": f"{designated.org.code} is already designated ({designated.ref}) from {iso(designated.start, zone)}", "rule": cite}
    ends = f", whose term ends {iso(last.end, zone)}" if last and last.state in TERM_STATES.holding else (
        f", whose term ended {iso(last.end, zone)}" if last else "")
    if rotation == "designation":
        holder = f"after {last.org.code}{ends}" if last else "for the first term"
        due = f"; the designation is due by {iso(last.end, zone)}" if last and last.state in TERM_STATES.holding else ""
        return {"office": office, "next": [], "rotation": rotation,
                "reason": f"the {office} is designated by a general meeting {holder}; the rules name no successor by rotation{due}", "rule": cite}
    if rotation == "order":
        order = list(provision["order"])
        if last is None or last.org.code not in order:
            nxt, why = order[0], f"the order in the rules starts with {order[0]}"
        else:
            nxt = order[(order.index(last.org.code) + 1) % len(order)]
            why = f"{nxt} follows {last.org.code} in the order of the rules{ends}"
        return {"office": office, "next": [nxt], "rotation": rotation, "reason": f"{why}", "rule": cite}
    groups = list(provision["groups"])
    last_group = last.org.group if last else None
    group = groups[(groups.index(last_group) + 1) % len(groups)] if last_group in groups else groups[0]
    members = session.scalars(select(Organisation.code).where(Organisation.kind == "member", Organisation.group == group)
                              .order_by(Organisation.code)).all()
    why = (f"the office passes from the {last_group} group to the {group} group" if last_group in groups
           else f"the rotation of groups starts with the {group} group")
    return {"office": office, "next": list(members), "rotation": rotation, "group": group, "reason": f"{why}{ends}", "rule": cite}
