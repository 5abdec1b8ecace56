"""Reading: what a record is and what may be done with it, deadlines, approvals, the outbox, the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from governance.clock import iso
from governance.errors import BadInput
from governance.hints import Hint
from governance.service import engine, lookup
from governance.service.answers import answer, audit_view, deadline_view
from governance.service.context import Operation
from governance.rules import Rules
from governance.service.describe import fields_view
from governance.store.models import (
    AuditEntry,
    Comment,
    Deadline,
    Document,
    DocumentVersion,
    OutboxMessage,
    Term,
    WorkflowRecord,
)
from governance.workflows import records


def _t(op: Operation, moment: Any) -> str | None:
    return iso(moment, op.rules.zone)


def show(op: Operation, ref: str) -> dict[str, Any]:
    """A record's state, what the actor may do now, its deadlines and history (`gov show` reads the same answer from
    plain rows where it can: plainread.py)."""
    record = lookup.record(op.session, ref)
    record_type = records.of_model(type(record))
    if not record_type.workflow:
        return _show_comment(op, record)
    spec = op.instance.workflows[record.kind_name]
    allowed = engine.allowed_triggers(op, record) if op.actor.handle else []
    rows = op.session.scalars(select(Deadline).where(Deadline.ref == record.ref, Deadline.status == "pending").order_by(Deadline.due, Deadline.id)).all()
    history = op.session.scalars(select(AuditEntry).where(AuditEntry.ref == record.ref).order_by(AuditEntry.seq)).all()
    result = answer(op, spec, record, allowed, list(rows), list(history), fields_view(op, record, record_type.fields, "show"),
                    lambda row: _local(op, row))
    if record_type.show_extras:  # what the kind's fields cannot say (a written procedure's positions)
        records.named(record_type.show_extras)(op, record, result)
    if isinstance(record, Document):
        from governance.service.translations import languages_view

        result["languages"] = languages_view(op, record)
    return result


def _local(op: Operation, row: Deadline) -> dict[str, Any] | None:
    from governance.service.calendars import local_view

    return local_view(op, row.due)


def _show_comment(op: Operation, comment: Comment) -> dict[str, Any]:
    history = op.session.scalars(select(AuditEntry).where(AuditEntry.ref == comment.ref).order_by(AuditEntry.seq)).all()
    document = op.session.get(Document, comment.document_id)
    open_document = not op.instance.workflows[document.kind_name].states[document.state].final
    commands = ([Hint("dispose", comment.ref)]
                if op.actor.person is not None and op.rules.secretariat in op.actor.roles and open_document else [])
    return {"ref": comment.ref, "kind": "comment", "state": comment.decision or "open", "allowed": [], "pending_approval": None,
            "deadlines": [], "version": comment.version,
            "fields": {"document": document.ref, "version": comment.document_version, "para": comment.para,
                       "org": comment.org.code, "text": comment.text, "decision": comment.decision, "note": comment.note},
            "history": [audit_view(op, e) for e in history], "next": [], "hints": commands, "by": None}


def record_rows(op: Operation, kind: str) -> list[dict[str, Any]]:
    """One line per record of a kind: what it is, where it stands, when it happens or falls due, and whose it is."""
    record_type = records.record_type(kind)
    model = record_type.model_class()
    return [_row(op, record_type, r) for r in op.session.scalars(select(model).order_by(model.id))]


def record_groups(op: Operation, kind: str, per_state: int) -> dict[str, Any]:
    """A kind's records as a desk shows them, bounded however many are stored: how many stand in each state, the
    newest `per_state` of each, and every one waiting for an approval."""
    record_type = records.record_type(kind)
    model = record_type.model_class()
    counts = dict(op.session.execute(select(model.state, func.count()).group_by(model.state)).all())
    states = {state: {"count": count, "rows": [_row(op, record_type, r) for r in op.session.scalars(
        select(model).where(model.state == state).order_by(model.id.desc()).limit(per_state))]}
        for state, count in sorted(counts.items())}
    pending = [_row(op, record_type, r) for r in op.session.scalars(
        select(model).where(model.pending_trigger.is_not(None)).order_by(model.id).limit(per_state))]
    return {"states": states, "pending": pending}


def _row(op: Operation, record_type: Any, record: WorkflowRecord) -> dict[str, Any]:
    row = {"ref": record.ref, "state": record.state, "title": getattr(record, record_type.title, ""),
           "pending": record.pending_trigger, "when": None, "who": None}
    row.update(fields_view(op, record, record_type.row, "row"))
    return row


def approvals(op: Operation) -> list[dict[str, Any]]:
    items = []
    for kind in records.workflow_kinds():
        if kind not in op.instance.workflows:
            continue  # a kind this instance does without (records.RecordType.optional)
        spec, model = op.instance.workflows[kind], records.record_type(kind).model_class()
        for record in op.session.scalars(select(model).where(model.pending_trigger.is_not(None)).order_by(model.pending_at)):
            trigger = spec.triggers.get(record.pending_trigger)
            approver = trigger.approval if trigger else None
            if approver and approver in op.actor.roles_for(record):
                items.append({"ref": record.ref, "trigger": record.pending_trigger, "requested_by": record.pending_by,
                              "requested_at": _t(op, record.pending_at), "reason": record.pending_reason,
                              "title": getattr(record, "title", record.ref)})
    return items


def deadlines(op: Operation, include_all: bool, limit: int | None) -> list[dict[str, Any]]:
    query = select(Deadline).order_by(Deadline.due, Deadline.id)
    if not include_all:
        query = query.where(Deadline.status == "pending")
    if limit:
        query = query.limit(limit)
    return [deadline_view(op, r) for r in op.session.scalars(query)]


def outbox(op: Operation, status: str | None, limit: int | None) -> list[dict[str, Any]]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if status:
        if status not in ("pending", "sent", "failed"):
            raise BadInput(f"--status must be pending, sent or failed, not {status!r}")
        query = query.where(OutboxMessage.status == status)
    if limit:
        query = query.limit(limit)
    return [{"id": m.id, "to": m.recipient, "lang": m.lang, "subject": m.subject, "status": m.status, "ref": m.ref,
             "template": m.template, "attempts": m.attempts, "created_at": _t(op, m.created_at), "sent_at": _t(op, m.sent_at),
             "error": m.last_error}
            for m in op.session.scalars(query)]


def outbox_count(op: Operation, status: str | None) -> int:
    """How many letters `outbox` would list without a limit."""
    query = select(func.count()).select_from(OutboxMessage)
    return op.session.scalar(query.where(OutboxMessage.status == status) if status else query) or 0


def audit_count_before(op: Operation, seq: int) -> int:
    """How many entries of the whole trail come before entry `seq` (what a page of the newest leaves out)."""
    return op.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq < seq)) or 0


def audit_entries(op: Operation, ref: str | None, limit: int | None) -> list[dict[str, Any]]:
    query = select(AuditEntry)
    if ref:
        target = lookup.record(op.session, ref)
        refs = [target.ref]
        # A record's story includes the records counted on it (a document's, the comments made on it).
        for counted in (f for f in records.of_model(type(target)).fields if f.form == "count"):
            kind = records.record_type(counted.target)
            model = kind.model_class()
            refs += [f"{kind.prefix}-{i}" for i in op.session.scalars(select(model.id).where(getattr(model, counted.attribute) == target.id))]
        query = query.where(AuditEntry.ref.in_(refs))
    if limit:
        newest = query.order_by(AuditEntry.seq.desc()).limit(limit).subquery()
        rows = op.session.scalars(select(AuditEntry).join(newest, AuditEntry.seq == newest.c.seq).order_by(AuditEntry.seq))
    else:
        rows = op.session.scalars(query.order_by(AuditEntry.seq))
    return [audit_view(op, e) for e in rows]


def document_text(op: Operation, ref: str, version: int | None) -> tuple[Document, DocumentVersion]:
    document = lookup.record(op.session, ref, ("document",))
    number = version or document.current_version
    found = op.session.get(DocumentVersion, (document.id, number))
    if found is None:
        raise BadInput(f"{document.ref} has no version {number} (versions 1 to {document.current_version})")
    return document, found


def matrix(op: Operation, ref: str) -> tuple[Document, list[dict[str, Any]]]:
    document = lookup.record(op.session, ref, ("document",))
    comments = op.session.scalars(select(Comment).where(Comment.document_id == document.id).order_by(Comment.para.is_(None), Comment.para, Comment.id))
    rows = [{"comment": c.ref, "para": c.para, "org": c.org.code, "text": c.text, "decision": c.decision, "note": c.note,
             "version": c.document_version, "circulation": c.circulation} for c in comments]
    return document, rows


def terms(op: Operation, office: str | None) -> list[dict[str, Any]]:
    query = select(Term).order_by(Term.office, Term.start)
    if office:
        if office not in op.rules.offices():
            raise BadInput(f"unknown office {office!r} (offices: {', '.join(op.rules.offices())})")
        query = query.where(Term.office == office)
    return [{"ref": t.ref, "office": t.office, "org": t.org.code, "org_name": t.org.name, "start": _t(op, t.start),
             "end": _t(op, t.end), "state": t.state} for t in op.session.scalars(query)]


def term_next(op: Operation, office: str) -> dict[str, Any]:
    """Who holds the office next under the rules, and why."""
    from governance.service.succession import candidates

    if office not in op.rules.offices():
        raise BadInput(f"unknown office {office!r} (offices: {', '.join(op.rules.offices())})")
    return candidates(op.session, op.rules, office)


def rules_in_force(op_rules: Rules) -> list[dict[str, Any]]:
    return [{"table": p.path, "article": p.article, "source": p.source, "illustrative": list(p.illustrative),
             "values": p.values} for p in op_rules.provisions.values()]
