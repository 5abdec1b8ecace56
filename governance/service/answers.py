"""What `show` and `deadlines` answer, built from what was read: the same answer whether the rows came through the
ORM (queries.py) or as plain rows (plainread.py). Imports nothing from the store, so a plain read stays light."""

from __future__ import annotations

import json
from typing import Any, Callable

from governance.clock import iso
from governance.hints import Hint
from governance.workflows.spec import WorkflowSpec


def when(op: Any, moment: Any) -> str | None:
    return iso(moment, op.rules.zone)


def audit_view(op: Any, e: Any) -> dict[str, Any]:
    return {"seq": e.seq, "at": when(op, e.at), "actor": e.actor, "ref": e.ref, "trigger": e.trigger, "from": e.from_state,
            "to": e.to_state, "reason": e.reason, "rule": e.rule, "detail": json.loads(e.detail) if e.detail else None,
            "recorded_at": when(op, e.recorded_at), "channel": e.channel, "via": e.via}


def languages_answer(rules: Any, current: int | None, latest: dict[str, int]) -> list[dict[str, Any]]:
    """Each of the body's languages: the version its text renders (`latest` for the language versions, the current
    version for the working language) and whether it is behind the current one. A language with no text is stale."""
    view = []
    for lang in rules.languages:
        if lang == rules.working_language:
            view.append({"lang": lang, "version": current, "stale": False, "working": True})
        else:
            number = latest.get(lang)
            view.append({"lang": lang, "version": number, "stale": number is None or (current is not None and number < current),
                         "working": False})
    return view


def deadline_view(op: Any, row: Any) -> dict[str, Any]:
    """A deadline row as `deadlines` lists it."""
    return {"ref": row.ref, "name": row.name, "kind": row.kind, "due": when(op, row.due), "status": row.status,
            "fire": row.fire, "audience": row.audience, "rule": row.rule, "outcome": row.outcome}


def pending_view(record: Any) -> dict[str, str] | None:
    if not record.pending_trigger:
        return None
    return {"trigger": record.pending_trigger, "by": record.pending_by or ""}


def deadline_entry(op: Any, row: Any, local: dict[str, Any] | None) -> dict[str, Any]:
    """A deadline as `show` lists it; `local` says when it falls for a reader in another zone or with an office
    calendar of their own (their time, and why that day is closed for their office, if it is)."""
    entry = {"name": row.name, "due": when(op, row.due), "status": row.status, "kind": row.kind, "fire": row.fire}
    return {**entry, "local": local} if local is not None else entry


def answer(op: Any, spec: WorkflowSpec, record: Any, allowed: list[str], rows: list[Any], history: list[Any],
           fields: dict[str, Any], local: Callable[[Any], dict[str, Any] | None]) -> dict[str, Any]:
    """`show`'s answer for a workflow record: its state, what the actor may do, its open deadlines (`rows`, soonest
    first; `local` gives each its reader's view) and its history."""
    result: dict[str, Any] = {
        "ref": record.ref,
        "kind": record.kind_name,
        "state": record.state,
        "state_description": spec.states[record.state].description,
        "version": record.version,
        "allowed": allowed,
        "pending_approval": pending_view(record),
        "deadlines": [deadline_entry(op, r, local(r)) for r in rows],
        "next": [{"trigger": t.name, "description": t.description, "roles": list(t.roles), "approval": t.approval,
                  "allowed": t.name in allowed} for t in spec.triggers_from(record.state)],
        "history": [audit_view(op, e) for e in history],
        "fields": fields,
    }
    result["hints"], result["by"] = _what_next(op, spec, record, allowed, rows)
    return result


def _what_next(op: Any, spec: WorkflowSpec, record: Any, allowed: list[str], rows: list[Any]) -> tuple[list[Hint], dict[str, Any] | None]:
    """What this actor may do on the record now, and the deadline that ends the present state."""
    commands = [Hint("advance", record.ref, t) for t in allowed]
    if op.actor.handle and record.pending_trigger:
        approver = spec.triggers[record.pending_trigger].approval or op.rules.approver
        if approver in op.actor.roles_for(record):
            commands += [Hint("approve", record.ref), Hint("reject", record.ref)]
    flags = spec.states[record.state].flags
    if op.actor.person is not None and "accepts_comments" in flags:
        documents = op.rules.provision("documents")
        if op.actor.roles & set(documents["commenters"]):
            commands.append(Hint("comment", record.ref))
    if op.actor.person is not None and "weighs_comments" in flags:
        if op.rules.secretariat in op.actor.roles:
            commands.append(Hint("matrix", record.ref))
    ending = next((r for r in rows if r.kind == "deadline"), None)
    by = {"due": when(op, ending.due), "name": ending.name, "fires": ending.fire} if ending is not None else None
    return commands, by
