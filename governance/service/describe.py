"""What a letter may say about a record: the context handed to mail templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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
        view["stats"] = Deferred(lambda: comment_stats(session, record))
    elif isinstance(record, Action):
        view.update(due=record.due, owner=record.owner.name, source=record.source_ref or "")
    elif isinstance(record, Term):
        provision = op.rules.provision(f"offices.{record.office}")
        view.update(office=record.office, office_title=provision["title"] or record.office, org=record.org.name,
                    start=record.start, end=record.end)
    return view


class Deferred(Mapping[str, Any]):
    """A mapping computed on first use: most letters never mention what it holds, so most never pay for it."""

    def __init__(self, compute: Callable[[], dict[str, Any]]) -> None:
        self._compute = compute
        self._value: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())


def comment_stats(session: Any, document: Document) -> dict[str, int]:
    """Comments on the current circulation: how many, from how many organisations, how many members silent."""
    from sqlalchemy import func, select

    from governance.store.models import Comment

    current = (Comment.document_id == document.id) & (Comment.circulation == document.circulation)
    members = select(func.count()).select_from(Organisation).where(Organisation.kind == "member").scalar_subquery()
    member_commented = func.count(func.distinct(Organisation.id))
    row = session.execute(
        select(func.count(Comment.id), func.count(func.distinct(Comment.org_id)), member_commented, members)
        .select_from(Comment).outerjoin(Organisation, (Comment.org_id == Organisation.id) & (Organisation.kind == "member"))
        .where(current)).one()
    comments, orgs, commented_members, member_count = (value or 0 for value in row)
    return {"comments": comments, "organisations": orgs, "silent": member_count - commented_members}


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
