"""The schema of rules files: every table and key, its type, range and meaning.

The validator and the generated reference both read this one description, so
the documentation of a key cannot drift from what the loader accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

CURRENT_VERSION = 1
LANGUAGES = ("en", "ar", "fr")


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # str, int, float, bool, list[str], list[int], choice, timezone, language, time (HH:MM), list[day],
    # list[country] (ISO 3166 alpha-3), list[closure] ({date | from, to, reason})
    doc: str
    required: bool = False
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    nonempty: bool = False

    def describe(self) -> str:
        kind = self.kind
        if self.choices:
            kind = " | ".join(f'"{c}"' for c in self.choices)
        bounds = []
        if self.minimum is not None:
            bounds.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum:g}")
        extra = f" ({', '.join(bounds)})" if bounds else ""
        need = "required" if self.required else f"default {self.default!r}"
        return f"{kind}{extra}, {need}"


@dataclass(frozen=True)
class Table:
    path: str  # "body", "offices.*", "meetings.*"
    doc: str
    keys: tuple[Key, ...]
    required: bool = True
    # Keys every table may carry, in addition to its own.
    common: tuple[Key, ...] = field(default=())

    def key(self, name: str) -> Key | None:
        for key in self.keys + COMMON_KEYS:
            if key.name == name:
                return key
        return None


COMMON_KEYS = (
    Key("article", "str", "The provision of the Rules of Procedure this table encodes; refusals and audit entries cite it.", default=""),
    Key("illustrative", "list[str]", "Keys of this table whose values the founding documents do not give (chosen for illustration).", default=[]),
)

DAYS = dict(minimum=0, maximum=3660)

TABLES: tuple[Table, ...] = (
    Table("body", "The body whose procedure this is.", (
        Key("name", "str", "Full name of the body.", required=True, nonempty=True),
        Key("short_name", "str", "Short name; mail subjects start with it.", required=True, nonempty=True),
        Key("timezone", "timezone", "IANA time zone that times are shown in and read in.", required=True),
        Key("working_language", "language", "Language of letters to people with no language of their own.", required=True),
        Key("languages", "list[str]", "Languages the body works in (en, ar, fr).", default=["en"], nonempty=True),
        Key("deadline_time", "time", "Wall-clock time (HH:MM, in `timezone`) at which a period counted in days from an act ends: "
            "a comment period opened on 10 March for 30 days ends on 9 April at this time. Periods counted from a "
            "record's own time (a meeting's start, an action's due time) keep that time.", default="17:00"),
    )),
    Table("roles", "Standing roles people are given with `gov person add --role`.", (
        Key("names", "list[str]", "Role names (offices add their own role while held).", required=True, nonempty=True),
        # The parts the engine gives roles by name: each must name a role above (or, for the approver, an office).
        Key("secretariat", "str", "The role that runs the procedure: sets people up, creates and advances records, is written to "
            "about what goes wrong.", default="secretariat"),
        Key("focal_point", "str", "The role whose holders in member organisations the `focal_points` audience writes to.",
            default="focal_point"),
        Key("approver", "str", "The office (or role) that approves a step waiting for approval when its trigger no longer names "
            "who approves.", default="chair"),
        Key("alternate", "str", "The role of a member's alternates: with its focal points they speak for the member in a written "
            "procedure, with one voice (a body without alternates leaves it out of `names`).", default="alternate"),
    )),
    Table("offices.*", "An office held for a term by an organisation (the chair). The office's name is a role while held.", (
        Key("title", "str", "How the office is called in letters.", default=""),
        Key("term_months", "int", "Length of a term in months.", required=True, minimum=1, maximum=240),
        Key("notify_before_end_days", "int", "The secretariat is warned this many days before a term ends.", default=60, **DAYS),
        Key("rotation", "choice", "How the next holder is found.", default="designation", choices=("designation", "order", "groups")),
        Key("order", "list[str]", "Organisation codes in the order they hold the office (rotation = \"order\").", default=[]),
        Key("groups", "list[str]", "Groups of members that hold the office in turn (rotation = \"groups\").", default=[]),
        Key("vacancy", "choice", "What happens when a term ends with no successor.", default="outgoing_continues", choices=("outgoing_continues", "secretariat_acts")),
    ), required=False),
    Table("meetings.*", "A kind of meeting (general, focal_point, workshop).", (
        Key("title", "str", "How the kind is called in letters.", default=""),
        Key("notice_days", "int", "Invitations must go out at least this many days before the meeting starts.", required=True, **DAYS),
        Key("every_months", "int", "The next meeting of this kind is due this long after one closes (0: no cadence).", default=0, minimum=0, maximum=240),
        Key("between_general", "bool", "One meeting of this kind is due halfway between general meetings.", default=False),
        Key("general", "bool", "This kind is the general meeting: closing one plans the kinds marked between_general halfway "
            "to the next (at most one kind).", default=False),
    )),
    Table("documents", "Drafts and their comment periods.", (
        Key("types", "list[str]", "Document types (`gov doc create --type`).", default=["concept_note", "agenda", "rop", "action_plan", "communique", "report"], nonempty=True),
        Key("comment_period_days", "int", "How long a circulated draft stays open for comments.", required=True, minimum=1, maximum=3660),
        Key("reminder_days_before", "list[int]", "Reminders to silent commenters this many days before the comment deadline.", default=[]),
        Key("commenters", "list[str]", "Roles that may comment on a circulated draft.", required=True, nonempty=True),
        Key("languages_required", "list[str]", "Languages (of body.languages) in which a document must stand, at its current "
            "version, before the meeting decides on it (the guard languages_in_step; `gov doc translate`).", default=[]),
    )),
    Table("actions", "Follow-up actions and their reminders.", (
        Key("reminder_days_before", "list[int]", "Reminders to the owner this many days before the due date.", default=[]),
        Key("escalate_every_days", "int", "An overdue action is escalated again this often (0: once).", default=30, **DAYS),
    )),
    Table("calendar", "The days the secretariat works: periods of the rules count them, and no due date falls on a closed "
          "day. Without this table no day is closed and periods are calendar days.", (
        Key("count", "choice", "How every `*_days` period of the rules is counted: \"working\" days (a closed day does not "
            "count, and a period ends on a working day) or \"calendar\" days (every day counts, and a period may end on a "
            "closed day, as the Rules of Procedure count it).", default="calendar", choices=("calendar", "working")),
        Key("weekend", "list[day]", "Days of the week the secretariat is closed (mon, tue, wed, thu, fri, sat, sun).",
            default=["sat", "sun"]),
        Key("holidays", "list[country]", "Countries (ISO 3166 alpha-3 codes) whose public holidays close the secretariat, "
            "as the `holidays` package computes them (the Islamic ones per country and year).", default=[]),
        Key("closures", "list[closure]", "Other closed days, each `{ date = 2021-07-19, reason = \"...\" }` or "
            "`{ from = 2021-12-27, to = 2021-12-31, reason = \"...\" }` (at most 366 days each).", default=[]),
        Key("hijri", "list[str]", "Languages whose letters give the Umm al-Qura Hijri date beside the Gregorian one.",
            default=["ar"]),
    ), required=False),
    Table("decisions", "How the meeting decides.", (
        Key("quorum_fraction", "float", "Share of member organisations that must be present to decide.", required=True, minimum=0, maximum=1),
        Key("rule", "choice", "How a decision is taken.", default="consensus", choices=("consensus", "majority")),
        Key("majority", "choice", "The majority a decision by vote needs: more for than against (simple), or at least two "
            "for each one against (two_thirds).", default="simple", choices=("simple", "two_thirds")),
    )),
    Table("decisions.written", "Decisions between meetings, in writing: silence to a deadline, or a vote of the member "
          "organisations (`gov written start`); a vote's quorum is [decisions] quorum_fraction of the members taking part.", (
        Key("silence_days", "int", "How long silence runs: a text no member objects to by then is adopted.", default=14, minimum=1, maximum=3660),
        Key("vote_days", "int", "How long a written vote stays open.", default=14, minimum=1, maximum=3660),
        Key("fallback", "choice", "What follows when silence is broken: a written vote (a new procedure, linked) or the next "
            "meeting's agenda.", default="vote", choices=("vote", "meeting")),
        Key("approval", "choice", "Who approves a written procedure before it goes out: the chair, or no one (the secretariat "
            "starts it).", default="none", choices=("chair", "none")),
        Key("majority_of", "choice", "What the majority is counted of: the members voting for or against (abstentions aside), "
            "or all member organisations.", default="voting", choices=("voting", "members")),
        Key("reminder_days_before", "list[int]", "Reminders of a vote, to the members that have not voted, this many days before "
            "its deadline.", default=[]),
    ), required=False),
)


def table_for(path: tuple[str, ...]) -> Table | None:
    """The schema table for a concrete path such as ("meetings", "general")."""
    for table in TABLES:
        parts = table.path.split(".")
        if len(parts) == len(path) and all(p == "*" or p == q for p, q in zip(parts, path)):
            return table
    return None


TOP_LEVEL = {t.path.split(".")[0] for t in TABLES} | {"version"}

TypeCheck = Callable[[Any], bool]
