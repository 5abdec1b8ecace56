"""The record vocabulary: every record kind declared once, with what the code needs of its workflow file.

Pure declarations: a kind names its model lazily ("module:Class") so this room imports nothing from the store,
and the service renders the fields declared here. Adding a record kind is a model and its migration, one
`RecordType` given to `register`, and a workflow file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from types import MappingProxyType
from typing import Any, Mapping


@dataclass(frozen=True)
class Field:
    """One value of a record as a view shows it.

    form: value (the attribute as it is), time (a moment; shown in the body's zone), org_code / org_name (of the
    organisation the relationship `attribute` holds), ref (a reference to the `target` kind from the id in
    `attribute`), count (records of `target` whose `attribute` is this record's id), place (online, or the venue),
    span (from `attribute` to `until`), dates (the days from `attribute` to `until`).
    `text` wraps the formatted value ("version {}"); `blank` stands for a missing value. `key`, for org_code and
    org_name: the column holding the organisation's id (what a reader of plain rows, without relationships, follows).
    """

    name: str
    attribute: str = ""
    form: str = "value"
    target: str = ""
    until: str = ""
    text: str = "{}"
    blank: Any = None
    key: str = ""

    @property
    def source(self) -> str:
        return self.attribute or self.name


@dataclass(frozen=True)
class Flag:
    """A state flag a workflow file may set (`accepts_comments = true`); `required`: at least one state must set it."""

    doc: str
    required: bool = False


@dataclass(frozen=True)
class RecordType:
    kind: str
    prefix: str
    model: str | type  # "module:Class", resolved on first use, or the class itself
    workflow: bool = True  # False: the record has no state machine (a comment)
    title: str = "title"  # the attribute that names a record in lists and letters
    time_fields: tuple[str, ...] = ()  # what guards and timers may be anchored on
    placeholders: Mapping[str, str] = field(default_factory=dict)  # rule-reference placeholder -> attribute ("kind" -> "kind")
    gives: Mapping[str, str] = field(default_factory=dict)  # relational role -> attribute holding an organisation id
    fields: tuple[Field, ...] = ()  # what `show` lists
    editable: tuple[str, ...] = ()  # what `edit` may change
    row: tuple[Field, ...] = ()  # a list line's `when` and `who`
    letter: tuple[Field, ...] = ()  # copied into a letter's record view
    letter_extras: str = ""  # a named addition the service registers (describe.LETTER_EXTRAS) for what fields cannot say
    flags: Mapping[str, Flag] = field(default_factory=dict)
    phrases: Mapping[str, str] = field(default_factory=dict)  # state keys holding words letters use (decision = "adopted")
    calendar: bool = False  # its letters may carry a calendar entry (from `start` to `end`)
    required_states: Mapping[str, str] = field(default_factory=dict)  # state name -> what the code uses it for
    required_triggers: Mapping[str, str] = field(default_factory=dict)
    # What this kind fires by name in another kind's workflow (kind -> trigger -> why): required of that file only
    # while this kind's own file is there.
    needs_of: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    optional: bool = False  # an instance may do without the kind: no workflow file, then no such records
    noun: str = ""  # what a sentence calls one ("written procedure"); the kind's name when blank

    @property
    def called(self) -> str:
        return self.noun or self.kind
    listed: bool = False  # records of the kind have a list of their own (`gov meeting list`, the desk)
    provision: str = ""  # the rules table that governs a record ("offices.{record.office}"), cited when nothing else is
    # "module:function" names the service resolves on first use, so this room imports nothing from it:
    show_extras: str = ""  # adds to `show`'s answer what fields cannot say (a procedure's positions), given (op, record, answer)
    table: str = ""  # the model's table, for reads of plain rows (store/plain.py); a test holds it equal to the model's
    undelivered: str = ""  # called with (op, record, rows) in the change that gives up on letters about such a record

    def model_class(self) -> Any:
        return named(self.model) if isinstance(self.model, str) else self.model


def named(target: str) -> Any:
    """What a "module:name" declaration names, imported on first use."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


# Rule-reference placeholders: which list of the rules gives the values a placeholder may take.
PLACEHOLDER_VALUES = {"kind": "meeting_kinds", "type": "document_types", "office": "offices"}


@dataclass(frozen=True)
class TermStates:
    """The term states succession counts on by name (required of every term workflow, so a rename is refused)."""

    holding: tuple[str, ...] = ("active",)
    waiting: tuple[str, ...] = ("designated", "proposed")
    ended: tuple[str, ...] = ("ended",)


TERM_STATES = TermStates()
CONFIRM = "confirm"  # the term trigger that confirms a designation outside the rotation; it leaves the state that waits for it
COMPLETE = "complete"  # the action trigger a convened meeting fires on the follow-ups that wait for it
# The written procedure's triggers the engine fires by name, and the document's that a procedure moves its document by.
WRITTEN_LAUNCH = "launch"
BREAK_SILENCE = "break_silence"
WRITTEN_WITHDRAW = "withdraw"
SUBMIT_IN_WRITING = "submit_in_writing"
ADOPT_IN_WRITING = "adopt_in_writing"
RETURN_FROM_WRITING = "return_from_writing"

_MODELS = "governance.store.models"

_TYPES: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    """Declare a record kind (the shipped ones below; a deployment or a test may add its own)."""
    if any(t.prefix == record_type.prefix and t.kind != record_type.kind for t in _TYPES.values()):
        raise ValueError(f"prefix {record_type.prefix!r} is taken")
    _TYPES[record_type.kind] = record_type
    _BY_MODEL.clear()
    return record_type


def unregister(kind: str) -> None:
    _TYPES.pop(kind, None)
    _BY_MODEL.clear()


def types() -> Mapping[str, RecordType]:
    return MappingProxyType(_TYPES)


def record_type(kind: str) -> RecordType:
    return _TYPES[kind]


def by_prefix(letter: str) -> RecordType | None:
    return next((t for t in _TYPES.values() if t.prefix == letter), None)


def workflow_kinds() -> tuple[str, ...]:
    """The kinds driven by a workflow file: each needs one."""
    return tuple(k for k, t in _TYPES.items() if t.workflow)


_BY_MODEL: dict[type, RecordType] = {}


def of_model(cls: type) -> RecordType:
    """The kind a model class stores (cached: every `ref` asks)."""
    found = _BY_MODEL.get(cls)
    if found is None:
        declared = getattr(cls, "record_type", None)  # a plain row's class says its kind itself (service/plainread.py)
        if isinstance(declared, RecordType):
            return declared
        name = f"{cls.__module__}:{cls.__qualname__}"
        found = next((t for t in _TYPES.values() if t.model is cls or t.model == name), None)
        if found is None:
            raise LookupError(f"{name} is the model of no declared record kind")
        _BY_MODEL[cls] = found
    return found


def relational_roles() -> dict[str, str]:
    """Roles a record gives the people of an organisation it names (the owner of an action), with what gives them."""
    return {role: f"a person of the organisation a {t.kind} names in its {attribute}" for t in _TYPES.values() for role, attribute in t.gives.items()}


def _time(name: str) -> Field:
    return Field(name, form="time")


register(RecordType(
    "meeting", "M", f"{_MODELS}:Meeting",
    time_fields=("start", "end"),
    placeholders={"kind": "kind"},
    fields=(Field("kind"), Field("title"), _time("start"), _time("end"), Field("venue"), Field("online")),
    editable=("title", "venue", "online"),
    row=(Field("when", "start", "span", until="end"), Field("who", form="place")),
    letter=(Field("kind"), Field("start"), Field("end"), Field("venue", blank=""), Field("online")),
    letter_extras="meeting",
    provision="meetings.{record.kind}",
    calendar=True,
    flags={
        "takes_attendance": Flag("organisations register as present (`gov attend`) while the meeting is in such a state", required=True),
        "movable": Flag("the meeting may be rescheduled in such a state"),
        "invited": Flag("invitations are out: a rescheduled or corrected meeting sends those invited its new calendar entry, "
                        "and a move must still leave the notice period"),
    },
    listed=True,
    table="meetings",
))
register(RecordType(
    "document", "D", f"{_MODELS}:Document",
    placeholders={"type": "type"},
    fields=(Field("type"), Field("title"), Field("meeting", "meeting_id", "ref", target="meeting"), Field("current_version"),
            Field("circulated_version"), Field("comments", "document_id", "count", target="comment")),
    editable=("title",),
    row=(Field("when", "current_version", text="version {}"), Field("who", "meeting_id", "ref", target="meeting")),
    letter=(Field("type"), Field("version", "current_version")),
    letter_extras="document",
    flags={
        "accepts_comments": Flag("comments are taken (`gov comment add`) only in such a state", required=True),
        "text_locked": Flag("the text cannot be revised in such a state (it is out for comments)"),
        "weighs_comments": Flag("the secretariat weighs the comments here: `show` offers the comment matrix"),
    },
    phrases={"decision": "the decision the state records, as letters word it (a published document names the decision "
                         "it was published after)"},
    listed=True,
    table="documents",
))
register(RecordType(
    "term", "T", f"{_MODELS}:Term",
    title="office",
    time_fields=("start", "end"),
    placeholders={"office": "office"},
    gives={"holder": "org_id"},
    fields=(Field("office"), Field("org", form="org_code", key="org_id"), _time("start"), _time("end"), Field("reason")),
    row=(Field("when", "start", "dates", until="end"), Field("who", "org", "org_code", key="org_id")),
    letter=(Field("office"), Field("org", form="org_name", key="org_id"), Field("start"), Field("end")),
    letter_extras="term",
    provision="offices.{record.office}",
    required_states={
        **{s: "an organisation holds the office in it (succession, vacancies, the office's role)" for s in TERM_STATES.holding},
        **{s: "a designated term waits for its start in it (succession)" for s in TERM_STATES.waiting},
        **{s: "a term that was held is over (vacancies: who held the office last)" for s in TERM_STATES.ended},
    },
    required_triggers={CONFIRM: "confirms a designation outside the rotation (`gov term designate --reason`)"},
    listed=True,
    table="terms",
))
register(RecordType(
    "action", "A", f"{_MODELS}:Action",
    time_fields=("due",),
    gives={"owner": "owner_org_id"},
    fields=(Field("title"), Field("owner", form="org_code", key="owner_org_id"), _time("due"), Field("source", "source_ref")),
    row=(Field("when", "due", "time", text="due {}"), Field("who", "owner", "org_code", key="owner_org_id")),
    letter=(Field("due"), Field("owner", form="org_name", key="owner_org_id"), Field("source", "source_ref", blank="")),
    required_triggers={COMPLETE: "a convened meeting completes the follow-up actions that wait for a meeting of its kind"},
    listed=True,
    table="actions",
))
register(RecordType(
    "written", "W", f"{_MODELS}:WrittenProcedure",
    noun="written procedure",
    time_fields=("until",),
    fields=(Field("document", "document_id", "ref", target="document"), Field("document_version"), Field("mode"),
            _time("until"), Field("reason"), Field("follows", "follows_id", "ref", target="written")),
    row=(Field("when", "until", "time", text="until {}"), Field("who", "document_id", "ref", target="document")),
    letter=(Field("mode"), Field("until"), Field("document_version")),
    letter_extras="written",
    provision="decisions.written",
    flags={
        "takes_positions": Flag("members object, vote and annex reservations (`gov written object|vote|reserve`) while the "
                                "procedure is in such a state, until its deadline", required=True),
        "annexes": Flag("a member may still annex a reservation or statement to the decision in such a state"),
    },
    required_triggers={
        WRITTEN_LAUNCH: "`gov written start` sends the procedure through it (asking the chair's approval first when "
                      "[decisions.written] approval = \"chair\")",
        BREAK_SILENCE: "an objection (`gov written object`) breaks silence through it",
        WRITTEN_WITHDRAW: "`gov written withdraw` fires it",
    },
    # An instance made before written procedures existed has no written.toml and a document workflow without these:
    # it opens as it did, without written procedures, until both files are brought in from the shipped ones.
    optional=True,
    needs_of={"document": {
        SUBMIT_IN_WRITING: "a written procedure that opens puts its document in writing through it (lock its text there)",
        ADOPT_IN_WRITING: "a written procedure adopted adopts its document through it, citing [decisions.written]",
        RETURN_FROM_WRITING: "a written procedure that ends without a decision hands its document back through it",
    }},
    show_extras="governance.service.written:show_extras",
    undelivered="governance.service.written_hooks:undelivered",
    listed=True,
    table="written_procedures",
))
register(RecordType("comment", "C", f"{_MODELS}:Comment", workflow=False, table="comments"))
