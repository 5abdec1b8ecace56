"""Documents as files: a version read from a Word or text file (the file kept), a version written as Word or Akoma
Ntoso, the comment matrix out to a spreadsheet and dispositions and comments back from one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select

from governance.errors import BadInput, NotAllowedNow
from governance.service import changes, lookup
from governance.service.context import Operation
from governance.store.models import Comment, Document, DocumentFile, DocumentVersion, Meeting, Organisation

WORD = ".docx"
WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AKN_TYPE = "application/akn+xml"
AKN_TYPES = ("communique", "resolution")  # the document types Akoma Ntoso is written for
COLUMN_MAX = 500  # document_files.filename


class SheetProblems(BadInput):
    """Rows of a spreadsheet that cannot be taken, one line each; nothing of the file was recorded."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = [f"{name}: {problem}" for problem in problems]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(self.problems[0] + more + "; nothing was recorded")

    def sentence(self) -> str:
        return "\n".join(self.problems) + f"\nnothing of the file was recorded ({len(self.problems)} problem"  \
            + ("s" if len(self.problems) != 1 else "") + ")."


@dataclass(frozen=True)
class Upload:
    """A document's text as read from a file, and the file itself when it is kept (a Word file)."""

    name: str
    text: str
    headings: bool
    data: bytes | None

    def original(self) -> dict[str, Any] | None:
        """What the audit entry records of the file: its name, size and SHA-256."""
        if self.data is None:
            return None
        return {"file": self.name, "bytes": len(self.data), "sha256": hashlib.sha256(self.data).hexdigest()}


def read_upload(op: Operation, name: str, data: bytes) -> Upload:
    """The text of a file given for a document: a Word file (.docx) read as a reader sees it, else UTF-8 text."""
    limit = op.instance.settings.max_file_bytes
    if len(data) > limit:
        raise BadInput(f"{name} is {len(data):,} bytes, more than the {limit // (1024 * 1024)} MB a document file may be "
                       f"([instance] max_file_mb in config.toml sets it)")
    if name.lower().endswith(WORD):
        from governance.files.docx_in import read_docx

        return Upload(name, read_docx(data, name).text, True, data)
    if name.lower().endswith(".doc"):
        raise BadInput(f"{name} is in the old Word format (.doc); save it as a Word document (.docx) and give that")
    try:
        return Upload(name, data.decode("utf-8-sig"), False, None)
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not UTF-8 text (a document's file is .txt, .md or .docx)") from None


def keep_file(op: Operation, document: Document, number: int, lang: str | None, upload: Upload) -> None:
    """Keep the file a text was read from, beside the version (or language version) it gave."""
    if upload.data is None:
        return
    op.session.add(DocumentFile(document_id=document.id, number=number, lang=lang, filename=upload.name[:COLUMN_MAX],
                                size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(), content=upload.data,
                                created_at=op.now))


def create_from_file(op: Operation, doc_type: str, title: str, name: str, data: bytes, meeting_ref: str | None) -> Document:
    """`gov doc create --file`: the first version from a .txt, .md or .docx file, a Word file kept with it."""
    upload = read_upload(op, name, data)
    document = changes.create_document(op, doc_type, title, upload.text, name, meeting_ref, upload.headings, upload.original())
    op.session.flush()
    keep_file(op, document, 1, None, upload)
    return document


def revise_from_file(op: Operation, ref: str, name: str, data: bytes) -> Document:
    """`gov doc revise --file`: a new version from a .txt, .md or .docx file, a Word file kept with it."""
    upload = read_upload(op, name, data)
    document = changes.revise_document(op, ref, upload.text, name, upload.headings, upload.original())
    keep_file(op, document, document.current_version, None, upload)
    return document


def original_file(op: Operation, ref: str, number: int | None, lang: str | None = None) -> tuple[str, bytes] | None:
    """The file a version (or a language version) was read from, when one was kept."""
    document = lookup.record(op.session, ref, ("document",))
    query = select(DocumentFile).where(DocumentFile.document_id == document.id,
                                       DocumentFile.number == (number or document.current_version),
                                       DocumentFile.lang.is_(None) if lang is None else DocumentFile.lang == lang)
    found = op.session.scalars(query.order_by(DocumentFile.id.desc()).limit(1)).first()
    return (found.filename, found.content) if found is not None else None


# -- Word out ------------------------------------------------------------------------------------------------------

def export_docx(op: Operation, ref: str, number: int | None, lang: str | None) -> tuple[str, bytes]:
    """A version as a Word file (in a language version with `lang`): paragraph numbers, the header, and, for a
    version revised since the circulated one, what changed as tracked changes."""
    from governance.files.docx_out import Author, Header, Text, write_docx
    from governance.service.translations import text_in

    document = lookup.record(op.session, ref, ("document",))
    version = _version(op, document, number)
    language = _language(op, lang)
    current = text_in(op, document, version.number, language)
    compared = document.circulated_version
    before = None
    if compared is not None and version.number > compared:
        before = text_in(op, document, compared, language, required=False)
    header = Header(op.rules.body["name"], document.ref, document.title, document.state, version.number, language,
                    compared if before is not None else None)
    data = write_docx(header, Text(*current), Text(*before) if before else None, Author(version.created_by, version.created_at))
    return f"{document.ref}-v{version.number}-{language}.docx", data


def _version(op: Operation, document: Document, number: int | None) -> DocumentVersion:
    wanted = number or document.current_version
    version = op.session.get(DocumentVersion, (document.id, wanted)) if wanted else None
    if version is None:
        raise BadInput(f"{document.ref} has no version {wanted} (versions 1 to {document.current_version})"
                       if document.current_version else f"{document.ref} has no text yet")
    return version


def _language(op: Operation, lang: str | None) -> str:
    if lang is None:
        return op.rules.working_language
    if lang not in op.rules.languages:
        raise BadInput(f"--lang must be one of the body's languages ({', '.join(op.rules.languages)}), not {lang!r}")
    return lang


# -- Akoma Ntoso ---------------------------------------------------------------------------------------------------

Reservations = Callable[[Operation, Document], list[Any]]
# Where reservations made on a decision are kept (a written procedure's, ...): each source registers here and
# gives governance.files.akn.Reservation rows for a document.
RESERVATION_SOURCES: list[Reservations] = []


def written_reservations(op: Operation, document: Document) -> list[Any]:
    """The reservations and statements members annexed in writing to the decision on the text as it stands: those of the
    written procedures on its current version, in a state that annexes them (a withdrawn or broken procedure decided
    nothing, and what was annexed to it goes with it)."""
    from governance.files.akn import Reservation
    from governance.store.models import WrittenProcedure, WrittenReservation

    spec = op.instance.workflows.get("written")
    if spec is None:
        return []
    annexing = spec.flagged("annexes")
    rows = op.session.scalars(
        select(WrittenReservation).join(WrittenProcedure, WrittenReservation.procedure_id == WrittenProcedure.id)
        .where(WrittenProcedure.document_id == document.id, WrittenProcedure.document_version == document.current_version,
               WrittenProcedure.state.in_(annexing))
        .order_by(WrittenReservation.at, WrittenReservation.id))
    return [Reservation(row.org.code, row.org.name, row.text, row.at) for row in rows]


RESERVATION_SOURCES.append(written_reservations)


def export_akn(op: Operation, ref: str, lang: str | None) -> tuple[str, bytes]:
    """An adopted communiqué or resolution as Akoma Ntoso 3.0, in the working language or a language version."""
    from governance.files.akn import Decision, write_akn
    from governance.service.translations import text_in
    from governance.store.models import AuditEntry

    document = lookup.record(op.session, ref, ("document",))
    if document.type not in AKN_TYPES:
        raise BadInput(f"{document.ref} is a {document.type.replace('_', ' ')}; Akoma Ntoso is written for a communiqué or "
                       f"a resolution (types {', '.join(AKN_TYPES)})")
    spec = op.instance.workflows[document.kind_name]
    decided = op.session.execute(
        select(AuditEntry.at, AuditEntry.to_state).where(AuditEntry.ref == document.ref, AuditEntry.to_state.in_(
            [name for name, state in spec.states.items() if "decision" in state.phrases])).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if decided is None:
        raise NotAllowedNow(f"{document.ref} is {document.state.replace('_', ' ')}; Akoma Ntoso records a decision, and the "
                            f"meeting has not adopted or endorsed it yet")
    meeting = op.session.get(Meeting, document.meeting_id) if document.meeting_id else None
    if meeting is None:
        raise NotAllowedNow(f"{document.ref} belongs to no meeting; Akoma Ntoso names the meeting that adopted it")
    language = _language(op, lang)
    version = _version(op, document, None)
    text, headings = text_in(op, document, version.number, language)
    zone = op.rules.zone
    secretariat = op.session.scalar(select(Organisation.name).where(Organisation.kind == "secretariat").order_by(Organisation.id).limit(1))
    word = spec.states[decided.to_state].phrases["decision"]
    reservations = [row for source in RESERVATION_SOURCES for row in source(op, document)]
    decision = Decision(
        body_name=op.rules.body["name"], body_short=op.rules.short_name, publisher=secretariat or op.rules.short_name,
        ref=document.ref, title=document.title, doc_type=document.type, lang=language, version=version.number,
        decision=str(word), decided_on=decided.at.astimezone(zone).date(), meeting_ref=meeting.ref,
        meeting_title=meeting.title, meeting_start=meeting.start.astimezone(zone).date(),
        meeting_end=meeting.end.astimezone(zone).date(), meeting_place="online" if meeting.online else (meeting.venue or ""),
        text=text, headings=headings, generated_at=op.now, reservations=reservations)
    return f"{document.ref}-{language}.akn.xml", write_akn(decision)


# -- the comment matrix as a spreadsheet ---------------------------------------------------------------------------

def matrix_xlsx(op: Operation, ref: str) -> tuple[str, bytes]:
    """The comment matrix of a document as the classic spreadsheet template, dispositions offered as a list."""
    from governance.files.matrix_xlsx import write_matrix
    from governance.service.queries import matrix

    document, rows = matrix(op, ref)
    proposals = dict(op.session.execute(select(Comment.id, Comment.proposal).where(Comment.document_id == document.id)).all())
    sheet_rows = [{"number": row["comment"], "member": row["org"], "paragraph": row["para"], "comment": row["text"],
                   "proposal": proposals.get(int(row["comment"].split("-")[1])), "disposition": row["decision"], "note": row["note"]}
                  for row in rows]
    subtitle = (f"{op.rules.body['name']} · version {document.current_version} · {document.state.replace('_', ' ')} · "
                f"dispositions: {', '.join(changes.DISPOSITIONS)}")
    return f"{document.ref}-matrix.xlsx", write_matrix(document.ref, document.title, subtitle, sheet_rows, changes.DISPOSITIONS)


def _sheet(name: str, data: bytes, document: Document) -> Any:
    from governance.files.matrix_xlsx import read_matrix

    sheet = read_matrix(data, name)
    if sheet.ref is not None and sheet.ref.upper() != document.ref:
        raise BadInput(f"{name} is the comment matrix of {sheet.ref}, not of {document.ref}; nothing was recorded")
    return sheet


def import_matrix(op: Operation, ref: str, name: str, data: bytes) -> list[dict[str, Any]]:
    """Record the dispositions filled in a matrix, each through `comment dispose`'s own call, all or none.

    A row whose disposition and note are already recorded changes nothing; a row without a disposition is left.
    """
    document = lookup.record(op.session, ref, ("document",))
    sheet = _sheet(name, data, document)
    comments = {c.id: c for c in op.session.scalars(select(Comment).where(Comment.document_id == document.id))}
    problems: list[str] = []
    work: list[tuple[str, str, str | None]] = []
    seen: set[int] = set()
    for row in sheet.rows:
        where = f"row {row.line}"
        if not row.number:
            if row.comment:
                problems.append(f"{where}: a comment without a number is not in {document.ref}'s matrix "
                                f"(members' new comments come in with `gov comment import {document.ref} FILE`)")
            continue
        comment = _comment_of(row.number, comments)
        if comment is None:
            problems.append(f"{where}: {row.number} is not a comment on {document.ref}")
            continue
        if comment.id in seen:
            problems.append(f"{where}: {comment.ref} appears twice")
            continue
        seen.add(comment.id)
        if _plain(row.comment) != _plain(comment.text):
            problems.append(f"{where}: the text of {comment.ref} was changed in the sheet; a comment stays as its member wrote it")
            continue
        if row.disposition is None:
            continue
        decision = row.disposition.strip().lower()
        if decision not in changes.DISPOSITIONS:
            problems.append(f"{where}: {comment.ref}'s disposition {row.disposition!r} is not one of {', '.join(changes.DISPOSITIONS)}")
            continue
        note = row.note.strip() if row.note else None
        if comment.decision == decision and (comment.note or None) == note:
            continue
        work.append((comment.ref, decision, note))
    if problems:
        raise SheetProblems(name, problems)
    done = []
    for comment_ref, decision, note in work:
        comment = changes.dispose_comment(op, comment_ref, decision, note)
        done.append({"comment": comment.ref, "decision": comment.decision, "note": comment.note})
    return done


def import_comments(op: Operation, ref: str, name: str, data: bytes) -> list[Comment]:
    """A member's filled template: each new row becomes a comment of the actor's organisation, through `comment add`'s
    own call, all or none. Rows already recorded (a number given, or the same paragraph and text from the same
    organisation in this circulation) are left as they are."""
    document = lookup.record(op.session, ref, ("document",))
    sheet = _sheet(name, data, document)
    problems: list[str] = []
    rows: list[tuple[int, str, int | None, str | None]] = []
    org_id = op.actor.person.org_id if op.actor.person is not None else None
    known = {(c.para, _plain(c.text)) for c in op.session.scalars(
        select(Comment).where(Comment.document_id == document.id, Comment.circulation == document.circulation,
                              Comment.org_id == org_id))} if org_id is not None else set()
    for row in sheet.rows:
        where = f"row {row.line}"
        if row.number:
            continue  # a comment already in the matrix, sent back with the template
        if not row.comment:
            if row.proposal or row.paragraph is not None:
                problems.append(f"{where}: no comment is written (the Comment column is empty)")
            continue
        para = row.paragraph
        if para is not None and not isinstance(para, int):
            text = str(para).strip().lstrip("§¶").strip()
            if not text.isdigit():
                problems.append(f"{where}: the paragraph must be a number, not {str(para)[:20]!r}")
                continue
            para = int(text)
        if (para, _plain(row.comment)) in known:
            continue
        known.add((para, _plain(row.comment)))
        rows.append((row.line, row.comment, para, row.proposal))
    if problems:
        raise SheetProblems(name, problems)
    added = []
    for line, text, para, proposal in rows:
        try:
            added.append(changes.add_comment(op, ref, text, para, proposal))
        except BadInput as exc:  # a paragraph beyond the text, an empty or too long comment: say which row
            raise BadInput(f"{name}: row {line}: {exc.message}; nothing was recorded", exc.rule) from None
    return added


def _comment_of(number: str, comments: dict[int, Comment]) -> Comment | None:
    text = number.strip().upper()
    if text.startswith("C-"):
        text = text[2:]
    return comments.get(int(text)) if text.isdigit() else None


def _plain(text: str | None) -> str:
    """A text as a spreadsheet gives it back: line endings and the white space at its ends aside."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
