"""Load workflow files and validate them against the registry and the rules in force (`PATH:LINE`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from governance import tomlpos
from governance.errors import DefinitionErrors
from governance.rules.model import Rules
from governance.workflows import records, registry
from governance.workflows.spec import EffectUse, GuardUse, StateSpec, TriggerSpec, WorkflowSpec

CURRENT_VERSION = 1
MIGRATIONS: dict[int, Any] = {}  # version -> function upgrading a parsed file to version + 1

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")  # \Z: `$` would let a name end in a newline
_REF = re.compile(r"@([a-z0-9_.{}]+)\Z")
_TOP = {"version", "workflow", "initial", "article", "description", "states", "triggers"}
_STATE_KEYS = {"description", "final", "on_enter"}
_TRIGGER_KEYS = {"from", "to", "roles", "approval", "guards", "effects", "description", "article", "reason_required"}


def load_workflows(folder: Path, rules: Rules, templates: Iterable[str]) -> dict[str, WorkflowSpec]:
    """Every `*.toml` in `folder`, by record kind; raises DefinitionErrors listing every problem."""
    specs, problems = check_workflow_files(sorted(folder.glob("*.toml")), rules, templates)
    kinds = records.workflow_kinds()
    missing = [k for k in kinds if k not in specs and not records.record_type(k).optional]
    if not problems and missing:
        problems.append(f"{folder}: no workflow for {', '.join(missing)} (each of {', '.join(kinds)} needs one)")
    if problems:
        raise DefinitionErrors(problems)
    return specs


def check_workflow_files(
    files: list[Path], rules: Rules | None, templates: Iterable[str]
) -> tuple[dict[str, WorkflowSpec], list[str]]:
    problems: list[str] = []
    specs: dict[str, WorkflowSpec] = {}
    known_templates = set(templates)
    parsed: list[tuple[tomlpos.Located, dict[str, Any]]] = []
    for path in files:
        try:
            doc = tomlpos.load(path)
        except tomlpos.TomlSyntaxError as exc:
            problems.append(str(exc))
            continue
        parsed.append((doc, doc.data))
    # The kinds with a file here: what one kind needs of another's workflow is checked only when both are present.
    present = {data.get("workflow") for _, data in parsed if isinstance(data.get("workflow"), str)}
    # The meeting workflow's states are needed to check the document's meeting_state guards.
    meeting_states: set[str] = set()
    for doc, data in parsed:
        if data.get("workflow") == "meeting" and isinstance(data.get("states"), dict):
            meeting_states = set(data["states"])
    for doc, data in parsed:
        spec = _check(doc, data, rules, known_templates, meeting_states, problems, present)
        if spec is None:
            continue
        if spec.record in specs:
            problems.append(f"{doc.where(('workflow',))}: a workflow for {spec.record!r} is already defined in {specs[spec.record].source}")
            continue
        specs[spec.record] = spec
    return specs, problems


def _check(
    doc: tomlpos.Located,
    data: dict[str, Any],
    rules: Rules | None,
    templates: set[str],
    meeting_states: set[str],
    problems: list[str],
    present: set[str] = frozenset(),  # type: ignore[assignment]
) -> WorkflowSpec | None:
    before = len(problems)

    def problem(key: tuple[Any, ...], message: str) -> None:
        problems.append(f"{doc.where(key)}: {message}")

    version = data.get("version", CURRENT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= CURRENT_VERSION:
        problem(("version",), f"version must be a whole number from 1 to {CURRENT_VERSION}, not {version!r}")
        return None
    while version < CURRENT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    for key in data:
        if key not in _TOP:
            problem((key,), f"unknown key {key!r} (known: {', '.join(sorted(_TOP))})")
    record = data.get("workflow")
    if record not in records.workflow_kinds():
        problem(("workflow",), f"workflow must name the record it drives, one of {', '.join(records.workflow_kinds())}; got {record!r}")
        return None
    record_type = records.record_type(record)
    state_keys = _STATE_KEYS | set(record_type.flags) | set(record_type.phrases)
    states_raw = data.get("states")
    if not isinstance(states_raw, dict) or not states_raw:
        problem(("states",), "the workflow declares no states (add [states.NAME] tables)")
        return None
    triggers_raw = data.get("triggers")
    if not isinstance(triggers_raw, dict) or not triggers_raw:
        problem(("triggers",), "the workflow declares no triggers (add [triggers.NAME] tables)")
        return None
    state_names = set(states_raw)
    trigger_names = set(triggers_raw)
    for name in state_names:
        if not _NAME.match(name):
            problem(("states", name), f"state name {name!r} must be lower_case letters, digits and underscores")
    for name in trigger_names:
        if not _NAME.match(name):
            problem(("triggers", name), f"trigger name {name!r} must be lower_case letters, digits and underscores")
    initial = data.get("initial")
    if initial not in state_names:
        problem(("initial",), f"initial state {initial!r} is not one of the declared states ({', '.join(sorted(state_names))})")
    roles_known = (set(rules.all_roles()) if rules else set()) | set(records.relational_roles()) | {registry.SYSTEM_ROLE}
    context = _Context(doc, record, rules, templates, state_names, trigger_names, meeting_states, roles_known, problem)

    states: dict[str, StateSpec] = {}
    for name, raw in states_raw.items():
        if not isinstance(raw, dict):
            problem(("states", name), f"states.{name} must be a table")
            continue
        for key in raw:
            if key not in state_keys:
                problem(("states", name, key), f"unknown key {key!r} in states.{name} (known: {', '.join(sorted(state_keys))})")
        effects = context.effects(("states", name, "on_enter"), raw.get("on_enter", []), scope=name)
        final = raw.get("final", False)
        if not isinstance(final, bool):
            problem(("states", name, "final"), f"states.{name}.final must be true or false")
        flags = frozenset(_flags(record_type, name, raw, problem))
        phrases = _phrases(record_type, name, raw, problem)
        states[name] = StateSpec(name, str(raw.get("description", "")), bool(final), effects, flags, phrases)

    triggers: dict[str, TriggerSpec] = {}
    for name, raw in triggers_raw.items():
        key = ("triggers", name)
        if not isinstance(raw, dict):
            problem(key, f"triggers.{name} must be a table")
            continue
        for k in raw:
            if k not in _TRIGGER_KEYS:
                problem(key + (k,), f"unknown key {k!r} in triggers.{name} (known: {', '.join(sorted(_TRIGGER_KEYS))})")
        sources = raw.get("from")
        sources = [sources] if isinstance(sources, str) else sources
        if not isinstance(sources, list) or not sources:
            problem(key + ("from",), f"triggers.{name}.from must name the state(s) it leaves")
            sources = []
        for s in sources:
            if s not in state_names:
                problem(key + ("from",), f"triggers.{name}.from names unknown state {s!r}")
        dest = raw.get("to")
        if dest not in state_names:
            problem(key + ("to",), f"triggers.{name}.to names unknown state {dest!r}")
        roles = raw.get("roles")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            problem(key + ("roles",), f"triggers.{name}.roles must list the roles that may fire it")
            roles = []
        for r in roles:
            if rules is not None and r not in roles_known:
                problem(key + ("roles",), f"triggers.{name}.roles names unknown role {r!r} (known: {', '.join(sorted(roles_known))})")
        approval = raw.get("approval")
        if approval is not None and (not isinstance(approval, str) or (rules is not None and approval not in roles_known - {registry.SYSTEM_ROLE})):
            problem(key + ("approval",), f"triggers.{name}.approval names unknown role {approval!r}")
        reason_required = raw.get("reason_required", False)
        if not isinstance(reason_required, bool):
            problem(key + ("reason_required",), f"triggers.{name}.reason_required must be true or false")
        guards = context.guards(key + ("guards",), raw.get("guards", []))
        effects = context.effects(key + ("effects",), raw.get("effects", []), scope=None)
        triggers[name] = TriggerSpec(
            name=name,
            sources=tuple(sources),
            dest=str(dest),
            roles=tuple(roles),
            approval=approval,
            guards=guards,
            effects=effects,
            description=str(raw.get("description", "")),
            article=str(raw.get("article", "")),
            reason_required=bool(reason_required),
        )
    for state in states.values():
        # A record that enters a state no trigger leaves is stuck there for good, with its rows and letters:
        # unless the state says it is the end (final = true), that is a mistake in the file.
        # (Judged only when every trigger parsed: one that did not is already reported and may be the way out.)
        if (len(triggers) == len(triggers_raw) and not state.final
                and not any(state.name in t.sources and t.dest != state.name for t in triggers.values())):
            problem(("states", state.name), f"state {state.name!r} is not final but no trigger leaves it "
                                            f"(add a trigger with from = [\"{state.name}\"], or mark it final = true)")
        for effect in state.on_enter:
            fire = effect.params.get("fire")
            if fire and registry.SYSTEM_ROLE not in triggers.get(fire, TriggerSpec(fire, (), "", ())).roles:
                problems.append(f"{effect.where}: schedule fires {fire!r}, whose roles do not include \"system\"")
            if fire and fire in triggers and state.name not in triggers[fire].sources:
                problems.append(f"{effect.where}: schedule fires {fire!r}, which cannot leave state {state.name!r}")
    _check_needs(record_type, states_raw, states, triggers_raw, problem, present)
    if len(problems) > before:
        return None
    return WorkflowSpec(record, str(initial), states, triggers, str(data.get("article", "")), doc.path)


def _flags(record_type: records.RecordType, state: str, raw: dict[str, Any], problem: Any) -> list[str]:
    """The flags a state sets (`accepts_comments = true`): what the code relies on, declared in the file."""
    found = []
    for flag in record_type.flags:
        value = raw.get(flag, False)
        if not isinstance(value, bool):
            problem(("states", state, flag), f"states.{state}.{flag} must be true or false")
        elif value:
            found.append(flag)
    return found


def _phrases(record_type: records.RecordType, state: str, raw: dict[str, Any], problem: Any) -> dict[str, str]:
    """Words a state gives letters: `decision = "adopted"`."""
    found = {}
    for name in record_type.phrases:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            problem(("states", state, name), f"states.{state}.{name} must be words on one line, such as \"adopted\"")
            continue
        found[name] = value.strip()
    return found


def _check_needs(record_type: records.RecordType, states_raw: dict[str, Any], states: dict[str, StateSpec],
                 triggers_raw: dict[str, Any], problem: Any, present: set[str]) -> None:
    """What the code relies on by name or by flag must be in the file; a rename that drops it is refused here."""
    kind = record_type.kind
    states_at, triggers_at = ("states", next(iter(states_raw))), ("triggers", next(iter(triggers_raw)))  # the first of each
    for flag, declared in record_type.flags.items():
        if declared.required and len(states) == len(states_raw) and not any(flag in s.flags for s in states.values()):
            problem(states_at, f"no state of the {kind} workflow sets {flag} = true; the engine needs one: {declared.doc}")
    for name, why in record_type.required_states.items():
        if name not in states_raw:
            problem(states_at, f"the {kind} workflow has no state {name!r}; the engine relies on it by that name: {why}")
    for name, why in record_type.required_triggers.items():
        if name not in triggers_raw:
            problem(triggers_at, f"the {kind} workflow has no trigger {name!r}; the engine relies on it by that name: {why}")
    for other in sorted(present & set(records.workflow_kinds())):
        for name, why in records.record_type(other).needs_of.get(kind, {}).items():
            if name not in triggers_raw:
                problem(triggers_at, f"the {kind} workflow has no trigger {name!r}; the {other} workflow relies on it by that "
                                     f"name: {why}")


class _Context:
    """Checks the guard and effect uses of one workflow file."""

    def __init__(self, doc, record, rules, templates, states, triggers, meeting_states, roles, problem) -> None:  # type: ignore[no-untyped-def]
        self.doc, self.record, self.rules, self.templates = doc, record, rules, templates
        self.states, self.triggers, self.meeting_states, self.roles = states, triggers, meeting_states, roles
        self.problem = problem

    def guards(self, key: tuple[Any, ...], raw: Any) -> tuple[GuardUse, ...]:
        uses = []
        for i, item in enumerate(self._items(key, raw, "guard")):
            name, params, when_from = item
            here = key + (i,)
            signature = registry.GUARDS.get(name)
            if signature is None:
                self.problem(here, f"unknown guard {name!r} (known: {', '.join(sorted(registry.GUARDS))})")
                continue
            self._params(here, signature, params)
            uses.append(GuardUse(name, params, when_from, self.doc.where(here)))
        return tuple(uses)

    def effects(self, key: tuple[Any, ...], raw: Any, scope: str | None) -> tuple[EffectUse, ...]:
        uses = []
        timers: set[str] = set()
        for i, item in enumerate(self._items(key, raw, "effect")):
            name, params, when_from = item
            here = key + (i,)
            signature = registry.EFFECTS.get(name)
            if signature is None:
                self.problem(here, f"unknown effect {name!r} (known: {', '.join(sorted(registry.EFFECTS))})")
                continue
            self._params(here, signature, params, timers)
            if name == "schedule":
                self._schedule(here, params, scope, timers)
            uses.append(EffectUse(name, params, when_from, self.doc.where(here)))
        return tuple(uses)

    def _items(self, key: tuple[Any, ...], raw: Any, word: str) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
        if not isinstance(raw, list):
            self.problem(key, f"{'.'.join(map(str, key))} must be a list of {word}s")
            return []
        items = []
        for i, item in enumerate(raw):
            here = key + (i,)
            if isinstance(item, str):
                items.append((item, {}, ()))
                continue
            if not isinstance(item, dict) or not isinstance(item.get(word), str):
                self.problem(here, f"each {word} is a name or a table with {word} = \"NAME\"")
                continue
            params = {k: v for k, v in item.items() if k not in (word, "from")}
            when_from = item.get("from", [])
            when_from = [when_from] if isinstance(when_from, str) else when_from
            if not isinstance(when_from, list) or any(s not in self.states for s in when_from):
                self.problem(here + ("from",), f"{word} {item[word]!r}: from must list states of this workflow")
                when_from = []
            items.append((item[word], params, tuple(when_from)))
        return items

    def _params(self, key: tuple[Any, ...], signature: registry.Signature, params: dict[str, Any], timers: set[str] | None = None) -> None:
        if signature.records and self.record not in signature.records:
            self.problem(key, f"{signature.name} applies to {', '.join(signature.records)} records, not {self.record}")
        for name in params:
            if name not in signature.params:
                known = ", ".join(signature.params) or "none"
                self.problem(key + (name,), f"{signature.name} has no parameter {name!r} (parameters: {known})")
        for name, param in signature.params.items():
            if name not in params:
                if param.required:
                    self.problem(key, f"{signature.name} needs parameter {name!r}")
                continue
            self._value(key + (name,), signature.name, name, param.kind, params[name], timers or set())

    def _value(self, key: tuple[Any, ...], owner: str, name: str, kind: str, value: Any, timers: set[str]) -> None:
        label = f"{owner}.{name}"
        if isinstance(value, str) and value.startswith("@"):
            self._rule_ref(key, label, kind, value)
            return
        if kind in ("days", "number"):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 3660:
                self.problem(key, f"{label} must be a number of days from 0 to 3660 or a rule reference like \"@documents.comment_period_days\"")
        elif kind == "days_list":
            items = value if isinstance(value, list) else [value]
            if not items or any(not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 3660 for v in items):
                self.problem(key, f"{label} must be days (a number, a list of numbers, or a rule reference)")
        elif kind == "fraction":
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                self.problem(key, f"{label} must be a fraction from 0 to 1 or a rule reference")
        elif kind == "choice_rule":
            if value not in ("consensus", "majority"):
                self.problem(key, f"{label} must be \"consensus\", \"majority\" or a rule reference")
        elif kind == "meeting_states":
            items = value if isinstance(value, list) else [value]
            bad = [s for s in items if s not in self.meeting_states] if self.meeting_states else []
            if bad or not items:
                self.problem(key, f"{label} names unknown meeting state(s) {', '.join(map(repr, bad or items))}")
        elif kind == "field":
            fields = records.record_type(self.record).time_fields
            if value not in fields:
                self.problem(key, f"{label} must be a time field of a {self.record} ({', '.join(fields) or 'it has none'}), not {value!r}")
        elif kind == "anchor":
            fields = records.record_type(self.record).time_fields
            if value != "now" and value not in fields and value not in timers:
                self.problem(key, f"{label} must be \"now\", a time field ({', '.join(fields) or 'none'}) or a row scheduled above, not {value!r}")
        elif kind == "audience":
            items = value if isinstance(value, list) else [value]
            for item in items:
                offices = set(self.rules.offices()) if self.rules else set()
                if item not in registry.AUDIENCES and item not in offices:
                    known = ", ".join(sorted(set(registry.AUDIENCES) | offices))
                    self.problem(key, f"{label} names unknown audience {item!r} (known: {known}; an office of the rules is one too)")
        elif kind == "template":
            if not isinstance(value, str) or (self.templates and value not in self.templates):
                self.problem(key, f"{label} names unknown template {value!r}")
        elif kind == "trigger":
            if value not in self.triggers:
                self.problem(key, f"{label} names unknown trigger {value!r} (triggers: {', '.join(sorted(self.triggers))})")
        elif kind == "guard":
            signature = registry.GUARDS.get(value) if isinstance(value, str) else None
            if signature is None or (signature.records and self.record not in signature.records) or signature.params:
                self.problem(key, f"{label} must name a guard without parameters that applies to a {self.record}, not {value!r}")
        elif kind == "calendar":
            if value not in registry.CALENDAR_ACTIONS:
                self.problem(key, f"{label} must be one of {', '.join(map(repr, registry.CALENDAR_ACTIONS))}, not {value!r}")
            elif not records.record_type(self.record).calendar:
                self.problem(key, f"{label}: a {self.record}'s letters carry no calendar entry")
        elif kind == "timer_kind":
            if value not in registry.TIMER_KINDS:
                self.problem(key, f"{label} must be one of {', '.join(registry.TIMER_KINDS)}")
        elif kind == "text":
            if not isinstance(value, str) or not _NAME.match(value):
                self.problem(key, f"{label} must be a lower_case name")

    def _rule_ref(self, key: tuple[Any, ...], label: str, kind: str, value: str) -> None:
        match = _REF.match(value)
        if not match or kind not in ("days", "days_list", "number", "fraction", "choice_rule"):
            self.problem(key, f"{label} cannot take a rule reference {value!r}")
            return
        if self.rules is None:
            return
        path = match.group(1)
        for concrete in expand_reference(path, self.record, self.rules):
            if concrete is None:
                allowed = ", ".join("{" + p + "}" for p in records.record_type(self.record).placeholders) or "none"
                self.problem(key, f"{label} uses a placeholder a {self.record} cannot fill in {value!r} (placeholders: {allowed})")
                return
            if not self.rules.has(concrete):
                self.problem(key, f"{label} refers to {concrete!r}, which the rules do not define")
                return

    def _schedule(self, key: tuple[Any, ...], params: dict[str, Any], scope: str | None, timers: set[str]) -> None:
        if scope is None:
            self.problem(key, "schedule belongs in a state's on_enter (its rows live while the record stays in that state)")
            return
        name = params.get("name")
        if name in timers:
            self.problem(key + ("name",), f"state {scope!r} schedules {name!r} twice")
        if "days_before" in params and "days_after" in params:
            self.problem(key, "schedule takes days_before or days_after, not both")
        kind = params.get("kind")
        if kind == "deadline" and "fire" not in params and "template" not in params:
            self.problem(key, "a deadline row needs fire = \"TRIGGER\" or a template to send")
        if kind in ("reminder", "escalation") and ("template" not in params or "audience" not in params):
            self.problem(key, f"a {kind} row needs an audience and a template")
        if ("template" in params) != ("audience" in params):
            self.problem(key, "schedule takes audience and template together")
        if isinstance(name, str):
            timers.add(name)


def expand_reference(path: str, record: str, rules: Rules) -> list[str | None]:
    """Every concrete rules key a reference may resolve to ("meetings.{kind}.x" -> one per meeting kind)."""
    names = re.findall(r"{([a-z_]+)}", path)
    if not names:
        return [path]
    if any(n not in records.record_type(record).placeholders for n in names):
        return [None]
    values = {n: getattr(rules, records.PLACEHOLDER_VALUES[n])() for n in set(names)}
    results = [path]
    for n in set(names):
        results = [r.replace("{" + n + "}", v) for r in results for v in values[n]]
    return results
