"""Reads from plain rows: `gov show` and `gov deadlines` as the full path answers them (queries.py), read without
SQLAlchemy, or None where only the full path can give the answer.

A record, its open deadlines and its history are a handful of indexed queries; importing SQLAlchemy and the models to
ask them costs forty times the interpreter's own start-up. So `show` reads them here first (store/plain.py) and builds
its answer with the same code as the full path (answers.py). What it reads must mean what the models would make of it:
the actor's roles, the guards of the triggers the actor's roles allow, the declared fields and a document's languages.
Whatever it cannot say exactly (a store plain rows cannot read, a query the driver refuses, a kind with extras of its
own, a guard it does not know, a reader with a zone or office calendar of their own, a reference that names nothing)
makes it answer None, and the full path answers, with its refusals. tests/test_cli_plain_read.py holds the answers
equal over every kind, many states and actors, on both stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from governance.clock import add_days, iso
from governance.rules import Rules
from governance.service import rulerefs
from governance.service.answers import answer, deadline_view, languages_answer
from governance.service.context import Files
from governance.store.plain import Reader, Row, Unreadable, open_reader
from governance.workflows import records
from governance.workflows.records import TERM_STATES, Field, RecordType
from governance.workflows.spec import GuardUse, WorkflowSpec

_REF = re.compile(r"\s*([A-Za-z])-([0-9]{1,12})\s*")  # what lookup.parse_ref accepts; anything else is its refusal
_WEB_ADDRESS = re.compile(r"https?://\S", re.IGNORECASE)  # as guards.link_present
STALE_MINUTES = 5  # tick.liveness's default: rows waiting longer mean nothing fires them, and `show` warns


class Unsure(Exception):
    """Only the full path can answer this exactly."""


@dataclass(frozen=True)
class Shown:
    answer: dict[str, Any]
    stale: bool  # rows have waited past STALE_MINUTES: the full path words the scheduler's warning


class PlainRecord(Row):
    """A workflow record as a plain row; its class names its kind (records.of_model reads it)."""

    record_type: RecordType

    @property
    def ref(self) -> str:
        return f"{self.record_type.prefix}-{self.id}"

    @property
    def kind_name(self) -> str:
        return self.record_type.kind


_CLASSES: dict[str, type[PlainRecord]] = {}


def _record_class(record_type: RecordType) -> type[PlainRecord]:
    found = _CLASSES.get(record_type.kind)
    if found is None or found.record_type is not record_type:
        found = _CLASSES[record_type.kind] = type(f"Plain{record_type.kind.title()}", (PlainRecord,), {"record_type": record_type})
    return found


@dataclass(frozen=True)
class PlainActor:
    """Who reads, as service.actors.Actor says it: standing roles, the offices whose powers they have, their person."""

    handle: str
    person: Row | None
    roles: frozenset[str]

    def roles_for(self, record: Any) -> frozenset[str]:
        if self.person is None:
            return self.roles
        extra = {role for role, attribute in record.record_type.gives.items() if getattr(record, attribute) == self.person.org_id}
        return self.roles | extra if extra else self.roles


NOBODY = PlainActor("", None, frozenset())


@dataclass(frozen=True)
class PlainOp:
    """The shape of an operation that answers.py and rulerefs read: rules, actor, moment; and where rows come from."""

    rules: Rules
    workflows: dict[str, WorkflowSpec]
    actor: PlainActor
    now: datetime
    reader: Reader


def show(files: Files, handle: str | None, ref: str) -> Shown | None:
    """`show`'s answer for `ref` as `handle` reads it, from plain rows; None when the full path must answer."""
    reader = open_reader(files.settings.database_url, files.settings.database_password_env)
    if reader is None:
        return None
    with reader:
        try:
            now = files.clock.now()
            actor = _actor(reader, files.rules, handle) if handle else NOBODY
            op = PlainOp(files.rules, files.workflows, actor, now, reader)
            return Shown(_answer(op, ref), _stale(reader, now))
        except (Unsure, Unreadable):
            return None


def deadlines(files: Files, include_all: bool, limit: int) -> tuple[list[dict[str, Any]], bool] | None:
    """`deadlines`' rows (queries.deadlines, `limit` of them) and whether rows wait past the scheduler's limit; None
    when the full path must answer."""
    reader = open_reader(files.settings.database_url, files.settings.database_password_env)
    if reader is None:
        return None
    with reader:
        try:
            rows = reader.all("SELECT ref, name, kind, due, status, fire, audience, rule, outcome FROM deadlines"
                              + ("" if include_all else " WHERE status = 'pending'") + " ORDER BY due, id LIMIT ?", (limit,))
            op = PlainOp(files.rules, files.workflows, NOBODY, files.clock.now(), reader)
            return [deadline_view(op, row) for row in rows], _stale(reader, op.now)
        except Unreadable:
            return None


def _stale(reader: Reader, now: datetime) -> bool:
    from governance.service.heartbeat import stale_due

    return stale_due(reader, now, STALE_MINUTES)


def _answer(op: PlainOp, ref: str) -> dict[str, Any]:
    match = _REF.fullmatch(ref or "")
    record_type = records.by_prefix(match.group(1).upper()) if match else None
    if match is None or record_type is None or not record_type.workflow or record_type.show_extras or not record_type.table:
        raise Unsure
    spec = op.workflows.get(record_type.kind)
    found = op.reader.one(f"SELECT * FROM {record_type.table} WHERE id = ?", (int(match.group(2)),))
    if spec is None or found is None:
        raise Unsure
    record = _record_class(record_type)(found.__dict__)
    allowed = _allowed(op, spec, record) if op.actor.handle else []
    rows = op.reader.all("SELECT name, due, status, kind, fire FROM deadlines WHERE ref = ? AND status = 'pending' "
                         "ORDER BY due, id", (record.ref,))
    if rows and _reads_locally(op):
        raise Unsure  # when each row falls for this reader is the calendars' to say
    history = op.reader.all("SELECT seq, at, actor, ref, trigger, from_state, to_state, reason, rule, detail, recorded_at, "
                            "channel, via FROM audit WHERE ref = ? ORDER BY seq", (record.ref,))
    result = answer(op, spec, record, allowed, rows, history, {f.name: _field(op, record, f) for f in record_type.fields},
                    lambda row: None)
    if record_type.kind == "document":
        result["languages"] = _languages(op, record)
    return result


# -- who reads -------------------------------------------------------------------------------------------------

def _actor(reader: Reader, rules: Rules, handle: str) -> PlainActor:
    person = reader.one("SELECT id, handle, org_id, removed_at, timezone FROM people WHERE handle = ?", (handle,))
    if person is None or person.removed_at is not None:
        raise Unsure  # the full path refuses, in its words
    standing = {r.role for r in reader.all("SELECT role FROM person_roles WHERE person_id = ?", (person.id,))}
    offices = {office for office in rules.offices() if _holds(reader, rules, office, person.org_id, rules.secretariat in standing)}
    org = reader.one("SELECT code, weekend, holidays FROM organisations WHERE id = ?", (person.org_id,))
    return PlainActor(handle, Row({**person.__dict__, "org": org}), frozenset(standing | offices))


def _holds(reader: Reader, rules: Rules, office: str, org_id: int, secretariat: bool) -> bool:
    """Whether a person of `org_id` has the office's powers now (succession.office_roles): by a term, or a vacancy."""
    active = _terms(reader, "SELECT org_id FROM terms WHERE office = ? AND state IN ({})", office, TERM_STATES.holding)
    if active:
        return org_id in [r.org_id for r in active]
    last = _terms(reader, 'SELECT org_id FROM terms WHERE office = ? AND state IN ({}) ORDER BY "end" DESC LIMIT 1', office,
                  TERM_STATES.ended)
    if not last:
        return False
    if rules.provision(f"offices.{office}")["vacancy"] == "outgoing_continues":
        return org_id == last[0].org_id
    return secretariat


def _terms(reader: Reader, sql: str, office: str, states: tuple[str, ...]) -> list[Row]:
    return reader.all(sql.format(", ".join("?" * len(states))), (office, *states))


def _reads_locally(op: PlainOp) -> bool:
    """Whether times are this reader's own (calendars.local_view would add their view of each deadline)."""
    person = op.actor.person
    if person is None:
        return False
    own_zone = bool(person.timezone) and person.timezone != getattr(op.rules.zone, "key", None)
    return own_zone or bool(person.org and (person.org.weekend or person.org.holidays))


# -- what the record says --------------------------------------------------------------------------------------

def _field(op: PlainOp, record: PlainRecord, field: Field) -> Any:
    """One declared field for `show`, as describe.field_value gives it."""
    form = field.form
    if form == "count":
        table = records.record_type(field.target).table
        if not table:
            raise Unsure
        return op.reader.value(f"SELECT count(*) FROM {table} WHERE {field.attribute} = ?", (record.id,))
    if form in ("org_code", "org_name"):
        if not field.key:
            raise Unsure
        org_id = getattr(record, field.key)
        value = None if org_id is None else op.reader.value(
            f"SELECT {'code' if form == 'org_code' else 'name'} FROM organisations WHERE id = ?", (org_id,))
    elif form in ("value", "time", "ref"):
        if field.source not in record.__dict__:
            raise Unsure
        value = getattr(record, field.source)
        if value is not None and form == "time":
            value = iso(value, op.rules.zone)
        elif value is not None and form == "ref":
            value = f"{records.record_type(field.target).prefix}-{value}"
    else:
        raise Unsure  # place, span, dates: the views of lists and letters
    if value is None:
        return field.blank
    return field.text.format(value) if field.text != "{}" else value


def _languages(op: PlainOp, document: PlainRecord) -> list[dict[str, Any]]:
    """Each of the body's languages: which version its text renders, and whether it is behind (translations.languages_view)."""
    latest = {r.lang: r.number for r in op.reader.all(
        "SELECT lang, max(number) AS number FROM document_translations WHERE document_id = ? GROUP BY lang", (document.id,))}
    return languages_answer(op.rules, document.current_version or None, latest)


# -- what the actor may do: roles, state, and the guards (service/guards.py), as yes or no ---------------------

def _allowed(op: PlainOp, spec: WorkflowSpec, record: PlainRecord) -> list[str]:
    """engine.allowed_triggers: the triggers of the record's state that the actor's roles allow and whose guards pass."""
    roles = op.actor.roles_for(record)
    return [t.name for t in spec.triggers_from(record.state)
            if t.allows(roles) and record.pending_trigger != t.name
            and all(_passes(op, record, use) for use in t.guards if use.applies(record.state))]


Predicate = Callable[[PlainOp, PlainRecord, dict[str, Any], Callable[[str], Any]], bool]
_GUARDS: dict[str, Predicate] = {}


def _guard(name: str) -> Callable[[Predicate], Predicate]:
    def register(fn: Predicate) -> Predicate:
        _GUARDS[name] = fn
        return fn

    return register


def _passes(op: PlainOp, record: PlainRecord, use: GuardUse) -> bool:
    predicate = _GUARDS.get(use.name)
    if predicate is None:
        raise Unsure
    return predicate(op, record, use.params, lambda name: rulerefs.resolve(op.rules, use.params[name], record)[0])


@_guard("version_present")
def _version_present(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return bool(record.current_version)


@_guard("revised_since_circulation")
def _revised(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return record.circulated_version is None or record.current_version > record.circulated_version


@_guard("has_meeting")
def _has_meeting(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return record.meeting_id is not None


@_guard("meeting_state")
def _meeting_state(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    states = params["states"] if isinstance(params["states"], list) else [params["states"]]
    if record.meeting_id is None:
        return False
    return op.reader.value("SELECT state FROM meetings WHERE id = ?", (record.meeting_id,)) in states


@_guard("time_reached")
def _time_reached(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return op.now >= getattr(record, params["field"])


@_guard("not_started")
def _not_started(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return op.now < getattr(record, params["field"])


@_guard("day_reached")
def _day_reached(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    zone = op.rules.zone
    return op.now.astimezone(zone).date() >= getattr(record, params["field"]).astimezone(zone).date()


@_guard("link_present")
def _link_present(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return not record.online or bool(_WEB_ADDRESS.search(record.venue or ""))


@_guard("decision_rule")
def _decision_rule(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    return True  # a preview knows no votes yet, and the guard then lets the trigger be offered


@_guard("notice_period_met")
def _notice_period_met(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    days = param("days")
    calendar, zone = op.rules.calendar, op.rules.zone
    if calendar.working and float(days).is_integer():
        from governance.calendars.periods import period_end

        limit, _ = period_end(calendar, record.start, -int(days), zone)
    else:
        limit = add_days(record.start, -days, zone)
    return op.now <= limit


@_guard("quorum_met")
def _quorum_met(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    fraction = param("fraction")
    if record.meeting_id is None:
        return False
    members = op.reader.value("SELECT count(*) FROM organisations WHERE kind = 'member'") or 0
    present = op.reader.value("SELECT count(*) FROM attendance JOIN organisations ON attendance.org_id = organisations.id "
                              "WHERE attendance.meeting_id = ? AND organisations.kind = 'member'", (record.meeting_id,)) or 0
    exact = fraction * members
    needed = int(exact) if exact == int(exact) else int(exact) + 1
    return present >= needed and members > 0


@_guard("languages_in_step")
def _languages_in_step(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    required = list(op.rules.provision("documents").values.get("languages_required") or [])
    return not any(row["lang"] in required and row["stale"] for row in _languages(op, record)) if required else True


@_guard("office_vacant")
def _office_vacant(op: PlainOp, record: PlainRecord, params: dict[str, Any], param: Callable[[str], Any]) -> bool:
    states = TERM_STATES.waiting + TERM_STATES.holding
    return not _terms(op.reader, "SELECT id AS org_id FROM terms WHERE office = ? AND state IN ({}) LIMIT 1", record.office, states)
