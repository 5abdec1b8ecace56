"""The rules in force: a frozen model built from validated rules files. Pure: no I/O beyond nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from governance.calendars import NO_CALENDAR, Closure, WorkCalendar, parse_weekend


@dataclass(frozen=True)
class Provision:
    """One table of the rules: its values, the article it cites, where it was written."""

    path: str
    values: dict[str, Any]
    article: str
    illustrative: tuple[str, ...]
    source: str

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def cite(self) -> str:
        return self.article or f"rules [{self.path}]"


@dataclass(frozen=True)
class Rules:
    """Every provision by its dotted path ("body", "offices.chair", "meetings.general", ...)."""

    provisions: dict[str, Provision]
    sources: tuple[str, ...] = field(default=())

    # -- lookups the engine needs ------------------------------------------------
    def provision(self, path: str) -> Provision:
        return self.provisions[path]

    def lookup(self, dotted: str) -> tuple[Any, str]:
        """A value by its full dotted key ("documents.comment_period_days") and the article cited."""
        table, _, key = dotted.rpartition(".")
        provision = self.provisions.get(table)
        if provision is None or key not in provision.values:
            raise KeyError(dotted)
        return provision.values[key], provision.cite()

    def has(self, dotted: str) -> bool:
        try:
            self.lookup(dotted)
        except KeyError:
            return False
        return True

    @property
    def body(self) -> Provision:
        return self.provisions["body"]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.body["timezone"])

    @property
    def deadline_time(self) -> time:
        """The hour a period counted in whole days from an act ends at ([body] deadline_time, validated HH:MM)."""
        hour, minute = str(self.body["deadline_time"]).split(":")
        return time(int(hour), int(minute))

    @property
    def short_name(self) -> str:
        return str(self.body["short_name"])

    @property
    def working_language(self) -> str:
        return str(self.body["working_language"])

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.body["languages"])

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The secretariat's working days ([calendar]); without the table no day is closed and periods are calendar days."""
        provision = self.provisions.get("calendar")
        if provision is None or not provision.source:  # no table written (a defaulted one comes from no file)
            return NO_CALENDAR
        closures = tuple(Closure(date.fromisoformat(c["from"]), date.fromisoformat(c["to"]), c["reason"])
                         for c in provision["closures"])
        return WorkCalendar(parse_weekend(provision["weekend"]), tuple(provision["holidays"]), closures,
                            working=provision["count"] == "working")

    @property
    def hijri_languages(self) -> tuple[str, ...]:
        """Languages whose letters give the Hijri date beside the Gregorian ([calendar] hijri; Arabic by default)."""
        provision = self.provisions.get("calendar")
        return tuple(provision["hijri"]) if provision is not None else ("ar",)

    def meeting_kinds(self) -> tuple[str, ...]:
        return tuple(p.split(".", 1)[1] for p in self.provisions if p.startswith("meetings."))

    def offices(self) -> tuple[str, ...]:
        return tuple(p.split(".", 1)[1] for p in self.provisions if p.startswith("offices."))

    def standing_roles(self) -> tuple[str, ...]:
        return tuple(self.provisions["roles"]["names"])

    def all_roles(self) -> tuple[str, ...]:
        """Standing roles and office roles: every role a person can hold."""
        return self.standing_roles() + tuple(o for o in self.offices() if o not in self.standing_roles())

    # -- the parts the engine gives by name, declared in [roles] and [meetings.*] --------------
    @property
    def secretariat(self) -> str:
        """The role that runs the procedure ([roles] secretariat)."""
        return str(self.provisions["roles"]["secretariat"])

    @property
    def focal_point(self) -> str:
        """The role the focal_points audience writes to ([roles] focal_point)."""
        return str(self.provisions["roles"]["focal_point"])

    @property
    def approver(self) -> str:
        """Who approves a step whose trigger no longer names an approver ([roles] approver)."""
        return str(self.provisions["roles"]["approver"])

    def general_meeting(self) -> str | None:
        """The meeting kind marked general = true: the others marked between_general fall between two of its meetings."""
        return next((k for k in self.meeting_kinds() if self.provisions[f"meetings.{k}"]["general"]), None)

    def document_types(self) -> tuple[str, ...]:
        return tuple(self.provisions["documents"]["types"])
