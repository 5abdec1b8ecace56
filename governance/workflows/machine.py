"""The transitions Machine of a workflow: one per workflow per process; records join it for one step."""

from __future__ import annotations

from typing import Any, Callable

from transitions import Machine

from governance.workflows.spec import WorkflowSpec


class Stateful:
    """Stands in for a record inside the Machine, so trigger methods never touch the mapped class."""

    def __init__(self, record: Any) -> None:
        self.record = record

    @property
    def state(self) -> str:
        return str(self.record.state)

    @state.setter
    def state(self, value: str) -> None:
        self.record.state = value


def build_machine(spec: WorkflowSpec) -> Machine:
    transitions = [
        {"trigger": t.name, "source": list(t.sources), "dest": t.dest} for t in spec.triggers.values()
    ]
    return Machine(
        model=None,
        states=list(spec.states),
        transitions=transitions,
        initial=spec.initial,
        auto_transitions=False,
        send_event=True,
        after_state_change="_after",
    )


def fire(spec: WorkflowSpec, record: Any, trigger: str, after: Callable[[Any], None]) -> None:
    """Run `trigger` on `record` through the shared Machine; `after` runs once the state has changed."""
    machine = spec.machine()
    model = Stateful(record)
    model._after = lambda event: after(event)  # noqa: SLF001 - the Machine's after_state_change hook
    machine.add_model(model, initial=record.state)
    try:
        if not machine.events[trigger].trigger(model):
            raise RuntimeError(f"{trigger} did not run from {record.state}")
    finally:
        machine.remove_model(model)
