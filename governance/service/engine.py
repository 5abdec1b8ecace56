"""The one path for every state change: roles, state, guards, approval, transition, effects, audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from governance.errors import BadInput, Conflict, NotAllowedNow, NotPermitted
from governance.service import audiences, audit, outbox
from governance.service.effects import Step
from governance.service.guards import Check, Votes, first_failure
from governance.store.models import Deadline
from governance.workflows.machine import fire
from governance.workflows.registry import SYSTEM_ROLE
from governance.workflows.spec import TriggerSpec, WorkflowSpec


@dataclass(frozen=True)
class Outcome:
    ref: str
    state: str
    pending_approval: dict[str, str] | None
    from_state: str
    trigger: str


def spec_of(op: Any, record: Any) -> WorkflowSpec:
    return op.instance.workflows[record.kind_name]


def find_trigger(spec: WorkflowSpec, record: Any, name: str) -> TriggerSpec:
    trigger = spec.triggers.get(name)
    if trigger is None:
        from difflib import get_close_matches

        close = get_close_matches(name, list(spec.triggers), n=1)
        article = "an" if spec.record[:1] in "aeiou" else "a"
        raise BadInput(
            f"{article} {spec.record} has no trigger {name!r} (its triggers: {', '.join(spec.triggers)})",
            hint=f"gov advance {record.ref} {close[0]}" if close else f"gov show {record.ref}",
        )
    return trigger


def advance(op: Any, record: Any, name: str, reason: str | None = None, votes: Votes | None = None,
            expect_version: int | None = None, rule: str | None = None) -> Outcome:
    """Fire `name` on `record` as the operation's actor: now, or as a request awaiting approval."""
    spec = spec_of(op, record)
    trigger = find_trigger(spec, record, name)
    roles = op.actor.roles_for(record)
    if not trigger.allows(roles):
        raise NotPermitted(
            f"{_who(op)} may not {name} {record.ref}: only {_roles_text(trigger.roles, op.rules)} may",
            rule=trigger.article or spec.article or None, hint=f"gov show {record.ref} (what you may do)",
        )
    check_version(record, expect_version)
    _check_state(spec, record, trigger)
    if trigger.reason_required and not (reason and reason.strip()):
        raise BadInput(f"to {name} {record.ref}, say why with --reason")
    _check_guards(op, spec, record, trigger, votes)
    if trigger.approval and trigger.approval not in roles and SYSTEM_ROLE not in roles:
        return _request_approval(op, record, trigger, reason)
    return apply(op, record, trigger, reason, votes=votes, rule=rule)


def apply(op: Any, record: Any, trigger: TriggerSpec, reason: str | None, votes: Votes | None = None,
          detail: dict[str, Any] | None = None, rule: str | None = None) -> Outcome:
    """Run the transition through the workflow's Machine and everything it brings, into the operation."""
    spec = spec_of(op, record)
    source = record.state
    step = Step(op, record, source, scope=trigger.dest, reason=reason)

    def after_state_change(_event: Any) -> None:
        _cancel_rows(op, record, source)
        step.run(spec.states[trigger.dest].on_enter)
        step.run(trigger.effects)

    fire(spec, record, trigger.name, after_state_change)
    if record.pending_trigger == trigger.name or (record.pending_trigger and record.state != source):
        _clear_pending(record)
    info = dict(detail or {})
    if votes is not None:
        info["votes"] = {"for": votes.in_favour, "against": votes.against, "abstaining": votes.abstaining}
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, trigger.name, source, record.state, reason,
                                rule or trigger.article or spec.article or None, info or None))
    return Outcome(record.ref, record.state, pending_view(record), source, trigger.name)


def enter_initial(op: Any, record: Any, detail: dict[str, Any] | None = None, reason: str | None = None,
                  state: str | None = None) -> None:
    """A new record enters its workflow's initial state (or `state`): its on_enter effects run, the creation is audited."""
    spec = spec_of(op, record)
    record.state = state or spec.initial
    op.session.add(record)
    op.session.flush()  # the record needs its id (and so its ref) before rows can point to it
    Step(op, record, None, scope=record.state, reason=reason).run(spec.states[record.state].on_enter)
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, "create", None, record.state, reason, spec.article or None, detail))


def reenter(op: Any, record: Any, what: str, detail: dict[str, Any]) -> None:
    """The record's times moved: the rows of its state are recomputed from the rules, the change audited."""
    spec = spec_of(op, record)
    _cancel_rows(op, record, record.state)
    Step(op, record, None, scope=record.state).run(spec.states[record.state].on_enter)
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, what, record.state, record.state, None, spec.article or None, detail))


def check_version(record: Any, expect_version: int | None) -> None:
    """Optimistic concurrency for people: acting on what they saw, not on what someone else made of it since."""
    if expect_version is not None and record.version != expect_version:
        raise Conflict(f"{record.ref} changed by someone else, nothing written (it is at version {record.version}, you expected {expect_version})")


def approve(op: Any, record: Any, reason: str | None, expect_version: int | None = None) -> Outcome:
    spec = spec_of(op, record)
    check_version(record, expect_version)
    if not record.pending_trigger:
        raise NotAllowedNow(f"nothing on {record.ref} waits for approval", hint="gov approvals")
    trigger = spec.triggers[record.pending_trigger]
    _check_approver(op, record, trigger, "approve")
    _check_state(spec, record, trigger)
    _check_guards(op, spec, record, trigger, None)
    requested = {"requested_by": record.pending_by, "request_reason": record.pending_reason, "approved_by": op.actor.handle}
    return apply(op, record, trigger, reason or record.pending_reason, detail=requested)


def reject(op: Any, record: Any, reason: str, expect_version: int | None = None) -> Outcome:
    spec = spec_of(op, record)
    check_version(record, expect_version)
    if not record.pending_trigger:
        raise NotAllowedNow(f"nothing on {record.ref} waits for approval", hint="gov approvals")
    trigger = spec.triggers[record.pending_trigger]
    _check_approver(op, record, trigger, "reject")
    requester = record.pending_by
    _clear_pending(record)
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, f"reject:{trigger.name}", record.state, record.state, reason,
                                trigger.article or spec.article or None, {"requested_by": requester}))
    if requester:
        from sqlalchemy import select

        from governance.store.models import Person

        person = op.session.scalar(select(Person).where(Person.handle == requester))
        if person is not None and person.removed_at is None:  # a person removed since gets no more letters
            step = Step(op, record, record.state, record.state, reason,
                        {"approval": {"trigger": trigger.name, "description": trigger.description, "requested_by": requester}})
            outbox.queue(op, [person], "approval_refused", step.context(), record.ref)
    return Outcome(record.ref, record.state, None, record.state, f"reject:{trigger.name}")


def allowed_triggers(op: Any, record: Any) -> list[str]:
    """Triggers the actor may fire on the record now: roles, state and guards all permit."""
    spec = spec_of(op, record)
    roles = op.actor.roles_for(record)
    names = []
    for trigger in spec.triggers_from(record.state):
        if not trigger.allows(roles) or record.pending_trigger == trigger.name:
            continue
        if first_failure(Check(op, record, preview=True), trigger.guards, record.state, None) is None:
            names.append(trigger.name)
    return names


def pending_view(record: Any) -> dict[str, str] | None:
    if not record.pending_trigger:
        return None
    return {"trigger": record.pending_trigger, "by": record.pending_by or ""}


# -- the checks -----------------------------------------------------------------------------

def _check_state(spec: WorkflowSpec, record: Any, trigger: TriggerSpec) -> None:
    if record.state not in trigger.sources:
        allowed = [t.name for t in spec.triggers_from(record.state)]
        hint = f"from {record.state} it can: {', '.join(allowed)}" if allowed else f"{record.state} is a final state"
        raise NotAllowedNow(
            f"{record.ref} is {record.state.replace('_', ' ')}; {trigger.name} works only from {' or '.join(trigger.sources)} ({hint})",
            rule=trigger.article or spec.article or None,
        )


def _check_guards(op: Any, spec: WorkflowSpec, record: Any, trigger: TriggerSpec, votes: Votes | None) -> None:
    failure = first_failure(Check(op, record, votes), trigger.guards, record.state, trigger.article or spec.article or None)
    if failure:
        raise NotAllowedNow(f"cannot {trigger.name} {record.ref}: {failure.message}", rule=failure.rule)


def _check_approver(op: Any, record: Any, trigger: TriggerSpec, verb: str) -> None:
    approver = trigger.approval or op.rules.approver
    if approver not in op.actor.roles_for(record):
        raise NotPermitted(f"{_who(op)} may not {verb} {trigger.name} on {record.ref}: only the {approver} may")


def _request_approval(op: Any, record: Any, trigger: TriggerSpec, reason: str | None) -> Outcome:
    if record.pending_trigger:
        raise NotAllowedNow(f"{record.ref} already waits for the {trigger.approval}'s approval of {record.pending_trigger}")
    record.pending_trigger = trigger.name
    record.pending_by = op.actor.handle
    record.pending_reason = reason
    record.pending_at = op.now
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, f"request:{trigger.name}", record.state, record.state, reason,
                                trigger.article or None, {"approval": trigger.approval}))
    approvers = audiences.people(op, record, [trigger.approval]) if audiences.known(op.rules, trigger.approval) else []
    step = Step(op, record, record.state, record.state, reason,
                {"approval": {"trigger": trigger.name, "description": trigger.description, "requested_by": op.actor.display}})
    outbox.queue(op, approvers, "approval_requested", step.context(), record.ref)
    return Outcome(record.ref, record.state, pending_view(record), record.state, f"request:{trigger.name}")


def _clear_pending(record: Any) -> None:
    record.pending_trigger = None
    record.pending_by = None
    record.pending_reason = None
    record.pending_at = None


def _cancel_rows(op: Any, record: Any, left_state: str) -> None:
    """Rows a state wrote stop applying when the record leaves it (a done action is never reminded)."""
    op.deadlines[:] = [d for d in op.deadlines if not (d["ref"] == record.ref and d["scope"] == left_state)]
    if op.dry_run:
        from sqlalchemy import select

        rows = op.session.execute(select(Deadline.name, Deadline.due).where(
            Deadline.ref == record.ref, Deadline.scope == left_state, Deadline.status == "pending")).all()
        op.cancelled.extend((record.ref, r.name, r.due) for r in rows)
    op.session.execute(
        update(Deadline)
        .where(Deadline.ref == record.ref, Deadline.scope == left_state, Deadline.status == "pending")
        .values(status="cancelled", outcome=f"left {left_state}", fired_at=op.now)
        .execution_options(synchronize_session=False)  # no Deadline objects are held in the session to keep in step
    )


def _who(op: Any) -> str:
    roles = sorted(op.actor.roles - {SYSTEM_ROLE}) if op.actor.person else ["system"]
    return f"{op.actor.handle} ({', '.join(roles) or 'no role'})"


def _roles_text(roles: tuple[str, ...], rules: Any) -> str:
    shown = [r for r in roles if r != SYSTEM_ROLE] or list(roles)
    return " or ".join(f"the {r}" if audiences.singular(rules, r) else f"a {r.replace('_', ' ')}" for r in shown)
