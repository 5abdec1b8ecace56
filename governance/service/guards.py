"""The named guards: each checks one condition of the rules and says why it fails, citing the article."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import func, select

from governance.clock import add_days, shown
from governance.service import rulerefs
from governance.store.models import Attendance, Document, DocumentVersion, Meeting, Organisation, WorkflowRecord
from governance.workflows.spec import GuardUse

if TYPE_CHECKING:
    from governance.service.context import Operation


@dataclass(frozen=True)
class Votes:
    in_favour: int
    against: int
    abstaining: int = 0


@dataclass
class Check:
    """What a guard sees: the operation's session and moment, the record, and any votes given."""

    op: Operation
    record: WorkflowRecord
    votes: Votes | None = None
    preview: bool = False  # True when listing what may be done (votes not known yet)

    @property
    def now(self) -> datetime:
        return self.op.now


@dataclass(frozen=True)
class Failure:
    message: str
    rule: str | None


class Cited(str):
    """A guard's refusal that names its own article (a rule the guard reads itself, not through a parameter)."""

    rule: str | None = None

    def __new__(cls, message: str, rule: str | None) -> "Cited":
        made = super().__new__(cls, message)
        made.rule = rule
        return made


Guard = Callable[[Check, dict[str, Any], Callable[[str], tuple[Any, str | None]]], str | None]
GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        GUARDS[name] = fn
        return fn

    return register


def first_failure(check: Check, uses: tuple[GuardUse, ...], source: str, default_rule: str | None) -> Failure | None:
    """Evaluate the guards that apply from `source` in order; the first that fails, with its article."""
    for use in uses:
        if not use.applies(source):
            continue
        cited: list[str] = []

        def param(name: str, use: GuardUse = use, cited: list[str] = cited) -> tuple[Any, str | None]:
            value, article = rulerefs.resolve(check.op.rules, use.params[name], check.record)
            if article:
                cited.append(article)
            return value, article

        message = GUARDS[use.name](check, use.params, param)
        if message:
            return Failure(message, getattr(message, "rule", None) or (cited[0] if cited else default_rule))
    return None


def _zone(check: Check):  # type: ignore[no-untyped-def]
    return check.op.rules.zone


@guard("notice_period_met")
def notice_period_met(check: Check, params: dict[str, Any], param: Any) -> str | None:
    days, _ = param("days")
    meeting: Meeting = check.record
    calendar = check.op.rules.calendar
    if calendar.working and float(days).is_integer():
        # The same day the notice_limit row falls on: counted in the body's working days.
        from governance.calendars.periods import period_end

        limit, _ = period_end(calendar, meeting.start, -int(days), _zone(check))
    else:
        limit = add_days(meeting.start, -days, _zone(check))
    if check.now > limit:
        kind = check.op.rules.provision(f"meetings.{meeting.kind}")["title"] or meeting.kind
        counted = "working days'" if calendar.working else "days'"
        return (f"{meeting.ref} starts {shown(meeting.start, _zone(check))}: a {kind.lower()} needs {days} {counted} notice, "
                f"so invitations had to go out by {shown(limit, _zone(check))}")
    return None


def _moment(check: Check, params: dict[str, Any]) -> tuple[str, datetime]:
    """The record's time a guard weighs: the field its parameters name, and its value."""
    return params["field"], getattr(check.record, params["field"])


@guard("time_reached")
def time_reached(check: Check, params: dict[str, Any], param: Any) -> str | None:
    field, moment = _moment(check, params)
    return f"{check.record.ref} reaches its {field} only on {shown(moment, _zone(check))}" if check.now < moment else None


@guard("day_reached")
def day_reached(check: Check, params: dict[str, Any], param: Any) -> str | None:
    _, moment = _moment(check, params)
    zone = _zone(check)
    if check.now.astimezone(zone).date() < moment.astimezone(zone).date():
        return f"{check.record.ref} is scheduled for {moment.astimezone(zone).date().isoformat()}; it cannot be opened before that day"
    return None


@guard("not_started")
def not_started(check: Check, params: dict[str, Any], param: Any) -> str | None:
    _, moment = _moment(check, params)
    return f"{check.record.ref} already started on {shown(moment, _zone(check))}" if check.now >= moment else None


_WEB_ADDRESS = re.compile(r"https?://\S", re.IGNORECASE)


@guard("link_present")
def link_present(check: Check, params: dict[str, Any], param: Any) -> str | None:
    meeting: Meeting = check.record
    if meeting.online and not _WEB_ADDRESS.search(meeting.venue or ""):
        return (f"{meeting.ref} is an online meeting with no video-conference link yet; those invited need it "
                f"(gov meeting edit {meeting.ref} --online --link URL)")
    return None


@guard("version_present")
def version_present(check: Check, params: dict[str, Any], param: Any) -> str | None:
    if not check.record.current_version:
        return f"{check.record.ref} has no text yet; add one with `gov doc revise {check.record.ref} --file PATH`"
    return None


@guard("revised_since_circulation")
def revised_since_circulation(check: Check, params: dict[str, Any], param: Any) -> str | None:
    doc: Document = check.record
    if doc.circulated_version is not None and doc.current_version <= doc.circulated_version:
        return (f"version {doc.current_version} of {doc.ref} was already circulated; "
                f"revise it first (`gov doc revise {doc.ref} --file PATH`)")
    return None


@guard("has_meeting")
def has_meeting(check: Check, params: dict[str, Any], param: Any) -> str | None:
    if check.record.meeting_id is None:
        return f"{check.record.ref} belongs to no meeting (create documents with --meeting M-n)"
    return None


@guard("meeting_state")
def meeting_state(check: Check, params: dict[str, Any], param: Any) -> str | None:
    states = params["states"] if isinstance(params["states"], list) else [params["states"]]
    if check.record.meeting_id is None:
        return f"{check.record.ref} belongs to no meeting"
    meeting = check.op.session.get(Meeting, check.record.meeting_id)
    if meeting.state not in states:
        wanted = " or ".join(s.replace("_", " ") for s in states)
        return f"its meeting {meeting.ref} is {meeting.state.replace('_', ' ')}; it must be {wanted}"
    return None


def quorum(session: Any, meeting_id: int) -> tuple[int, int]:
    """(member organisations present, member organisations in all)."""
    members = session.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "member")) or 0
    present = session.scalar(
        select(func.count()).select_from(Attendance).join(Organisation, Attendance.org_id == Organisation.id)
        .where(Attendance.meeting_id == meeting_id, Organisation.kind == "member")
    ) or 0
    return present, members


@guard("quorum_met")
def quorum_met(check: Check, params: dict[str, Any], param: Any) -> str | None:
    fraction, _ = param("fraction")
    if check.record.meeting_id is None:
        return f"{check.record.ref} belongs to no meeting, so no quorum can be counted"
    present, members = quorum(check.op.session, check.record.meeting_id)
    needed = _needed(fraction, members)
    if present < needed or members == 0:
        return (f"no quorum: {present} of {members} member organisations are present at M-{check.record.meeting_id}, "
                f"{max(needed, 1)} needed ({fraction:.0%})")
    return None


def _needed(fraction: float, members: int) -> int:
    exact = fraction * members
    return int(exact) if exact == int(exact) else int(exact) + 1


@guard("decision_rule")
def decision_rule(check: Check, params: dict[str, Any], param: Any) -> str | None:
    rule, _ = param("rule")
    votes = check.votes
    if check.preview and votes is None:
        return None
    if rule == "consensus":
        if votes is not None and votes.against > 0:
            return f"decisions are taken by consensus and {votes.against} member(s) objected"
        return None
    if votes is None:
        return "decisions are taken by majority: give the vote with --votes FOR,AGAINST[,ABSTAINING]"
    from governance.service.written_count import Tally, count

    majority = check.op.rules.provision("decisions")["majority"]  # simple, or two-thirds, of those voting
    verdict = count(Tally(votes.in_favour, votes.against, votes.abstaining, votes.in_favour + votes.against + votes.abstaining),
                    majority, "voting", 0)
    if not verdict.carried:
        return f"the proposal is not carried: {votes.in_favour} for, {votes.against} against" + (
            f" (a two-thirds majority needs {verdict.needed} for)" if majority == "two_thirds" else "")
    return None


@guard("languages_in_step")
def languages_in_step(check: Check, params: dict[str, Any], param: Any) -> str | None:
    documents = check.op.rules.provision("documents")
    required = list(documents.values.get("languages_required") or [])
    if not required:
        return None
    from governance.service.translations import LANGUAGE_NAMES, behind

    late = behind(check.op, check.record, required)
    if not late:
        return None
    doc = check.record
    said = [f"the {LANGUAGE_NAMES.get(row['lang'], row['lang'])} text " + ("is missing" if row["version"] is None
            else f"renders version {row['version']}") for row in late]
    first = late[0]["lang"]
    return Cited(f"{doc.ref} must stand in {', '.join(required)} before a decision, and {'; '.join(said)} "
                 f"(version {doc.current_version} is current; gov doc translate {doc.ref} --lang {first} --file PATH)",
                 documents.cite())


@guard("office_vacant")
def office_vacant(check: Check, params: dict[str, Any], param: Any) -> str | None:
    from governance.store.models import Term
    from governance.workflows.records import TERM_STATES

    successor = check.op.session.scalar(
        select(Term.id).where(Term.office == check.record.office, Term.state.in_(TERM_STATES.waiting + TERM_STATES.holding)).limit(1))
    if successor is not None:
        return f"the {check.record.office} is no longer vacant (T-{successor})"
    return None


def versions_count(session: Any, document_id: int) -> int:
    return session.scalar(select(func.count()).select_from(DocumentVersion).where(DocumentVersion.document_id == document_id)) or 0


# The written procedure's guards (and effects) register themselves; imported last, as they build on the ones above.
from governance.service import written_hooks  # noqa: E402,F401
