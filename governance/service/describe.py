"""What a letter may say about a record: the context handed to mail templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from governance.clock import iso, shown
from governance.documents import numbered, paragraphs
from governance.store.models import Document, DocumentVersion, Meeting, Organisation, Person, Term, WorkflowRecord
from governance.workflows import records
from governance.workflows.records import Field, RecordType

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from governance.service.context import Operation

# A draft up to this many characters (numbered) travels in the letter itself; a longer one as an attached text file.
INLINE_DRAFT_LIMIT = 6000
# The letters that carry the version being circulated, in the letter or attached.
CARRY_DRAFT = frozenset({"document_circulated", "comment_reminder"})


class Localised(dict):  # type: ignore[type-arg]
    """A phrase in several languages; the renderer keeps the letter's one."""

    by_language = True


# The shipped words for decisions (`decision = "..."` of the document workflow's states) in the other languages, as
# letters use them. Words the workflow file changes are its own, and letters in every language keep them as written.
DECISIONS = {
    "adopted": Localised(en="adopted", fr="adopté", ar="الذي اعتُمد"),
    "endorsed": Localised(en="endorsed", fr="approuvé", ar="الذي أُقرّ"),
    "taken note of": Localised(en="taken note of", fr="dont il a été pris note", ar="الذي أُحيط علمًا به"),
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
STEPS = {key: Localised(en=en, fr=fr, ar=ar) for key, (en, fr, ar) in {
    ("meeting", "convene"): (
        "convening the meeting, with invitations to every focal point and observer",
        "convocation de la réunion, avec l'envoi des invitations à tous les points focaux et observateurs",
        "عقد الاجتماع وتوجيه الدعوات إلى جميع جهات الاتصال والمراقبين"),
    ("meeting", "cancel"): (
        "cancelling the meeting; those invited are told",
        "annulation de la réunion, dont les invités seront informés",
        "إلغاء الاجتماع وإبلاغ المدعوين بذلك"),
    ("document", "publish"): (
        "publishing the final version, sent to every member and observer",
        "publication de la version finale, envoyée à tous les membres et observateurs",
        "نشر النسخة النهائية وإرسالها إلى جميع الأعضاء والمراقبين"),
    ("term", "confirm"): (
        "confirming a designation made outside the rotation the rules set",
        "confirmation d'une désignation faite hors de la rotation prévue par le Règlement intérieur",
        "تأكيد تعيين جرى خارج نظام التناوب الذي يحدده النظام الداخلي"),
    ("term", "revoke"): (
        "withdrawing the designation before the term starts",
        "retrait de la désignation avant le début du mandat",
        "سحب التعيين قبل بدء الولاية"),
    ("written", "launch"): (
        "putting the document to the members in writing, by silence or by vote, until the deadline the procedure names",
        "soumission du document aux membres par procédure écrite, par silence ou par vote, jusqu'à l'échéance indiquée",
        "عرض الوثيقة على الأعضاء بالإجراء الكتابي، بالسكوت أو بالتصويت، حتى الموعد المحدد"),
}.items()}


def title_in_letters(title: str) -> Any:
    """A kind's or an office's title from the rules, in the reader's language where the shipped one is translated."""
    shipped = SHIPPED_TITLES.get(title)
    return Localised(en=title, fr=shipped["fr"], ar=shipped["ar"]) if shipped else title


# -- a record's fields, as its RecordType declares them ------------------------------------------------------

def field_value(op: Operation, record: WorkflowRecord, field: Field, view: str) -> Any:
    """One declared field of a record for a view: "show" (JSON: times in ISO 8601), "row" (a list line) or "letter"
    (values as they are; templates format them in the reader's language)."""
    zone = op.rules.zone
    form = field.form
    if form == "place":
        return "online" if record.online else record.venue
    if form == "count":  # `attribute` is the counted records' column that points here
        from sqlalchemy import func, select

        model = records.record_type(field.target).model_class()
        return op.session.scalar(select(func.count()).select_from(model).where(getattr(model, field.attribute) == record.id))
    value = getattr(record, field.source)
    if value is None:
        return field.blank
    if form == "time":
        value = value if view == "letter" else iso(value, zone) if view == "show" else shown(value, zone)[:16]
    elif form == "org_code":
        value = value.code
    elif form == "org_name":
        value = value.name
    elif form == "ref":
        value = f"{records.record_type(field.target).prefix}-{value}"
    elif form == "dates":
        value = f"{shown(value, zone)[:10]} to {shown(getattr(record, field.until), zone)[:10]}"
    elif form == "span":  # one day: 2023-06-07 10:00-15:00; several: 2023-06-07 10:00 to 2023-06-08
        start, end = value.astimezone(zone), getattr(record, field.until).astimezone(zone)
        value = shown(value, zone)[:16] + (f" to {end:%Y-%m-%d}" if end.date() != start.date() else f"-{end:%H:%M}")
    return field.text.format(value) if field.text != "{}" else value


def fields_view(op: Operation, record: WorkflowRecord, fields: tuple[Field, ...], view: str) -> dict[str, Any]:
    return {f.name: field_value(op, record, f, view) for f in fields}


# -- what a letter says about a record ------------------------------------------------------------------------

LetterExtras = Callable[["Operation", Any, dict[str, Any]], dict[str, Any]]
LETTER_EXTRAS: dict[str, LetterExtras] = {}


def letter_extras(name: str) -> Callable[[LetterExtras], LetterExtras]:
    """Register what a kind's letters say beyond its declared fields (RecordType.letter_extras names it)."""
    return lambda fn: LETTER_EXTRAS.setdefault(name, fn)


def record_view(op: Operation, record: WorkflowRecord, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record as letters see it: its declared letter fields, and its kind's extras (which may add to `context`)."""
    record_type = records.of_model(type(record))
    view: dict[str, Any] = {"ref": record.ref, "state": getattr(record, "state", None), "title": getattr(record, "title", record.ref),
                            "is": record_type.kind}
    view.update(fields_view(op, record, record_type.letter, "letter"))
    if record_type.letter_extras:
        added = LETTER_EXTRAS[record_type.letter_extras](op, record, view)
        if context is not None:
            context.update(added)
    return view


@letter_extras("meeting")
def _meeting_letter(op: Operation, meeting: Meeting, view: dict[str, Any]) -> dict[str, Any]:
    provision = op.rules.provision(f"meetings.{meeting.kind}")
    zone = op.rules.zone
    view.update(
        kind_title=title_in_letters(provision["title"] or meeting.kind.replace("_", " ")),
        days=(meeting.end.astimezone(zone).date() - meeting.start.astimezone(zone).date()).days + 1,
        notice_days=provision["notice_days"],
        notice_rule=provision.cite(),
    )
    return {}


@letter_extras("document")
def _document_letter(op: Operation, document: Document, view: dict[str, Any]) -> dict[str, Any]:
    from governance.mail.render import Laid  # a document's text is set as a block, not as data in a sentence

    session = op.session
    meeting = session.get(Meeting, document.meeting_id) if document.meeting_id else None
    spec = op.instance.workflows[document.kind_name]
    word = spec.states[document.state].phrases.get("decision")
    # A state without a decision of its own words the one it was entered from, read from the trail with the texts.
    versions, translations, left = _texts(session, document, entered_from=word is None)
    version = versions.get(document.current_version) if document.current_version else None
    view.update(
        meeting=meeting.title if meeting else "",
        text=Laid(version.text) if version else "",
        decision_text=_decision(op, document, word, left),
    )
    view["stats"] = Deferred(lambda: comment_stats(session, document))
    view["draft"] = Drafts(document, versions, translations)
    return {}


def _texts(session: Session, document: Document, entered_from: bool = False) -> tuple[dict[int, DocumentVersion], dict[str, Any], str | None]:
    """What a letter may carry of a document's text, in one query: its current version and the one out for comments
    (the same, but for a revision made since), by number; the language versions of the one out for comments, by
    language. With `entered_from`, also the state the trail last saw the document enter its present one from
    (_entered_from), asked in the same query."""
    from sqlalchemy import select

    from governance.store.models import DocumentTranslation

    draft = document.circulated_version or document.current_version
    numbers = sorted({n for n in (document.current_version, draft) if n})
    if not numbers:
        return {}, {}, session.scalar(_entered_from(document)) if entered_from else None
    left = [_entered_from(document).scalar_subquery()] if entered_from else []
    rows = session.execute(
        select(DocumentVersion, DocumentTranslation, *left)
        .outerjoin(DocumentTranslation, (DocumentTranslation.document_id == DocumentVersion.document_id)
                   & (DocumentTranslation.number == DocumentVersion.number))
        .where(DocumentVersion.document_id == document.id, DocumentVersion.number.in_(numbers))).all()
    versions = {row[0].number: row[0] for row in rows}
    translations = {row[1].lang: row[1] for row in rows if row[1] is not None and row[1].number == draft}
    if not entered_from:
        return versions, translations, None
    # No stored version (none of the numbers found): the trail is asked on its own.
    return versions, translations, rows[0][2] if rows else session.scalar(_entered_from(document))


def _entered_from(document: Document) -> Any:
    """The state the document last entered its present one from, as the trail (written so far) records it."""
    from sqlalchemy import select

    from governance.store.models import AuditEntry

    return (select(AuditEntry.from_state).where(AuditEntry.ref == document.ref, AuditEntry.to_state == document.state)
            .order_by(AuditEntry.seq.desc()).limit(1))


@letter_extras("term")
def _term_letter(op: Operation, term: Term, view: dict[str, Any]) -> dict[str, Any]:
    provision = op.rules.provision(f"offices.{term.office}")
    view.update(office_title=title_in_letters(provision["title"] or term.office), article=provision.cite())
    view["succession"] = Deferred(lambda: succession_view(op, term.office))
    # Letters about a term (its end near, the office vacant) say who comes next and who acts meanwhile.
    return {"successor": successor_text(op, term.office), "vacancy": vacancy_text(op, term.office)}


def successor_text(op: Operation, office: str) -> str:
    from governance.service.queries import term_next

    nxt = term_next(op, office)
    if nxt["next"]:
        return f"Under the rules the next holder is: {', '.join(nxt['next'])} ({nxt['reason']}; {nxt['rule']})."
    return f"The rules name no successor: {nxt['reason']} ({nxt['rule']})."


def vacancy_text(op: Operation, office: str) -> str:
    from governance.service.succession import vacancy

    state = vacancy(op.session, op.rules, office)
    if state is None:
        return "the office is held"
    if state["rule"] == "outgoing_continues":
        return f"{state['acting']}, the outgoing holder, continues to exercise the office ({state['article']})"
    return f"the secretariat exercises the office's approvals ({state['article']})"


def draft_view(document: Document, versions: dict[int, DocumentVersion], translations: dict[str, Any],
               lang: str | None = None) -> dict[str, Any]:
    """The version out for comments (the current one before a first circulation), its paragraphs numbered as
    `gov comment add --para N` counts them, and whether it is too long to travel in the letter itself.

    With `lang`, its language version in `lang` when one renders that very version (`lang` then names it); an older
    one is not this text, and the version itself is carried instead (`lang` None). `versions` and `translations`
    are the document's texts as _texts reads them.
    """
    from governance.mail.render import Laid

    number = document.circulated_version or document.current_version
    version = versions.get(number) if number else None
    text, headings = (version.text, version.headings) if version else ("", False)
    rendered = translations.get(lang) if version and lang else None
    if rendered is not None:
        text, headings = rendered.text, rendered.headings
    laid_out = numbered(text, headings)
    suffix = f"-{lang}" if rendered is not None else ""
    return {"version": number, "text": Laid(laid_out), "paragraphs": len(paragraphs(text, headings)),
            "attached": len(laid_out) > INLINE_DRAFT_LIMIT, "filename": f"{document.ref}-v{number}{suffix}.txt",
            "lang": lang if rendered is not None else None}


def succession_view(op: Operation, office: str) -> dict[str, Any]:
    """Who comes next in the office and who acts meanwhile, as data a letter words in its own language."""
    from sqlalchemy import select

    from governance.service.succession import candidates, latest_term, vacancy
    from governance.workflows.records import TERM_STATES

    found = candidates(op.session, op.rules, office)
    designated = latest_term(op.session, office, TERM_STATES.waiting)
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


class Drafts(Deferred):
    """The draft a letter carries (draft_view), in the working language; `in_language` gives it as a reader of another
    language receives it, each language laid out once per letter queued."""

    def __init__(self, document: Document, versions: dict[int, DocumentVersion], translations: dict[str, Any]) -> None:
        super().__init__(lambda: draft_view(document, versions, translations))
        self._texts = document, versions, translations
        self._by_language: dict[str, dict[str, Any]] = {}

    def in_language(self, lang: str) -> dict[str, Any]:
        if lang not in self._by_language:
            self._by_language[lang] = draft_view(*self._texts, lang)
        return self._by_language[lang]


def comment_stats(session: Session, document: Document) -> dict[str, int]:
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


def _decision(op: Operation, document: Document, word: str | None, left: str | None) -> Any:
    """The decision on a document in letters' words: its state's (`word`, its `decision = "..."`), or, once it has
    moved on (published), that of the state it entered its present one from (`left`, as _entered_from read it);
    with no trail to read, the first one declared."""
    if word is None:
        spec = op.instance.workflows[document.kind_name]
        word = spec.states[left].phrases.get("decision") if left in spec.states else None
        word = word or next((s.phrases["decision"] for s in spec.states.values() if "decision" in s.phrases), None)
    return DECISIONS.get(word, word) if word else Localised(en="", fr="", ar="")


def letter_context(op: Operation, record: WorkflowRecord | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a letter template is given: the body, the record (if the letter is about one), who acted, and `extra`
    (a deadline, an approval asked, a failed row, ...). The one place a letter's context is built."""
    body = op.rules.body
    context: dict[str, Any] = {
        "body": {"name": body["name"], "short_name": body["short_name"]},
        "record": {},
        "actor": op.actor.display if record is not None else "",
        "reason": None,
        "deadline": {},
        "deadlines": {},
        "approval": {},
        "stats": {},
        "successor": None,
        "vacancy": None,
    }
    if record is None:
        context.update(extra or {})
        return context
    context["record"] = record_view(op, record, context)
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


def person_view(person: Person, org: Organisation | None = None) -> dict[str, Any]:
    view = {"name": person.name, "org": (org or person.org).name, "handle": person.handle}
    return {**view, "timezone": person.timezone} if person.timezone else view  # letters give times in it too
