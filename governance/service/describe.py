"""What a letter may say about a record: the context handed to mail templates."""

from __future__ import annotations

from typing import Any

from governance.store.models import Action, Document, DocumentVersion, Meeting, Organisation, Term


class Localised(dict):  # type: ignore[type-arg]
    """A phrase in several languages; the renderer keeps the letter's one."""

    by_language = True


DECISIONS = {
    "adopted": Localised(en="adopted", fr="adopté", ar="الذي اعتُمد"),
    "endorsed": Localised(en="endorsed", fr="approuvé", ar="الذي أُقرّ"),
    "noted": Localised(en="taken note of", fr="dont il a été pris note", ar="الذي أُحيط علمًا به"),
}


def record_view(op: Any, record: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"ref": record.ref, "state": getattr(record, "state", None), "title": getattr(record, "title", record.ref)}
    session = op.session
    if isinstance(record, Meeting):
        provision = op.rules.provision(f"meetings.{record.kind}")
        zone = op.rules.zone
        view.update(
            kind=record.kind,
            kind_title=provision["title"] or record.kind.replace("_", " "),
            start=record.start,
            end=record.end,
            days=(record.end.astimezone(zone).date() - record.start.astimezone(zone).date()).days + 1,
            venue=record.venue or "",
            online=record.online,
            notice_days=provision["notice_days"],
            notice_rule=provision.cite(),
        )
    elif isinstance(record, Document):
        meeting = session.get(Meeting, record.meeting_id) if record.meeting_id else None
        version = session.get(DocumentVersion, (record.id, record.current_version)) if record.current_version else None
        view.update(
            type=record.type,
            version=record.current_version,
            meeting=meeting.title if meeting else "",
            text=version.text if version else "",
            decision_text=DECISIONS.get(_decision(op, record), Localised(en="", fr="", ar="")),
        )
        view["stats"] = comment_stats(session, record)
    elif isinstance(record, Action):
        view.update(due=record.due, owner=record.owner.name, source=record.source_ref or "")
    elif isinstance(record, Term):
        provision = op.rules.provision(f"offices.{record.office}")
        view.update(office=record.office, office_title=provision["title"] or record.office, org=record.org.name,
                    start=record.start, end=record.end)
    return view


def comment_stats(session: Any, document: Document) -> dict[str, int]:
    """Comments on the current circulation: how many, from how many organisations, how many members silent."""
    from sqlalchemy import func, select

    from governance.store.models import Comment

    current = (Comment.document_id == document.id) & (Comment.circulation == document.circulation)
    comments = session.scalar(select(func.count()).select_from(Comment).where(current)) or 0
    orgs = session.scalar(select(func.count(func.distinct(Comment.org_id))).where(current)) or 0
    members = session.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "member")) or 0
    commented_members = session.scalar(
        select(func.count(func.distinct(Comment.org_id))).join(Organisation, Comment.org_id == Organisation.id)
        .where(current, Organisation.kind == "member")) or 0
    return {"comments": comments, "organisations": orgs, "silent": members - commented_members}


def _decision(op: Any, document: Document) -> str:
    if document.state in DECISIONS:
        return document.state
    # Published: the decision it was published after is the state it left.
    from sqlalchemy import select

    from governance.store.models import AuditEntry

    last = op.session.scalar(
        select(AuditEntry.from_state).where(AuditEntry.ref == document.ref, AuditEntry.to_state == "published").order_by(AuditEntry.seq.desc()).limit(1)
    )
    return last or "adopted"


def base_context(op: Any, record: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    body = op.rules.body
    context = {
        "body": {"name": body["name"], "short_name": body["short_name"]},
        "record": record_view(op, record),
        "actor": op.actor.display,
        "reason": None,
        "deadline": {},
        "deadlines": {},
        "approval": {},
        "stats": {},
        "successor": None,
        "vacancy": None,
    }
    if "stats" in context["record"]:
        context["stats"] = context["record"].pop("stats")
    if extra:
        context.update(extra)
    return context


def person_view(person: Any, org: Organisation | None = None) -> dict[str, Any]:
    return {"name": person.name, "org": (org or person.org).name, "handle": person.handle}
