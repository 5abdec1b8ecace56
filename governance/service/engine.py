"""The one path for every state change: roles, state, guards, approval, transition, effects, audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from transitions import EventData

from governance.errors import BadInput, Conflict, NotAllowedNow, NotPermitted
from governance.hints import Hint
from governance.service import audiences, audit, outbox
from governance.service import effects
from governance.service.effects import Step
from governance.service.guards import Check, Failure, Votes, first_failure
from governance.service.context import Operation
from governance.store.models import Deadline, WorkflowRecord
from governance.workflows.machine import Callback, Condition, Hooks, WorkflowMachine
from governance.workflows.registry import SYSTEM_ROLE
from governance.workflows.spec import EffectUse, GuardUse, TriggerSpec, WorkflowSpec


# The key of Operation.memo under which a batch of due rows gathers the rows to cancel at its end (see _cancel_rows).
CANCEL_LATER = "cancel_later"
_ROWS = Deadline.__table__
_CANCEL_GATHERED = (update(_ROWS).where(_ROWS.c.ref == bindparam("b_ref"), _ROWS.c.scope == bindparam("b_scope"), _ROWS.c.status == "pending")
                    .values(status="cancelled", outcome=bindparam("b_outcome"), fired_at=bindparam("b_at")))


@dataclass(frozen=True)
class Outcome:
    ref: str
    state: str
    pending_approval: dict[str, str] | None
    from_state: str
    trigger: str


@dataclass
class Passage:
    """One step's context, handed to the Machine as the keyword `passage` and read back by its callbacks."""

    step: Step
    check: Check  # what the guards see
    detail: dict[str, Any] | None = None  # for the audit entry (who requested and approved)
    rule: str | None = None
    failure: Failure | None = None  # the guard that refused, with its article


def spec_of(op: Operation, record: WorkflowRecord) -> WorkflowSpec:
    return op.instance.workflows[record.kind_name]


def machine_of(op: Operation, record: WorkflowRecord) -> WorkflowMachine:
    return op.instance.machines[record.kind_name]


def build_machines(workflows: dict[str, WorkflowSpec]) -> dict[str, WorkflowMachine]:
    """One Machine per workflow, wired to the named guards and effects and to the engine's own bookkeeping."""
    return {kind: WorkflowMachine(spec, _hooks(spec)) for kind, spec in workflows.items()}


def _hooks(spec: WorkflowSpec) -> Hooks:
    def guard(trigger: TriggerSpec, use: GuardUse) -> Condition:
        cited = trigger.article or spec.article or None

        def passes(event: EventData) -> bool:
            passage: Passage = event.kwargs["passage"]
            # A condition can only say no; why, and under which article, is kept for the refusal the engine words.
            passage.failure = first_failure(passage.check, (use,), event.transition.source, cited)
            return passage.failure is None

        return passes

    def effect(use: EffectUse) -> Callback:
        def run(event: EventData) -> None:
            event.kwargs["passage"].step.run((use,))

        return run

    def leave(event: EventData) -> None:
        _cancel_rows(event.kwargs["passage"].step.op, event.model, event.state.name)

    def changed(event: EventData) -> None:
        passage: Passage = event.kwargs["passage"]
        op, record, trigger, source = passage.step.op, event.model, spec.triggers[event.event.name], event.transition.source
        if record.pending_trigger == trigger.name or (record.pending_trigger and record.state != source):
            _clear_pending(record)
        info = dict(passage.detail or {})
        votes = passage.check.votes
        if votes is not None:
            info["votes"] = {"for": votes.in_favour, "against": votes.against, "abstaining": votes.abstaining}
        op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, trigger.name, source, record.state, passage.step.reason,
                                    passage.rule or trigger.article or spec.article or None, info or None))

    return Hooks(guard, effect, leave, changed)


def find_trigger(spec: WorkflowSpec, record: WorkflowRecord, name: str) -> TriggerSpec:
    trigger = spec.triggers.get(name)
    if trigger is None:
        from difflib import get_close_matches

        close = get_close_matches(name, list(spec.triggers), n=1)
        article = "an" if spec.record[:1] in "aeiou" else "a"
        raise BadInput(
            f"{article} {spec.record} has no trigger {name!r} (its triggers: {', '.join(spec.triggers)})",
            hint=Hint("advance", record.ref, close[0]) if close else Hint("show", record.ref),
        )
    return trigger


def advance(op: Operation, record: WorkflowRecord, name: str, reason: str | None = None, votes: Votes | None = None,
            expect_version: int | None = None, rule: str | None = None) -> Outcome:
    """Fire `name` on `record` as the operation's actor: now, or as a request awaiting approval."""
    spec = spec_of(op, record)
    trigger = find_trigger(spec, record, name)
    roles = op.actor.roles_for(record)
    # Roles are the engine's: transitions has no notion of who fires a trigger, and the refusal names the roles.
    if not trigger.allows(roles):
        raise NotPermitted(
            f"{_who(op)} may not {name} {record.ref}: only {_roles_text(trigger.roles, op.rules)} may",
            rule=trigger.article or spec.article or None, hint=Hint("show", record.ref, why="what you may do"),
        )
    check_version(record, expect_version)
    machine = machine_of(op, record)
    _check_state(machine, record, trigger)
    if trigger.reason_required and not (reason and reason.strip()):
        raise BadInput(f"to {name} {record.ref}, say why with --reason")
    if trigger.approval and trigger.approval not in roles and SYSTEM_ROLE not in roles:
        # A step awaiting approval does not run yet, but its guards must hold now: the Machine evaluates its
        # conditions without moving (`may`); the request itself (a pending mark, a letter) is the engine's.
        passage = Passage(Step(op, record, record.state, trigger.dest, reason), Check(op, record, votes))
        if not machine.may(record, trigger.name, passage=passage):
            raise _refusal(record, trigger, passage)
        return _request_approval(op, record, trigger, reason)
    return apply(op, record, trigger, reason, votes=votes, rule=rule)


def apply(op: Operation, record: WorkflowRecord, trigger: TriggerSpec, reason: str | None, votes: Votes | None = None,
          detail: dict[str, Any] | None = None, rule: str | None = None) -> Outcome:
    """Fire the transition through the workflow's Machine: its guards as conditions, then its effects, then the audit.

    The Machine leaves the source state (its rows cancelled), enters the destination (its on_enter effects), runs
    the trigger's effects (after) and the engine's bookkeeping (after_state_change), all into the operation.
    """
    source = record.state
    passage = Passage(Step(op, record, source, scope=trigger.dest, reason=reason), Check(op, record, votes), detail, rule)
    if not machine_of(op, record).fire(record, trigger.name, passage=passage):
        raise _refusal(record, trigger, passage)
    return Outcome(record.ref, record.state, pending_view(record), source, trigger.name)


def enter_initial(op: Operation, record: WorkflowRecord, detail: dict[str, Any] | None = None, reason: str | None = None,
                  state: str | None = None) -> None:
    """A new record enters its workflow's initial state (or `state`): its on_enter effects run, the creation is audited."""
    spec = spec_of(op, record)
    record.state = state or spec.initial
    op.session.add(record)
    op.session.flush()  # the record needs its id (and so its ref) before rows can point to it
    machine_of(op, record).enter(record, passage=Passage(Step(op, record, None, scope=record.state, reason=reason), Check(op, record)))
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, "create", None, record.state, reason, spec.article or None, detail))


def reenter(op: Operation, record: WorkflowRecord, what: str, detail: dict[str, Any]) -> None:
    """The record's times moved: the rows of its state are recomputed from the rules, the change audited."""
    spec = spec_of(op, record)
    machine_of(op, record).reenter(record, passage=Passage(Step(op, record, None, scope=record.state), Check(op, record)))
    op.audit.append(audit.entry(op.now, op.actor.handle, record.ref, what, record.state, record.state, None, spec.article or None, detail))


def check_version(record: WorkflowRecord, expect_version: int | None) -> None:
    """Optimistic concurrency for people: acting on what they saw, not on what someone else made of it since."""
    if expect_version is not None and record.version != expect_version:
        raise Conflict(f"{record.ref} changed by someone else, nothing written (it is at version {record.version}, you expected {expect_version})")


def _awaiting(op: Operation, record: WorkflowRecord, expect_version: int | None, verb: str) -> TriggerSpec:
    """The trigger waiting on `record` for this actor's approval (or rejection), or the refusal saying why not."""
    check_version(record, expect_version)
    if not record.pending_trigger:
        raise NotAllowedNow(f"nothing on {record.ref} waits for approval", hint=Hint("approvals"))
    trigger = spec_of(op, record).triggers[record.pending_trigger]
    _check_approver(op, record, trigger, verb)
    return trigger


def approve(op: Operation, record: WorkflowRecord, reason: str | None, expect_version: int | None = None) -> Outcome:
    trigger = _awaiting(op, record, expect_version, "approve")
    _check_state(machine_of(op, record), record, trigger)
    requested = {"requested_by": record.pending_by, "request_reason": record.pending_reason, "approved_by": op.actor.handle}
    return apply(op, record, trigger, reason or record.pending_reason, detail=requested)


def reject(op: Operation, record: WorkflowRecord, reason: str, expect_version: int | None = None) -> Outcome:
    spec = spec_of(op, record)
    trigger = _awaiting(op, record, expect_version, "reject")
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


def allowed_triggers(op: Operation, record: WorkflowRecord) -> list[str]:
    """Triggers the actor may fire on the record now: roles, state and guards all permit."""
    spec = spec_of(op, record)
    machine = machine_of(op, record)
    roles = op.actor.roles_for(record)
    passage = Passage(Step(op, record, record.state, record.state), Check(op, record, preview=True))
    names = []
    for name in machine.get_triggers(record.state):
        trigger = spec.triggers[name]
        if not trigger.allows(roles) or record.pending_trigger == name:
            continue
        if machine.may(record, name, passage=passage):
            names.append(name)
    return names


def pending_view(record: WorkflowRecord) -> dict[str, str] | None:
    if not record.pending_trigger:
        return None
    return {"trigger": record.pending_trigger, "by": record.pending_by or ""}


# -- the refusals: transitions answers yes or no, the engine says why and under which article --------

def _check_state(machine: WorkflowMachine, record: WorkflowRecord, trigger: TriggerSpec) -> None:
    # Asked of the Machine before firing: its own MachineError names neither the record nor what it can do instead.
    available = machine.get_triggers(record.state)
    if trigger.name not in available:
        hint = f"from {record.state} it can: {', '.join(available)}" if available else f"{record.state} is a final state"
        raise NotAllowedNow(
            f"{record.ref} is {record.state.replace('_', ' ')}; {trigger.name} works only from {' or '.join(trigger.sources)} ({hint})",
            rule=trigger.article or machine.spec.article or None,
        )


def _refusal(record: WorkflowRecord, trigger: TriggerSpec, passage: Passage) -> NotAllowedNow:
    if passage.failure is None:  # the state was checked first, so only a condition can refuse
        raise RuntimeError(f"{trigger.name} did not run from {record.state}")
    return NotAllowedNow(f"cannot {trigger.name} {record.ref}: {passage.failure.message}", rule=passage.failure.rule)


def _check_approver(op: Operation, record: WorkflowRecord, trigger: TriggerSpec, verb: str) -> None:
    approver = trigger.approval or op.rules.approver
    if approver not in op.actor.roles_for(record):
        raise NotPermitted(f"{_who(op)} may not {verb} {trigger.name} on {record.ref}: only the {approver} may")


def _request_approval(op: Operation, record: WorkflowRecord, trigger: TriggerSpec, reason: str | None) -> Outcome:
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


def _clear_pending(record: WorkflowRecord) -> None:
    record.pending_trigger = None
    record.pending_by = None
    record.pending_reason = None
    record.pending_at = None


def _cancel_rows(op: Operation, record: WorkflowRecord, left_state: str) -> None:
    """Rows a state wrote stop applying when the record leaves it (a done action is never reminded).

    A batch of due rows (service/tick.py) gathers them under CANCEL_LATER and cancels them all in one statement at
    its end, knowing meanwhile which of its own rows they are.
    """
    ref = record.ref
    if op.deadlines:
        op.deadlines[:] = [d for d in op.deadlines if not (d["scope"] == left_state and d["ref"] == ref)]
    later = op.memo.get(CANCEL_LATER)
    if later is not None:
        later.append({"b_ref": ref, "b_scope": left_state, "b_outcome": f"left {left_state}", "b_at": op.now})
        return
    if op.dry_run:
        from sqlalchemy import select

        rows = op.session.execute(select(Deadline.name, Deadline.due).where(
            Deadline.ref == ref, Deadline.scope == left_state, Deadline.status == "pending")).all()
        op.cancelled.extend((ref, r.name, r.due) for r in rows)
    op.session.execute(
        update(Deadline)
        .where(Deadline.ref == ref, Deadline.scope == left_state, Deadline.status == "pending")
        .values(status="cancelled", outcome=f"left {left_state}", fired_at=op.now)
        .execution_options(synchronize_session=False)  # no Deadline objects are held in the session to keep in step
    )


def cancel_gathered(op: Operation) -> None:
    """Cancel, in one statement, the rows gathered under CANCEL_LATER (a batch's records left their states), and stop
    gathering: rows records leave from now on are cancelled at once."""
    gathered = op.memo.pop(CANCEL_LATER, None)
    if gathered:
        op.session.connection().execute(_CANCEL_GATHERED, gathered)


def _who(op: Operation) -> str:
    roles = sorted(op.actor.roles - {SYSTEM_ROLE}) if op.actor.person else ["system"]
    return f"{op.actor.handle} ({', '.join(roles) or 'no role'})"


def _roles_text(roles: tuple[str, ...], rules: Any) -> str:
    shown = [r for r in roles if r != SYSTEM_ROLE] or list(roles)
    return " or ".join(f"the {r}" if audiences.singular(rules, r) else f"a {r.replace('_', ' ')}" for r in shown)


class _Port:
    """What effects may ask of the engine (effects.Workflow): create a record, fire a trigger by a rule."""

    enter_initial = staticmethod(enter_initial)
    apply = staticmethod(apply)


effects.connect(_Port())
