"""Decisions between meetings, in writing: start a procedure, object, vote, annex a reservation, withdraw; and what
`show` and the pages say of one. Each function runs inside one operation (service/transaction.py)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from governance.clock import at_local, iso, shown
from governance.errors import BadInput, NotAllowedNow, NotPermitted
from governance.hints import Hint
from governance.service import audit, engine, lookup, outbox
from governance.service import written_state as state
from governance.service.changes import FREE_TEXT_MAX, multi_line, optional_text
from governance.service.context import Operation
from governance.service.effects import Step
from governance.service.written_count import POSITIONS
from governance.store.models import (
    DocumentVersion,
    Person,
    WrittenObjection,
    WrittenPosition,
    WrittenProcedure,
    WrittenReservation,
)
from governance.workflows.records import BREAK_SILENCE, WRITTEN_LAUNCH, WRITTEN_WITHDRAW

KINDS = ("written",)
OBJECTIONS = ("objection", "amendment")
ANNEXES = ("reservation", "statement")


def start(op: Operation, document_ref: str, mode: str, until: datetime | date | None, reason: str | None) -> WrittenProcedure:
    """Put a document to the members in writing -> W-n, open at once, or once the chair approves when the rules ask."""
    rules = op.rules
    if op.actor.person is None:
        raise BadInput("no one is acting: pass --as HANDLE (or set GOV_ACTOR)")
    if rules.secretariat not in op.actor.roles:
        raise NotPermitted(f"{op.actor.handle} may not start a written procedure: only the {rules.secretariat} may", rule=state.cite(rules))
    if mode not in state.MODES:
        raise BadInput(f"--mode must be {' or '.join(state.MODES)}, not {mode!r}")
    if "written" not in op.instance.workflows:
        raise BadInput("this instance has no written procedures: its workflows folder has no written.toml; copy the shipped "
                       "workflows/written.toml there and add to its document.toml the triggers written procedures fire "
                       "(`gov rules check` names them)")
    document = lookup.record(op.session, document_ref, ("document",), lock=True)
    reason = optional_text(reason, "--reason")
    deadline = _deadline(op, until)
    procedure = WrittenProcedure(document_id=document.id, document_version=document.current_version, mode=mode, until=deadline,
                                 reason=reason, created_at=op.now)
    procedure.document = document
    engine.enter_initial(op, procedure, {"document": document.ref, "version": document.current_version, "mode": mode,
                                         "until": deadline}, reason)
    opener = op.instance.workflows[procedure.kind_name].triggers[WRITTEN_LAUNCH]
    if state.provision(rules)["approval"] == "none" and opener.allows(op.actor.roles_for(procedure)):
        # The rules ask no one's approval: the secretariat's start opens it, whatever approver the file names.
        engine.apply(op, procedure, opener, reason, detail={"approval": "none ([decisions.written] approval)"}, rule=state.cite(rules))
    else:
        engine.advance(op, procedure, WRITTEN_LAUNCH, reason)
    return procedure


def _deadline(op: Operation, until: datetime | date | None) -> datetime | None:
    """A deadline given at the start: a day alone ends at the rules' deadline hour, in the body's zone."""
    if until is None:
        return None
    moment = until if isinstance(until, datetime) else at_local(until, op.rules.deadline_time, op.rules.zone)
    if moment <= op.now:
        raise BadInput(f"--until {shown(moment, op.rules.zone)} is already past")
    return moment


def _procedure(op: Operation, ref: str) -> WrittenProcedure:
    """The procedure, locked: what a member says is checked against its state and deadline and written on their word,
    so a close at the deadline and a last-second objection (or two voices of one member) take turns."""
    found = lookup.record(op.session, ref, KINDS)
    procedure: WrittenProcedure = op.session.get(WrittenProcedure, found.id, with_for_update=True, populate_existing=True)
    return procedure


def _voice(op: Operation, procedure: WrittenProcedure, doing: str) -> Person:
    """The acting person, if they speak for a member: one of its focal points or alternates."""
    if op.actor.person is None and not op.actor.handle:
        raise BadInput("no one is acting: pass --as HANDLE (or set GOV_ACTOR)")
    if not state.is_voice(op):
        roles = " or ".join(r.replace("_", " ") for r in state.voice_roles(op.rules))
        raise NotPermitted(f"{op.actor.handle} may not {doing} on {procedure.ref}: a member organisation speaks through its {roles}",
                           rule=state.cite(op.rules))
    person: Person = op.actor.person
    return person


def _taking(op: Operation, procedure: WrittenProcedure, flag: str = "takes_positions") -> None:
    """The procedure takes what members say: in a state the file flags for it, and (while it runs) before its deadline."""
    spec = op.instance.workflows[procedure.kind_name]
    if procedure.state not in spec.flagged(flag):
        what = "positions" if flag == "takes_positions" else "reservations"
        raise NotAllowedNow(f"{procedure.ref} is {procedure.state.replace('_', ' ')}; it takes {what} only while it is "
                            f"{' or '.join(s.replace('_', ' ') for s in spec.flagged(flag))}", rule=state.cite(op.rules))
    if procedure.state in spec.flagged("takes_positions") and procedure.until is not None and op.now >= procedure.until:
        raise NotAllowedNow(f"the deadline of {procedure.ref} was {shown(procedure.until, op.rules.zone)}; it takes nothing more",
                            rule=state.cite(op.rules))


def _paragraph(op: Operation, procedure: WrittenProcedure, para: int | None) -> int | None:
    if para is None:
        return None
    from governance.documents import paragraphs

    version = op.session.get(DocumentVersion, (procedure.document_id, procedure.document_version))
    total = len(paragraphs(version.text)) if version is not None else 0
    if not 1 <= para <= total:
        raise BadInput(f"--para {para}: {procedure.document.ref} version {procedure.document_version} has paragraphs 1 to {total}")
    return para


def _speaking(op: Operation, ref: str, act: str, mode: str, otherwise: str) -> tuple[WrittenProcedure, Any]:
    """The procedure a member speaks in and the person speaking for the member, while it takes positions in `mode`;
    in the other mode, `otherwise` says what to do instead."""
    procedure = _procedure(op, ref)
    person = _voice(op, procedure, act)
    _taking(op, procedure)
    if procedure.mode != mode:
        raise NotAllowedNow(otherwise.format(ref=procedure.ref), rule=state.cite(op.rules))
    return procedure, person


def object_(op: Operation, ref: str, text: str, para: int | None = None, amendment: bool = False) -> WrittenObjection:
    """A member objects (or proposes an amendment): silence is broken at once, and the rules' fallback follows."""
    procedure, person = _speaking(op, ref, "object", state.SILENCE, "{ref} is a written vote: a member against it votes against "
                                  "(gov written vote {ref} --position against --statement TEXT)")
    body = multi_line(text, "--text", FREE_TEXT_MAX)
    objection = WrittenObjection(procedure_id=procedure.id, org_id=person.org_id, person_id=person.id,
                                 kind=OBJECTIONS[1] if amendment else OBJECTIONS[0], text=body, para=_paragraph(op, procedure, para),
                                 at=op.now)
    op.session.add(objection)
    op.session.flush()
    op.audit.append(audit.entry(op.now, op.actor.handle, procedure.ref, "object", None, None, None, state.cite(op.rules),
                                {"org": person.org.code, "kind": objection.kind, "para": objection.para, "sha256": _digest(body)}))
    engine.advance(op, procedure, BREAK_SILENCE, f"{person.org.code}: {body}")
    return objection


def vote(op: Operation, ref: str, position: str, statement: str | None = None) -> WrittenPosition:
    """A member's position in a written vote; a later one before the deadline replaces it (both kept and audited)."""
    procedure, person = _speaking(op, ref, "vote", state.VOTE, "{ref} is a silence procedure: a member agrees by keeping silent, "
                                  "or objects (gov written object {ref} --text TEXT)")
    if position not in POSITIONS:
        raise BadInput(f"--position must be one of {', '.join(POSITIONS)}, not {position!r}")
    explained = optional_text(statement, "--statement")
    earlier = op.session.scalar(select(WrittenPosition).where(
        WrittenPosition.procedure_id == procedure.id, WrittenPosition.org_id == person.org_id, WrittenPosition.superseded_at.is_(None)))
    if earlier is not None:
        earlier.superseded_at = op.now
        op.session.flush()  # the member's one current position: the earlier steps aside before the new one stands
    said = WrittenPosition(procedure_id=procedure.id, org_id=person.org_id, person_id=person.id, position=position,
                           statement=explained, at=op.now)
    op.session.add(said)
    op.session.flush()
    replaced = {"position": earlier.position, "by": earlier.person.handle, "at": earlier.at} if earlier is not None else None
    op.audit.append(audit.entry(op.now, op.actor.handle, procedure.ref, "vote", None, None, explained, state.cite(op.rules),
                                {"org": person.org.code, "position": position, "replaces": replaced}))
    _tell_the_others(op, procedure, person, {"act": "vote", "position": position, "text": explained})
    return said


def reserve(op: Operation, ref: str, text: str, kind: str = ANNEXES[0]) -> WrittenReservation:
    """A reservation or interpretative statement of a member, annexed to the decision and printed with it."""
    procedure = _procedure(op, ref)
    person = _voice(op, procedure, "annex a reservation")
    _taking(op, procedure, "annexes")
    if kind not in ANNEXES:
        raise BadInput(f"--kind must be one of {', '.join(ANNEXES)}, not {kind!r}")
    body = multi_line(text, "--text", FREE_TEXT_MAX)
    annexed = WrittenReservation(procedure_id=procedure.id, org_id=person.org_id, person_id=person.id, kind=kind, text=body, at=op.now)
    op.session.add(annexed)
    op.session.flush()
    op.audit.append(audit.entry(op.now, op.actor.handle, procedure.ref, "reserve", None, None, None, state.cite(op.rules),
                                {"org": person.org.code, "kind": kind, "sha256": _digest(body)}))
    _tell_the_others(op, procedure, person, {"act": kind, "position": None, "text": body})
    return annexed


def withdraw(op: Operation, ref: str, reason: str | None) -> engine.Outcome:
    if op.actor.person is None and not op.actor.handle:
        raise BadInput("no one is acting: pass --as HANDLE (or set GOV_ACTOR)")
    procedure = _procedure(op, ref)
    return engine.advance(op, procedure, WRITTEN_WITHDRAW, optional_text(reason, "--reason"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tell_the_others(op: Operation, procedure: WrittenProcedure, person: Person, spoken: dict[str, Any]) -> None:
    """The member's other voices learn who spoke for it, and what was said."""
    others = [p for p in sorted(op.session.scalars(state.voices(op.rules, [person.org_id])), key=lambda p: p.id) if p.id != person.id]
    if others:
        context = Step(op, procedure, procedure.state, procedure.state, None,
                       {"spoken": dict(spoken, by=person.name, org=person.org.name)}).context()
        outbox.queue(op, others, "written_spoken", context, procedure.ref)


# -- reading ----------------------------------------------------------------------------------------------------------

def show_extras(op: Operation, procedure: WrittenProcedure, answer: dict[str, Any]) -> None:
    """What `show W-n` adds: the positions that count (and those they replaced), objections, reservations, the count
    of a vote, proof of notice per member, the procedures it follows or led to; and what this person may say."""
    zone = op.rules.zone
    session = op.session

    def said(item: Any) -> dict[str, Any]:
        return {"org": item.org.code, "by": item.person.handle, "at": iso(item.at, zone)}

    answer["mode"] = procedure.mode
    answer["document"] = procedure.document.ref
    answer["until"] = iso(procedure.until, zone)
    answer["positions"] = [dict(said(p), position=p.position, statement=p.statement) for p in state.positions(session, procedure)]
    answer["earlier_positions"] = [dict(said(p), position=p.position, statement=p.statement, replaced_at=iso(p.superseded_at, zone))
                                   for p in state.positions(session, procedure, current=False)]
    answer["objections"] = [dict(said(o), text=o.text, para=o.para, kind=o.kind) for o in state.objections(session, procedure)]
    answer["reservations"] = [dict(said(r), text=r.text, kind=r.kind) for r in state.reservations(session, procedure)]
    if procedure.mode == state.VOTE:
        tally, verdict = state.verdict(op, procedure)
        answer["count"] = {"for": tally.in_favour, "against": tally.against, "abstain": tally.abstaining, "members": tally.members,
                           "taking_part": tally.taking_part, "quorum": verdict.quorum_needed, "carried": verdict.carried,
                           "why": verdict.why}
    answer["notice"] = state.notice(session, procedure)
    followed = session.scalar(select(WrittenProcedure.id).where(WrittenProcedure.follows_id == procedure.id).limit(1))
    answer["follows"] = f"W-{procedure.follows_id}" if procedure.follows_id else None
    answer["followed_by"] = f"W-{followed}" if followed else None
    if state.is_voice(op):
        spec = op.instance.workflows[procedure.kind_name]
        running = procedure.until is None or op.now < procedure.until
        if procedure.state in spec.flagged("takes_positions") and running:
            answer["hints"].append(Hint("object" if procedure.mode == state.SILENCE else "vote", procedure.ref))
        if procedure.state in spec.flagged("annexes") and (running or procedure.state not in spec.flagged("takes_positions")):
            answer["hints"].append(Hint("reserve", procedure.ref))


def open_for(op: Operation) -> list[dict[str, Any]]:
    """The procedures running now that the acting person speaks in for their member (the focal point's page)."""
    if not state.is_voice(op):
        return []
    spec = op.instance.workflows["written"]
    running = list(op.session.scalars(select(WrittenProcedure).where(WrittenProcedure.state.in_(spec.flagged("takes_positions")))
                                      .order_by(WrittenProcedure.until, WrittenProcedure.id)))
    mine = {p.procedure_id: p.position for p in op.session.scalars(select(WrittenPosition).where(
        WrittenPosition.org_id == op.actor.person.org_id, WrittenPosition.superseded_at.is_(None),
        WrittenPosition.procedure_id.in_([w.id for w in running])))} if running else {}
    return [{"ref": w.ref, "title": w.title, "document": w.document.ref, "mode": w.mode, "until": w.until, "position": mine.get(w.id)}
            for w in running if w.until is None or op.now < w.until]
