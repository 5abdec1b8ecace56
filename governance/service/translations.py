"""Language versions kept in step: a version's text in the body's other languages, and which of them are stale.

A language version renders one version of the working-language text, paragraph for paragraph. A new version in
the working language leaves the others behind: they are stale until translated again, and with
`[documents] languages_required` no decision is taken on the document meanwhile (the guard `languages_in_step`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from governance.documents import paragraphs
from governance.errors import BadInput, NotAllowedNow
from governance.service import audit, lookup
from governance.service.answers import languages_answer
from governance.service.context import Operation
from governance.store.models import Document, DocumentTranslation, DocumentVersion

LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "fr": "French"}


def translate(op: Operation, ref: str, lang: str, name: str, data: bytes) -> DocumentTranslation:
    """`gov doc translate`: the text of the current version in language `lang`, from a .txt, .md or .docx file.

    Its numbered paragraphs must be as many as the version's, so that paragraph N says the same in every language.
    Given again for the same version and language, it replaces the one before (both are in the audit trail).
    """
    from governance.service.changes import _require
    from governance.service.document_files import keep_file, read_upload

    document = lookup.record(op.session, ref, ("document",))
    _require(op, op.rules.secretariat, "add language versions")
    working = op.rules.working_language
    if lang not in op.rules.languages:
        raise BadInput(f"--lang must be one of the body's languages ({', '.join(op.rules.languages)}), not {lang!r}")
    if lang == working:
        raise BadInput(f"{_name(lang)} is the working language: its text is the version itself (gov doc revise {document.ref} --file PATH)")
    if op.instance.workflows[document.kind_name].states[document.state].final:
        raise NotAllowedNow(f"{document.ref} is {document.state}; its texts can no longer change")
    version = op.session.get(DocumentVersion, (document.id, document.current_version)) if document.current_version else None
    if version is None:
        raise NotAllowedNow(f"{document.ref} has no text yet to translate")
    upload = read_upload(op, name, data)
    from governance.service.changes import _document_text

    text = _document_text(upload.text)
    expected, given = len(paragraphs(version.text, version.headings)), len(paragraphs(text, upload.headings))
    if expected != given:
        raise BadInput(f"{name} has {given} numbered paragraph{'s' if given != 1 else ''} and version {version.number} of "
                       f"{document.ref} has {expected}; a language version must say the same, paragraph by paragraph")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = op.session.get(DocumentTranslation, (document.id, lang, version.number))
    replaced = row is not None
    if row is None:
        row = DocumentTranslation(document_id=document.id, lang=lang, number=version.number, created_by=op.actor.handle,
                                  created_at=op.now)
        op.session.add(row)
    elif row.sha256 == sha:
        raise BadInput(f"{name} has the same text as the {_name(lang)} version of {document.ref} version {version.number} "
                       f"already recorded (nothing was written)")
    row.text, row.filename, row.sha256, row.headings = text, name[:500], sha, upload.headings
    row.created_by, row.created_at = op.actor.handle, op.now
    keep_file(op, document, version.number, lang, upload)
    # Keys of their own ("of_version", "text_sha256"): "version" and "sha256" are how the trail witnesses the
    # working-language text itself (service/audit.py).
    op.audit.append(audit.entry(op.now, op.actor.handle, document.ref, "translate", document.state, document.state, None, None,
                                {"lang": lang, "of_version": version.number, "file": name, "text_sha256": sha,
                                 "paragraphs": given, "replaces": replaced, **({"original": upload.original()} if upload.data else {})}))
    return row


def languages_view(op: Operation, document: Document) -> list[dict[str, Any]]:
    """Each of the body's languages: which version its text renders, and whether it is behind the current one.

    The working language is the version itself; a language with no text yet has version None and is stale.
    """
    latest = dict(op.session.execute(
        select(DocumentTranslation.lang, func.max(DocumentTranslation.number))
        .where(DocumentTranslation.document_id == document.id).group_by(DocumentTranslation.lang)).all())
    return languages_answer(op.rules, document.current_version or None, latest)


def behind(op: Operation, document: Document, required: list[str]) -> list[dict[str, Any]]:
    """The required languages whose text is missing or renders an older version than the current one."""
    return [row for row in languages_view(op, document) if row["lang"] in required and row["stale"]]


def text_in(op: Operation, document: Document, number: int, lang: str, required: bool = True) -> Any:
    """(text, headings) of version `number` in `lang` (the version itself in the working language); None, or a
    refusal when `required`, when that language version does not exist."""
    if lang == op.rules.working_language:
        version = op.session.get(DocumentVersion, (document.id, number))
        return (version.text, version.headings) if version is not None else None
    row = op.session.get(DocumentTranslation, (document.id, lang, number))
    if row is not None:
        return row.text, row.headings
    if not required:
        return None
    have = op.session.scalar(select(func.max(DocumentTranslation.number)).where(
        DocumentTranslation.document_id == document.id, DocumentTranslation.lang == lang))
    found = f"the {_name(lang)} text renders version {have}" if have else f"there is no {_name(lang)} text yet"
    raise BadInput(f"{document.ref} has no {_name(lang)} version of version {number}: {found} "
                   f"(gov doc translate {document.ref} --lang {lang} --file PATH)")


def latest_in(op: Operation, document: Document, lang: str) -> DocumentTranslation | None:
    """The newest language version in `lang` (it may be stale)."""
    return op.session.scalars(select(DocumentTranslation).where(
        DocumentTranslation.document_id == document.id, DocumentTranslation.lang == lang)
        .order_by(DocumentTranslation.number.desc()).limit(1)).first()


def _name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang)
