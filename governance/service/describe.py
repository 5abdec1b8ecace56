"""What a letter may say about a record: the context handed to mail templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from governance.documents import numbered, paragraphs
from governance.store.models import Action, Document, DocumentVersion, Meeting, Organisation, Term

# A draft up to this many characters (numbered) travels in the letter itself; a longer one as an attached text file.
INLINE_DRAFT_LIMIT = 6000
# The letters that carry the version being circulated, in the letter or attached.
CARRY_DRAFT = frozenset({"document_circulated", "comment_reminder"})


class Localised(dict):  # type: ignore[type-arg]
    """A phrase in several languages; the renderer keeps the letter's one."""

    by_language = True


DECISIONS = {
    "adopted": Localised(en="adopted", fr="adopté", ar="الذي اعتُمد"),
    "endorsed": Localised(en="endorsed", fr="approuvé", ar="الذي أُقرّ"),
    "noted": Localised(en="taken note of", fr="dont il a été pris note", ar="الذي أُحيط علمًا به"),
}

# The shipped names of meeting kinds and offices (their English titles in the rules) in the other languages. A
# title the rules file changes is its own, and letters in every language keep it as written.
SHIPPED_TITLES = {
    "Network meeting": Localised(fr="réunion du réseau", ar="اجتماع الشبكة"),
    "Focal-point meeting": Localised(fr="réunion des points focaux", ar="اجتماع جهات الاتصال"),
    "Workshop": Localised(fr="atelier", ar="ورشة عمل"),
    "Chair": Localised(fr="présidence", ar="الرئاسة"),
}

# What a chair is asked to approve, by trigger of the shipped workflows: the step in the reader's words.
STEPS = {
    ("meeting", "convene"): Localised(en="convening the meeting, with invitations to every focal point and observer",
                                      fr="convocation de la réunion, avec l'envoi des invitations à tous les points focaux et observateurs",
                                      ar="عقد الاجتماع وتوجيه الدعوات إلى جميع جهات الاتصال والمراقبين"),
    ("meeting", "cancel"): Localised(en="cancelling the meeting; those invited are told",
                                     fr="annulation de la réunion, dont les invités seront informés",
                                     ar="إلغاء الاجتماع وإبلاغ المدعوين بذلك"),
    ("document", "publish"): Localised(en="publishing the final version, sent to every member and observer",
                                       fr="publication de la version finale, envoyée à tous les membres et observateurs",
                                       ar="نشر النسخة النهائية وإرسالها إلى جميع الأعضاء والمراقبين"),
    ("term", "confirm"): Localised(en="confirming a designation made outside the rotation the rules set",
                                   fr="confirmation d'une désignation faite hors de la rotation prévue par le Règlement intérieur",
                                   ar="تأكيد تعيين جرى خارج نظام التناوب الذي يحدده النظام الداخلي"),
    ("term", "revoke"): Localised(en="withdrawing the designation before the term starts",
                                  fr="retrait de la désignation avant le début du mandat",
                                  ar="سحب التعيين قبل بدء الولاية"),
}


def title_in_letters(title: str) -> Any:
    """A kind's or an office's title from the rules, in the reader's language where the shipped one is translated."""
    shipped = SHIPPED_TITLES.get(title)
    return Localised(en=title, fr=shipped["fr"], ar=shipped["ar"]) if shipped else title


def record_view(op: Any, record: Any) -> dict[str, Any]:
    from governance.mail.render import Laid  # a document's text is set as a block, not as data in a sentence

    view: dict[str, Any] = {"ref": record.ref, "state": getattr(record, "state", None), "title": getattr(record, "title", record.ref),
                            "is": getattr(record, "kind_name", "")}
    session = op.session
    if isinstance(record, Meeting):
        provision = op.rules.provision(f"meetings.{record.kind}")
        zone = op.rules.zone
        view.update(
            kind=record.kind,
            kind_title=title_in_letters(provision["title"] or record.kind.replace("_", " ")),
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
            text=Laid(version.text) if version else "",
            decision_text=DECISIONS.get(_decision(op, record), Localised(en="", fr="", ar="")),
        )
        view["stats"] = Deferred(lambda: comment_stats(session, record))
        view["draft"] = Deferred(lambda: draft_view(session, record))
    elif isinstance(record, Action):
        view.update(due=record.due, owner=record.owner.name, source=record.source_ref or "")
    elif isinstance(record, Term):
        provision = op.rules.provision(f"offices.{record.office}")
        view.update(office=record.office, office_title=title_in_letters(provision["title"] or record.office), org=record.org.name,
                    start=record.start, end=record.end, article=provision.cite())
        view["succession"] = Deferred(lambda: succession_view(op, record.office))
    return view


def draft_view(session: Any, document: Document) -> dict[str, Any]:
    """The version out for comments (the current one before a first circulation), its paragraphs numbered as
    `gov comment add --para N` counts them, and whether it is too long to travel in the letter itself."""
    from governance.mail.render import Laid

    number = document.circulated_version or document.current_version
    version = session.get(DocumentVersion, (document.id, number)) if number else None
    text = numbered(version.text) if version else ""
    return {"version": number, "text": Laid(text), "paragraphs": len(paragraphs(version.text)) if version else 0,
            "attached": len(text) > INLINE_DRAFT_LIMIT, "filename": f"{document.ref}-v{number}.txt"}


def succession_view(op: Any, office: str) -> dict[str, Any]:
    """Who comes next in the office and who acts meanwhile, as data a letter words in its own language."""
    from sqlalchemy import select

    from governance.service.succession import candidates, latest_term, vacancy

    found = candidates(op.session, op.rules, office)
    designated = latest_term(op.session, office, ("designated", "proposed"))
    empty = vacancy(op.session, op.rules, office)
    codes = list(found["next"]) + ([empty["acting"]] if empty and empty["rule"] == "outgoing_continues" else [])
    names = dict(op.session.execute(select(Organisation.code, Organisation.name).where(Organisation.code.in_(codes))).all()) if codes else {}
    return {
        "designated": {"org": designated.org.name, "ref": designated.ref, "start": designated.start} if designated else None,
        "next": [names.get(code, code) for code in found["next"]],
        "rotation": found["rotation"],
        "article": found["rule"],
        "vacancy": {"rule": empty["rule"], "acting": names.get(empty["acting"], empty["acting"])} if empty else None,
    }


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
    approval = context["approval"]
    if approval.get("trigger"):
        # The step in the reader's words; a trigger a changed workflow added is named with its own description.
        description = str(approval.get("description") or "").rstrip(". ")
        fallback = f"{approval['trigger']} – {description}" if description else approval["trigger"]
        context["approval"] = dict(approval, step=STEPS.get((record.kind_name, approval["trigger"]), fallback))
    return context


def person_view(person: Any, org: Organisation | None = None) -> dict[str, Any]:
    return {"name": person.name, "org": (org or person.org).name, "handle": person.handle}
