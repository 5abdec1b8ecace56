"""Who is acting and which roles they hold: standing roles, offices held, and roles tied to a record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from governance.errors import BadInput
from governance.rules import Rules
from governance.store.models import Person
from governance.workflows import records
from governance.workflows.registry import SYSTEM_ROLE


@dataclass(frozen=True)
class Actor:
    handle: str
    person: Person | None
    roles: frozenset[str]

    @property
    def org_id(self) -> int | None:
        return self.person.org_id if self.person else None

    @property
    def display(self) -> str:
        return self.person.name if self.person else "the governance engine"

    def roles_for(self, record: object) -> frozenset[str]:
        """The actor's roles, plus those the record gives (owner of an action, holder of a term)."""
        if self.person is None:
            return self.roles
        gives = records.of_model(type(record)).gives
        extra = {role for role, attribute in gives.items() if getattr(record, attribute) == self.person.org_id}
        return self.roles | extra if extra else self.roles


SYSTEM = Actor(SYSTEM_ROLE, None, frozenset({SYSTEM_ROLE}))
NOBODY = Actor("", None, frozenset())  # reads without --as: sees everything, may do nothing


def resolve_actor(session: Session, handle: str | None, rules: Rules) -> Actor:
    if not handle:
        raise BadInput("no one is acting: pass --as HANDLE (or set GOV_ACTOR)")
    from governance.service.lookup import CODE

    found = _person_with_roles(session, handle, rules.offices()) if CODE.match(handle) else None
    if found is None:
        raise BadInput(f"no person has the handle {handle!r} (see `gov person add`)")
    person, held = found
    if person.removed_at is not None:
        from governance.clock import shown
        from governance.errors import NotPermitted

        raise NotPermitted(f"{handle} was removed on {shown(person.removed_at, rules.zone)}: a person removed can no longer act "
                           f"(their history is kept; see gov person list)")
    from governance.service.succession import office_roles

    return Actor(handle, person, frozenset(person.role_names | office_roles(session, rules, person, held)))


def _person_with_roles(session: Session, handle: str, offices: tuple[str, ...]) -> tuple[Person, dict[str, int | None]] | None:
    """The person, their standing roles and, for each office, whether their organisation holds an active term of it
    (succession.HOLDS, OTHERS, or None when no term of it is active), in one query: the roles joined, the terms asked
    in it."""
    from sqlalchemy import case, func
    from sqlalchemy.orm import contains_eager

    from governance.service.succession import HOLDS, OTHERS
    from governance.store.models import Term
    from governance.workflows.records import TERM_STATES

    held = [select(func.max(case((Term.org_id == Person.org_id, HOLDS), else_=OTHERS)))
            .where(Term.office == office, Term.state.in_(TERM_STATES.holding)).scalar_subquery() for office in offices]
    rows = session.execute(select(Person, *held).outerjoin(Person.roles).options(contains_eager(Person.roles))
                           .where(Person.handle == handle)).unique().all()
    if not rows:
        return None
    return rows[0][0], dict(zip(offices, rows[0][1:]))

