"""The written procedure's guards, effects and letter view, as its workflow file names them; and what follows an
undelivered notice. Registered on import (governance/service/guards.py and effects.py import this module last)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from governance.clock import days_at, shown
from governance.documents import numbered, paragraphs
from governance.errors import NotAllowedNow
from governance.service import audit, outbox
from governance.service import written_state as state
from governance.service.describe import INLINE_DRAFT_LIMIT, Deferred, letter_extras
from governance.service.effects import Step, effect
from governance.service.guards import Check, Cited, Votes, guard
from governance.store.models import Document, DocumentVersion, Meeting, OutboxMessage, Person, WrittenProcedure
from governance.workflows import records
from governance.workflows.records import ADOPT_IN_WRITING, RETURN_FROM_WRITING, SUBMIT_IN_WRITING, WRITTEN_LAUNCH
from governance.workflows.spec import EffectUse, TriggerSpec

if TYPE_CHECKING:
    from governance.service.context import Operation


def document_trigger(op: Operation, name: str) -> TriggerSpec:
    return op.instance.workflows[records.of_model(Document).kind].triggers[name]


def in_writing(op: Operation, document: Document) -> bool:
    """The document stands where a written procedure put it (the state its workflow's submit_in_writing enters)."""
    return document.state == document_trigger(op, SUBMIT_IN_WRITING).dest


# -- guards ---------------------------------------------------------------------------------------------------------

@guard("document_ready")
def document_ready(check: Check, params: dict[str, Any], param: Any) -> str | None:
    procedure: WrittenProcedure = check.record
    document = procedure.document
    if document.current_version != procedure.document_version:
        return (f"{document.ref} was revised since {procedure.ref} was prepared (it is at version {document.current_version}, "
                f"{procedure.ref} puts version {procedure.document_version} to the members); withdraw {procedure.ref} and start again")
    submit = document_trigger(check.op, SUBMIT_IN_WRITING)
    if document.state in submit.sources or (procedure.follows_id is not None and in_writing(check.op, document)):
        return None
    if in_writing(check.op, document):
        return f"{document.ref} is already before the members in another written procedure"
    states = " or ".join(s.replace("_", " ") for s in submit.sources)
    return f"{document.ref} is {document.state.replace('_', ' ')}; a document goes to written procedure only when {states}"


@guard("deadline_ahead")
def deadline_ahead(check: Check, params: dict[str, Any], param: Any) -> str | None:
    procedure: WrittenProcedure = check.record
    if procedure.opened_at is None and procedure.until is not None and procedure.until <= check.now:
        return (f"the deadline set for {procedure.ref} ({shown(procedure.until, check.op.rules.zone)}) has passed; withdraw it "
                f"and start again with a later --until")
    return None


@guard("silence_mode")
def silence_mode(check: Check, params: dict[str, Any], param: Any) -> str | None:
    if check.record.mode != state.SILENCE:
        return f"{check.record.ref} is a written vote: a member against it votes against (gov written vote {check.record.ref} --position against)"
    return None


@guard("objected")
def objected(check: Check, params: dict[str, Any], param: Any) -> str | None:
    if not state.objections(check.op.session, check.record):
        return f"silence on {check.record.ref} is broken by an objection: gov written object {check.record.ref} --text TEXT"
    return None


@guard("vote_mode")
def vote_mode(check: Check, params: dict[str, Any], param: Any) -> str | None:
    if check.record.mode != state.VOTE:
        return f"{check.record.ref} is a silence procedure, not a vote: no vote is counted, and no member is reminded to vote"
    return None


def _weigh(check: Check) -> str | None:
    """Why the procedure is not adopted now, or None. A vote's count is kept on the check for the audit entry."""
    procedure: WrittenProcedure = check.record
    session = check.op.session
    if procedure.mode == state.SILENCE:
        if state.objections(session, procedure):
            return f"silence on {procedure.ref} was broken"
        missing = state.unnotified(session, procedure)
        if missing:
            return Cited(f"{procedure.ref} cannot be adopted by silence while {', '.join(missing)} "
                         f"{'has' if len(missing) == 1 else 'have'} had no delivered notice of it: a member that was never told "
                         f"has not kept silent (see `gov show {procedure.ref}`, notice)", state.cite(check.op.rules))
        return None
    tally, verdict = state.verdict(check.op, procedure)
    check.votes = Votes(tally.in_favour, tally.against, tally.abstaining)
    return None if verdict.carried else f"the vote is not carried: {verdict.why}"


@guard("written_carried")
def written_carried(check: Check, params: dict[str, Any], param: Any) -> str | None:
    return _weigh(check)


@guard("written_not_carried")
def written_not_carried(check: Check, params: dict[str, Any], param: Any) -> str | None:
    if check.record.mode != state.VOTE:
        return vote_mode(check, params, param)
    return "the vote is carried" if _weigh(check) is None else None


@guard("notice_missing")
def notice_missing(check: Check, params: dict[str, Any], param: Any) -> str | None:
    procedure: WrittenProcedure = check.record
    if procedure.mode != state.SILENCE:
        return f"{procedure.ref} is a vote: its count decides, not its notice"
    if not state.unnotified(check.op.session, procedure):
        return f"every member of {procedure.ref} has had a delivered notice"
    return None


# -- effects --------------------------------------------------------------------------------------------------------

@effect("written_open")
def written_open(step: Step, use: EffectUse) -> None:
    op, procedure = step.op, step.record
    procedure.opened_at = op.now
    if procedure.until is None:
        settings = state.provision(op.rules)
        days = settings["silence_days" if procedure.mode == state.SILENCE else "vote_days"]
        calendar = op.rules.calendar
        if calendar.closes_anything:  # counted as every period of the rules is: working days, never ending on a closed day
            from governance.calendars.periods import period_end

            procedure.until, _ = period_end(calendar, op.now, days, op.rules.zone, op.rules.deadline_time)
        else:
            procedure.until = days_at(op.now, days, op.rules.deadline_time, op.rules.zone)
    document = procedure.document
    if not in_writing(op, document):
        step.workflow.apply(op, document, document_trigger(op, SUBMIT_IN_WRITING), f"{procedure.ref} opened ({procedure.mode})",
                            rule=state.cite(op.rules))


@effect("written_notice")
def written_notice(step: Step, use: EffectUse) -> None:
    """The opening letter to every voice of every member; a member with no voice to write to is the secretariat's to reach."""
    op, procedure = step.op, step.record
    people = sorted(op.session.scalars(state.voices(op.rules)), key=lambda p: p.id)
    template = state.NOTICE_TEMPLATES[state.MODES.index(procedure.mode)]
    outbox.queue(op, people, template, step.context(), procedure.ref)
    reached = {p.org_id for p in people}
    silent = [org for org in state.members(op.session, procedure) if org.id not in reached]
    if silent:
        _tell_secretariat(op, procedure, [{"org": org.name, "code": org.code, "failed": [], "relayed": []} for org in silent])


@effect("written_fallback")
def written_fallback(step: Step, use: EffectUse) -> None:
    op, procedure = step.op, step.record
    rule = state.cite(op.rules)
    if state.provision(op.rules)["fallback"] == state.VOTE:
        vote = WrittenProcedure(document_id=procedure.document_id, document_version=procedure.document_version, mode=state.VOTE,
                                reason=f"silence of {procedure.ref} broken", follows_id=procedure.id, created_at=op.now)
        vote.document = procedure.document
        step.workflow.enter_initial(op, vote, {"document": procedure.document.ref, "version": procedure.document_version,
                                               "mode": state.VOTE, "follows": procedure.ref}, vote.reason)
        opener = op.instance.workflows[vote.kind_name].triggers[WRITTEN_LAUNCH]
        step.workflow.apply(op, vote, opener, f"the fallback of {procedure.ref}: a written vote", rule=rule)
        return
    document = procedure.document
    _hand_back(step, document, f"silence of {procedure.ref} broken: to the next meeting")
    meeting = next_meeting(op)
    before = f"M-{document.meeting_id}" if document.meeting_id else None
    document.meeting_id = meeting.id if meeting is not None else None
    op.audit.append(audit.entry(op.now, op.actor.handle, document.ref, "to_meeting", document.state, document.state,
                                f"silence of {procedure.ref} broken", rule,
                                {"meeting": meeting.ref if meeting else None, "before": before, "written": procedure.ref}))


def next_meeting(op: Operation) -> Meeting | None:
    """The first meeting yet to come (the general kind when the rules mark one) that is not over or cancelled."""
    spec = op.instance.workflows[records.of_model(Meeting).kind]
    over = [name for name, s in spec.states.items() if s.final]
    query = select(Meeting).where(Meeting.start > op.now, Meeting.state.not_in(over)).order_by(Meeting.start).limit(1)
    general = op.rules.general_meeting()
    if general is not None:
        found = op.session.scalar(query.where(Meeting.kind == general))
        if found is not None:
            return found
    return op.session.scalar(query)


@effect("adopt_document")
def adopt_document(step: Step, use: EffectUse) -> None:
    op, procedure = step.op, step.record
    document = procedure.document
    if not in_writing(op, document):
        raise NotAllowedNow(f"{document.ref} is {document.state.replace('_', ' ')}, no longer in writing; {procedure.ref} cannot adopt it")
    how = "silence kept" if procedure.mode == state.SILENCE else "the vote carried"
    step.workflow.apply(op, document, document_trigger(op, ADOPT_IN_WRITING), f"{procedure.ref} adopted in writing ({how})",
                        rule=state.cite(op.rules))


@effect("return_document")
def return_document(step: Step, use: EffectUse) -> None:
    _hand_back(step, step.record.document, f"{step.record.ref} ended without a decision")


def _hand_back(step: Step, document: Document, reason: str) -> None:
    if in_writing(step.op, document):
        step.workflow.apply(step.op, document, document_trigger(step.op, RETURN_FROM_WRITING), reason, rule=state.cite(step.op.rules))


# -- what letters about a procedure say -----------------------------------------------------------------------------

@letter_extras("written")
def written_letter(op: Operation, procedure: WrittenProcedure, view: dict[str, Any]) -> dict[str, Any]:
    from governance.mail.render import Laid  # the text is set as a block, not as data in a sentence

    session = op.session
    document = procedure.document
    version = session.get(DocumentVersion, (document.id, procedure.document_version))
    text = numbered(version.text) if version is not None else ""
    followed = session.scalar(select(WrittenProcedure).where(WrittenProcedure.follows_id == procedure.id).limit(1))
    meeting = session.get(Meeting, document.meeting_id) if document.meeting_id else None
    view.update(
        document=document.ref, document_title=document.title,
        text=Laid(text) if len(text) <= INLINE_DRAFT_LIMIT else "", paragraphs=len(paragraphs(version.text)) if version else 0,
        article=state.cite(op.rules), fallback=state.provision(op.rules)["fallback"],
        follows=f"W-{procedure.follows_id}" if procedure.follows_id else "",
        followed_by={"ref": followed.ref, "until": followed.until} if followed is not None else None,
        meeting={"ref": meeting.ref, "title": meeting.title, "start": meeting.start} if meeting is not None else None,
    )
    view["objections"] = Deferred(lambda: {"items": [_said(o) | {"para": o.para, "kind": o.kind}
                                                     for o in state.objections(session, procedure)]})
    view["reservations"] = Deferred(lambda: {"items": [_said(r) | {"kind": r.kind} for r in state.reservations(session, procedure)]})
    view["count"] = Deferred(lambda: _count(op, procedure))
    view["notice"] = Deferred(lambda: {"missing": _names(session, state.unnotified(session, procedure))})
    return {}


def _names(session: Any, codes: list[str]) -> list[str]:
    from governance.store.models import Organisation

    names = dict(session.execute(select(Organisation.code, Organisation.name).where(Organisation.code.in_(codes))).all()) if codes else {}
    return [names.get(code, code) for code in codes]


def _said(item: Any) -> dict[str, Any]:
    return {"org": item.org.name, "by": item.person.name, "text": item.text, "at": item.at}


def _count(op: Operation, procedure: WrittenProcedure) -> dict[str, Any]:
    tally, verdict = state.verdict(op, procedure)
    return {"for": tally.in_favour, "against": tally.against, "abstain": tally.abstaining, "members": tally.members,
            "taking_part": tally.taking_part, "quorum": verdict.quorum_needed, "quorum_met": verdict.quorum_met,
            "carried": verdict.carried, "majority": op.rules.provision("decisions")["majority"],
            "of": state.provision(op.rules)["majority_of"]}


# -- a notice that did not arrive -----------------------------------------------------------------------------------

def undelivered(op: Operation, procedure: WrittenProcedure, rows: list[OutboxMessage]) -> None:
    """Letters giving a member notice were given up on: while the procedure runs, the member's other voices are written
    to in their place and the secretariat is told (a member never told cannot be taken to have kept silent)."""
    spec = op.instance.workflows[procedure.kind_name]
    if procedure.state not in spec.flagged("takes_positions"):
        return
    failed = [row for row in rows if row.template in state.NOTICE_TEMPLATES and row.person_id is not None]
    if not failed:
        return
    failed_people = {row.person_id for row in failed}
    undelivered_to = set(op.session.scalars(select(OutboxMessage.person_id).where(
        OutboxMessage.ref == procedure.ref, OutboxMessage.template.in_(state.NOTICE_TEMPLATES), OutboxMessage.status == "failed")))
    by_org: dict[int, list[Person]] = {}
    for person_id in sorted(failed_people):
        person = op.session.get(Person, person_id)
        if person is not None:
            by_org.setdefault(person.org_id, []).append(person)
    told = []
    for org_id, gone in by_org.items():
        others = [p for p in sorted(op.session.scalars(state.voices(op.rules, [org_id])), key=lambda p: p.id)
                  if p.id not in failed_people | undelivered_to]
        context = Step(op, procedure, procedure.state, procedure.state, None,
                         {"relayed": {"failed": [p.name for p in gone], "org": gone[0].org.name}}).context()
        template = state.NOTICE_TEMPLATES[state.MODES.index(procedure.mode)]
        outbox.queue(op, others, template, context, procedure.ref)
        op.audit.append(audit.entry(op.now, op.actor.handle, procedure.ref, "notice_relayed", None, None, None, state.cite(op.rules),
                                    {"org": gone[0].org.code, "failed": [p.handle for p in gone], "relayed": [p.handle for p in others]}))
        told.append({"org": gone[0].org.name, "code": gone[0].org.code, "failed": [p.name for p in gone],
                     "relayed": [p.name for p in others]})
    _tell_secretariat(op, procedure, told)


def _tell_secretariat(op: Operation, procedure: WrittenProcedure, unreached: list[dict[str, Any]]) -> None:
    from governance.service import audiences

    context = Step(op, procedure, procedure.state, procedure.state, None, {"unreached": unreached}).context()
    outbox.queue(op, audiences.people(op, procedure, ["secretariat"]), "written_unreached", context, procedure.ref)
