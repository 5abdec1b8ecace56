"""Workflow specifications: frozen descriptions of states, triggers, guards and effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GuardUse:
    name: str
    params: dict[str, Any]
    when_from: tuple[str, ...] = ()  # empty: applies from every source state
    where: str = ""

    def applies(self, source: str) -> bool:
        return not self.when_from or source in self.when_from


@dataclass(frozen=True)
class EffectUse:
    name: str
    params: dict[str, Any]
    when_from: tuple[str, ...] = ()
    where: str = ""

    def applies(self, source: str) -> bool:
        return not self.when_from or source in self.when_from


@dataclass(frozen=True)
class StateSpec:
    name: str
    description: str = ""
    final: bool = False
    on_enter: tuple[EffectUse, ...] = ()
    flags: frozenset[str] = frozenset()  # what the code relies on, declared in the file (accepts_comments, ...)
    phrases: dict[str, str] = field(default_factory=dict)  # words letters use (decision = "adopted")


@dataclass(frozen=True)
class TriggerSpec:
    name: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    approval: str | None = None
    guards: tuple[GuardUse, ...] = ()
    effects: tuple[EffectUse, ...] = ()
    description: str = ""
    article: str = ""
    reason_required: bool = False

    def allows(self, role_set: set[str] | frozenset[str]) -> bool:
        return bool(role_set.intersection(self.roles))


@dataclass(frozen=True)
class WorkflowSpec:
    record: str
    initial: str
    states: dict[str, StateSpec]
    triggers: dict[str, TriggerSpec]
    article: str = ""
    source: str = ""

    def flagged(self, flag: str) -> tuple[str, ...]:
        """The states that set `flag` (`accepts_comments = true`), in the file's order."""
        return tuple(name for name, state in self.states.items() if flag in state.flags)

    def triggers_from(self, state: str) -> list[TriggerSpec]:
        return [t for t in self.triggers.values() if state in t.sources]
