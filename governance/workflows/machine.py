"""The transitions Machine of a workflow: built once per workflow for a loaded instance; a record is its model for one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from transitions import EventData, Machine

from governance.workflows.spec import EffectUse, GuardUse, TriggerSpec, WorkflowSpec

Condition = Callable[[EventData], bool]
Callback = Callable[[EventData], None]


@dataclass(frozen=True)
class Hooks:
    """What the service plugs into a workflow's Machine: the pure core knows their shape, never the store.

    `guard` and `effect` are asked once per use when the Machine is built; what they return is what the Machine
    calls on every step, with the step's EventData (`send_event`), whose keyword arguments carry the step's context.
    """

    guard: Callable[[TriggerSpec, GuardUse], Condition]
    effect: Callable[[EffectUse], Callback]
    leave: Callback | None = None  # on_exit of every state
    changed: Callback | None = None  # the Machine's after_state_change


class WorkflowMachine(Machine):
    """One workflow as a transitions Machine: guards are conditions, effects on_enter and after callbacks.

    It holds no models. A record is handed to each call as the model (the static-machine pattern of the
    transitions FAQ) instead of being added with `add_model`, which would bind a method per trigger and state
    onto the mapped record and skip, with a warning, any that clash with a column (a term's `end`). What a call
    needs travels in its EventData, so the Machine keeps no per-call state and threads can share it.
    """

    def __init__(self, spec: WorkflowSpec, hooks: Hooks | None = None) -> None:
        super().__init__(model=None, states=[], initial=None, auto_transitions=False, send_event=True,
                         after_state_change=[hooks.changed] if hooks and hooks.changed else None)
        self.spec = spec
        leave = [hooks.leave] if hooks and hooks.leave else []
        self.add_states([
            {"name": state.name, "final": state.final, "on_exit": list(leave),
             "on_enter": [hooks.effect(use) for use in state.on_enter] if hooks else []}
            for state in spec.states.values()
        ])
        self.initial = spec.initial
        for trigger in spec.triggers.values():
            # One transition per source state: a guard or effect limited to some sources (`from`) joins only theirs.
            for source in trigger.sources:
                self.add_transition(
                    trigger.name, source, trigger.dest,
                    conditions=[hooks.guard(trigger, use) for use in trigger.guards if use.applies(source)] if hooks else None,
                    after=[hooks.effect(use) for use in trigger.effects if use.applies(source)] if hooks else None,
                )

    def fire(self, record: Any, trigger: str, **context: Any) -> bool:
        """Run `trigger` on `record`: False when a condition refused it (the record is left as it was)."""
        return bool(self.events[trigger].trigger(record, **context))

    def may(self, record: Any, trigger: str, **context: Any) -> bool:
        """Whether `trigger` would run on `record` now: its conditions are evaluated, nothing moves.

        What `add_model` binds as `may_<trigger>`, called on the Machine since the record is never added.
        """
        return bool(self._can_trigger(record, trigger, **context))

    def enter(self, record: Any, **context: Any) -> None:
        """The on_enter callbacks of the record's state, with no transition: a record created in it.

        transitions enters a state only through a transition (a model added in a state is not entered), and
        a creation has none, so the state's own callbacks run through the library's `State.enter`.
        """
        self.get_state(record.state).enter(self._event(record, context))

    def reenter(self, record: Any, **context: Any) -> None:
        """Leave and enter the record's state again without a trigger: what it scheduled is redone (its times moved)."""
        state = self.get_state(record.state)
        event = self._event(record, context)
        state.exit(event)
        state.enter(event)

    def _event(self, record: Any, context: dict[str, Any]) -> EventData:
        return EventData(self.get_state(record.state), None, self, record, (), context)
