"""Cadence: the meetings the rules require, planned as follow-up actions when a meeting closes, done when convened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from governance.clock import add_months
from governance.store.models import Action, Meeting, Organisation
from governance.workflows.records import COMPLETE

if TYPE_CHECKING:
    from governance.service.context import Operation
    from governance.service.effects import Workflow


def plan(op: Operation, meeting: Meeting, workflow: Workflow) -> list[Action]:
    """After a meeting closes: the next one of its kind due `every_months` later; after the general meeting (the kind
    the rules mark general = true), one of each kind marked between_general halfway."""
    rules = op.rules
    secretariat = op.session.scalar(select(Organisation).where(Organisation.kind == "secretariat").order_by(Organisation.id).limit(1))
    if secretariat is None:
        return []
    closed = op.now
    every = rules.provision(f"meetings.{meeting.kind}")["every_months"]
    wanted: list[tuple[str, int, str]] = []
    if every:
        wanted.append((meeting.kind, every, rules.provision(f"meetings.{meeting.kind}").cite()))
        if meeting.kind == rules.general_meeting():
            for kind in rules.meeting_kinds():
                provision = rules.provision(f"meetings.{kind}")
                if provision["between_general"]:
                    wanted.append((kind, every // 2, provision.cite()))
    made = []
    for kind, months, article in sorted(wanted, key=lambda w: w[1]):
        title = rules.provision(f"meetings.{kind}")["title"] or kind.replace("_", " ")
        action = Action(title=f"Hold the next {title.lower()}", owner_org_id=secretariat.id, due=add_months(closed, months, rules.zone),
                        source_ref=f"{meeting.ref} ({article})", satisfied_by=kind, created_at=op.now)
        action.owner = secretariat
        workflow.enter_initial(op, action, {"title": action.title, "owner": secretariat.code, "due": action.due,
                                          "source": meeting.ref, "satisfied_by": kind}, reason=f"required after {meeting.ref} closed")
        made.append(action)
    return made


def satisfy(op: Operation, meeting: Meeting, workflow: Workflow) -> list[Action]:
    """Convening a meeting completes the follow-ups waiting for a meeting of its kind (those `complete` can leave)."""
    complete = op.instance.workflows["action"].triggers[COMPLETE]
    waiting = op.session.scalars(select(Action).where(Action.satisfied_by == meeting.kind, Action.state.in_(complete.sources))
                                 .order_by(Action.due)).all()
    done = []
    for action in waiting:
        late = "" if op.now <= action.due else " (late)"
        workflow.apply(op, action, complete, reason=f"{meeting.ref} convened{late}")
        done.append(action)
    return done
