"""The workflow Machine: transitions decides what fires, in which order the callbacks run, and binds nothing onto records."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from transitions import EventData

from governance.config import shipped_defaults
from governance.mail.render import template_names
from governance.rules import load_rules
from governance.workflows import EffectUse, GuardUse, StateSpec, TriggerSpec, WorkflowSpec, load_workflows
from governance.workflows.machine import Callback, Condition, Hooks, WorkflowMachine

SHIPPED = load_workflows(shipped_defaults() / "workflows", load_rules(shipped_defaults() / "rules"), template_names())


# -- a probe in place of the service: guards answer from a table, every callback writes to a log ---------------

class Probe:
    """One call's context: which guards say no, and what the Machine ran, in order."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.failing = failing
        self.log: list[tuple[Any, ...]] = []


def _probe_hooks() -> Hooks:
    def guard(trigger: TriggerSpec, use: GuardUse) -> Condition:
        def passes(event: EventData) -> bool:
            probe: Probe = event.kwargs["probe"]
            probe.log.append(("guard", trigger.name, use.name))
            return use.name not in probe.failing

        return passes

    def effect(use: EffectUse) -> Callback:
        def run(event: EventData) -> None:
            source = event.transition.source if event.transition else None
            if source is None or use.applies(source):  # as the service's Step.run filters a state's on_enter effects
                event.kwargs["probe"].log.append(("effect", id(use)))

        return run

    def leave(event: EventData) -> None:
        event.kwargs["probe"].log.append(("leave", event.state.name))

    def changed(event: EventData) -> None:
        event.kwargs["probe"].log.append(("changed", event.event.name, event.transition.source, event.model.state))

    return Hooks(guard, effect, leave, changed)


# -- the rules as the engine applied them itself before the Machine did ---------------------------------------

def _old_may(spec: WorkflowSpec, state: str, failing: frozenset[str]) -> list[str]:
    return [t.name for t in spec.triggers_from(state)
            if not any(use.applies(state) and use.name in failing for use in t.guards)]


def _old_step(spec: WorkflowSpec, state: str, name: str, failing: frozenset[str]) -> tuple[str, list[tuple[Any, ...]]]:
    """(the state after, what ran): the state check, the guards in order to the first failure, then the effects."""
    trigger = spec.triggers[name]
    if state not in trigger.sources:
        return state, []
    log: list[tuple[Any, ...]] = []
    for use in trigger.guards:
        if use.applies(state):
            log.append(("guard", name, use.name))
            if use.name in failing:
                return state, log
    log.append(("leave", state))
    log += [("effect", id(use)) for use in spec.states[trigger.dest].on_enter if use.applies(state)]
    log += [("effect", id(use)) for use in trigger.effects if use.applies(state)]
    log.append(("changed", name, state, trigger.dest))
    return trigger.dest, log


def _agree_on_a_walk(spec: WorkflowSpec, data: st.DataObject) -> None:
    machine = WorkflowMachine(spec, _probe_hooks())
    guards = sorted({use.name for t in spec.triggers.values() for use in t.guards})
    record = SimpleNamespace(state=data.draw(st.sampled_from(list(spec.states)), label="start"))
    for _ in range(data.draw(st.integers(1, 12), label="steps")):
        name = data.draw(st.sampled_from(list(spec.triggers)), label="trigger")
        failing = data.draw(st.frozensets(st.sampled_from(guards)), label="failing") if guards else frozenset()
        state = record.state
        assert machine.get_triggers(state) == [t.name for t in spec.triggers_from(state)]
        assert [n for n in machine.get_triggers(state) if machine.may(record, n, probe=Probe(failing))] == _old_may(spec, state, failing)
        after, expected = _old_step(spec, state, name, failing)
        probe = Probe(failing)
        if name in machine.get_triggers(state):  # the engine asks the Machine before firing (its refusal names the state)
            assert machine.fire(record, name, probe=probe) == (expected[-1][0] == "changed")
        assert (record.state, probe.log) == (after, expected)
    assert vars(record) == {"state": record.state}, "the Machine bound something onto the record"
    assert machine.models == []


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(sorted(SHIPPED)), data=st.data())
def test_on_the_shipped_workflows_the_machine_and_the_old_rules_agree_on_random_trigger_sequences(kind: str, data: st.DataObject) -> None:
    _agree_on_a_walk(SHIPPED[kind], data)


@st.composite
def _workflows(draw: st.DrawFn) -> WorkflowSpec:
    """Small random workflows: guards and effects limited to some source states (`from`), reflexive triggers too."""
    names = [f"s{i}" for i in range(draw(st.integers(1, 5)))]
    froms = st.one_of(st.just(()), st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True).map(tuple))

    def effects(prefix: str) -> Any:
        return st.lists(froms, max_size=3).map(lambda fs: tuple(EffectUse(f"{prefix}{i}", {}, f) for i, f in enumerate(fs)))

    states = {n: StateSpec(n, on_enter=draw(effects(f"enter_{n}_"))) for n in names}
    triggers = {}
    for i in range(draw(st.integers(1, 6))):
        guards = tuple(GuardUse(f"g{draw(st.integers(0, 3))}", {}, draw(froms)) for _ in range(draw(st.integers(0, 3))))
        triggers[f"t{i}"] = TriggerSpec(f"t{i}", tuple(draw(st.lists(st.sampled_from(names), min_size=1, unique=True))),
                                        draw(st.sampled_from(names)), ("secretariat",), guards=guards, effects=draw(effects(f"t{i}_")))
    return WorkflowSpec("probe", names[0], states, triggers)


@settings(max_examples=300, deadline=None)
@given(spec=_workflows(), data=st.data())
def test_on_random_workflows_the_machine_and_the_old_rules_agree_on_random_trigger_sequences(spec: WorkflowSpec, data: st.DataObject) -> None:
    _agree_on_a_walk(spec, data)


def test_creation_and_reentry_run_the_states_own_callbacks_through_the_machine() -> None:
    spec = SHIPPED["document"]
    machine = WorkflowMachine(spec, _probe_hooks())
    record = SimpleNamespace(state="circulated")
    probe = Probe()
    machine.enter(record, probe=probe)
    assert probe.log == [("effect", id(use)) for use in spec.states["circulated"].on_enter]
    probe = Probe()
    machine.reenter(record, probe=probe)
    assert probe.log == [("leave", "circulated")] + [("effect", id(use)) for use in spec.states["circulated"].on_enter]
    assert record.state == "circulated"


# -- the engine's Machines: held by the open instance, one per workflow ----------------------------------------

def test_the_instance_holds_one_machine_per_workflow_and_the_frozen_spec_holds_none(network) -> None:
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change
    from governance.store.models import Document

    instance = open_instance(network.config, "2021-04-01T10:00")
    try:
        machines = instance.machines
        assert set(machines) == set(instance.workflows) and instance.machines is machines
        assert all(m.spec is instance.workflows[kind] for kind, m in machines.items())
        assert not any(hasattr(spec, "machine") or hasattr(spec, "_machine") for spec in instance.workflows.values())
        circulate = machines["document"].events["circulate"].transitions
        # The guard limited to `from = ["comments_closed"]` is a condition of that source's transition only.
        assert [len(t.conditions) for t in circulate["draft"]] == [1] and [len(t.conditions) for t in circulate["comments_closed"]] == [2]
        seen: list[Document] = []

        def circulate_a_draft(op: Any) -> None:
            document = changes.create_document(op, "report", "Probe", "1. Text.\n", "p.txt", None)
            changes.advance(op, document.ref, "circulate", None, None, None)
            seen.append(document)

        change(instance, "sec", circulate_a_draft)
        assert seen[0].state == "circulated"
        bound = [name for name in ("circulate", "may_circulate", "is_draft", "trigger", "may_trigger") if name in vars(seen[0])]
        assert bound == [] and machines["document"].models == []
        assert instance.machines["document"] is machines["document"]
    finally:
        instance.db.dispose()
