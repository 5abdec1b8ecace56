"""The named effects: queue letters to an audience, write the deadline rows a state keeps."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, Protocol

from governance.calendars.periods import period_end
from governance.clock import add_days, days_at, local_day
from governance.service import audiences, outbox, rulerefs
from governance.service.calendars import _own_calendars as own_calendars, split_reminder
from governance.service.describe import letter_context
from governance.store.models import WorkflowRecord
from governance.workflows.spec import EffectUse, TriggerSpec

if TYPE_CHECKING:
    from governance.service.context import Operation

Effect = Callable[["Step", EffectUse], None]
EFFECTS: dict[str, Effect] = {}


class Workflow(Protocol):
    """The engine as an effect reaches it: the one narrow port (effects never import the engine, which runs them)."""

    def enter_initial(self, op: Operation, record: WorkflowRecord, detail: dict[str, Any] | None = None,
                      reason: str | None = None, state: str | None = None) -> None: ...

    def apply(self, op: Operation, record: WorkflowRecord, trigger: TriggerSpec, reason: str | None,
              rule: str | None = None) -> Any: ...


_ENGINE: list[Workflow] = []


def connect(engine: Workflow) -> None:
    """Called once by the engine as it loads: effects that create or move records go through it."""
    _ENGINE[:] = [engine]


def effect(name: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        EFFECTS[name] = fn
        return fn

    return register


class Step:
    """One transition (or a creation) being applied: the record, where it came from, what it has scheduled."""

    def __init__(self, op: Operation, record: WorkflowRecord, source: str | None, scope: str, reason: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.op = op
        self.record = record
        self.source = source
        self.scope = scope
        self.reason = reason
        self.extra = extra or {}
        self.scheduled: dict[str, datetime] = {}
        # A period counted in working days, by row name: how many, and the closed days (not weekends) it passed over.
        self.counted: dict[str, dict[str, Any]] = {}

    def run(self, uses: tuple[EffectUse, ...]) -> None:
        for use in uses:
            if self.source is None or use.applies(self.source):
                EFFECTS[use.name](self, use)

    @property
    def workflow(self) -> Workflow:
        return _ENGINE[0]

    def context(self) -> dict[str, Any]:
        return letter_context(self.op, self.record, {**self.extra, "reason": self.reason, "deadlines": dict(self.scheduled),
                                                     "counted": dict(self.counted)})


def pending_row(ref: str, name: str, kind: str, due: datetime, scope: str, created_at: datetime, *, fire: str | None = None,
                audience: str | None = None, template: str | None = None, repeat_days: int | None = None,
                rule: str | None = None, condition: str | None = None, offset_days: int | None = None) -> dict[str, Any]:
    """A deadline row to write when the operation ends (Operation.deadlines): the one shape every writer uses."""
    return {"ref": ref, "name": name, "kind": kind, "due": due, "status": "pending", "scope": scope, "fire": fire,
            "audience": audience, "template": template, "repeat_days": repeat_days, "rule": rule, "condition": condition,
            "offset_days": offset_days, "created_at": created_at}


@effect("notify")
def notify(step: Step, use: EffectUse) -> None:
    names = use.params["audience"]
    names = names if isinstance(names, list) else [names]
    people = audiences.people(step.op, step.record, names)
    calendar = None
    if "calendar" in use.params:  # "request": an invitation's entry; "cancel": the entry that withdraws it
        from governance.service.invitations import calendar_for

        calendar = calendar_for(step.op, step.record, cancelled=use.params["calendar"] == "cancel")
    outbox.queue(step.op, people, use.params["template"], step.context(), step.record.ref, calendar)


@effect("schedule")
def schedule(step: Step, use: EffectUse) -> None:
    op, record, params = step.op, step.record, use.params
    articles: list[str] = []

    def value(name: str, default: Any = None) -> Any:
        if name not in params:
            return default
        resolved, article = rulerefs.resolve(op.rules, params[name], record)
        if article:
            articles.append(article)
        return resolved

    anchor_name = params["at"]
    if anchor_name == "now":
        anchor = op.now
    elif anchor_name in step.scheduled:
        anchor = step.scheduled[anchor_name]
    else:
        anchor = getattr(record, anchor_name)
    if "days_before" in params:
        offsets = [-d for d in _as_list(value("days_before"))]
    elif "days_after" in params:
        offsets = list(_as_list(value("days_after")))
    else:
        offsets = [0]
    repeat = value("repeat_days")
    audience = params.get("audience")
    audience_text = ",".join(audience) if isinstance(audience, list) else audience
    zone = op.rules.zone
    kind = params["kind"]
    calendar = op.rules.calendar
    # The calendars organisations keep, read once for all the reminders of this row (the first that needs them).
    kept: list[Any] = []
    for offset in sorted(offsets):
        # Counted in days from an act, a period ends at the hour the rules name on its last day, not at the
        # minute the command ran; counted from a record's own time (or a row's), it keeps that time.
        wall = op.rules.deadline_time if anchor_name == "now" else None
        if offset and float(offset).is_integer() and calendar.working:
            due, period = period_end(calendar, anchor, int(offset), zone, wall)
            step.counted.setdefault(params["name"], {"days": abs(int(offset)), "not_counted": _closed_spans(period.not_counted)})
        elif wall is not None and offset and float(offset).is_integer():
            due = days_at(anchor, int(offset), wall, zone)
        else:
            due = add_days(anchor, offset, zone)
        step.scheduled.setdefault(params["name"], due)
        # A reminder whose moment has already passed would only be noise.
        if kind != "deadline" and due < op.now:
            continue
        # A reminder not sent on a reader's closed day goes the working day before, in their office's calendar.
        if kind == "reminder" and audience_text and not kept:
            kept.append(own_calendars(op))
        rows = split_reminder(op, due, audience_text, kept[0] if kept else None) if kind == "reminder" else [(due, audience_text)]
        for when, names in rows:
            if kind != "deadline" and when < op.now:
                continue
            # How far before the moment it announces a reminder goes, in calendar days: tick finds that moment again.
            ahead = (local_day(anchor, zone) - local_day(when, zone)).days if offset < 0 and float(offset).is_integer() else abs(offset)
            op.deadlines.append(pending_row(
                record.ref, params["name"], kind, when, step.scope, op.now, fire=params.get("fire"), audience=names,
                template=params.get("template"), repeat_days=int(repeat) if repeat else None, rule=articles[0] if articles else None,
                condition=params.get("while"), offset_days=int(ahead)))


def _closed_spans(days: tuple[tuple[date, str], ...]) -> list[dict[str, Any]]:
    """Closed days as a letter names them: runs of days closed for one reason together (Eid al-Adha, 20 to 23 July)."""
    spans: list[dict[str, Any]] = []
    for day, reason in days:
        if spans and spans[-1]["reason"] == reason and (day - spans[-1]["last"]).days == 1:
            spans[-1]["last"] = day
        else:
            spans.append({"first": day, "last": day, "reason": reason})
    return spans


def _as_list(value: Any) -> list[float]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


@effect("open_circulation")
def open_circulation(step: Step, use: EffectUse) -> None:
    document = step.record
    document.circulated_version = document.current_version
    document.circulation = (document.circulation or 0) + 1


@effect("plan_cadence")
def plan_cadence(step: Step, use: EffectUse) -> None:
    from governance.service.cadence import plan

    plan(step.op, step.record, step.workflow)


@effect("satisfy_cadence")
def satisfy_cadence(step: Step, use: EffectUse) -> None:
    from governance.service.cadence import satisfy

    satisfy(step.op, step.record, step.workflow)


# The written procedure's effects (and guards) register themselves; imported last, as they build on the ones above.
from governance.service import written_hooks  # noqa: E402,F401
