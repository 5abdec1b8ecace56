"""The pages' documents as files: a draft or a revision uploaded (Word, or plain text), any version downloaded as
Word, the comment matrix as a spreadsheet, and the text read in one of its language versions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from werkzeug.wrappers import Response

from governance.errors import BadInput, NotPermitted
from governance.service.context import Operation
from governance.web.i18n import LANGUAGE_NAMES, phrase
from governance.web.views import _instance, _read, _require_me, _require_secretariat, _web_change

bp = Blueprint("documents", __name__)
UPLOAD_SUFFIXES = (".docx", ".txt", ".md")


# -- files in ------------------------------------------------------------------------------------------------------

def _upload(missing: str) -> tuple[str, bytes]:
    """The file sent with the form: its name (without the sender's folders) and bytes, at most a document file's size."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput(phrase(g.lang, missing))
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise BadInput(phrase(g.lang, "upload_kind"))
    limit = _instance().settings.max_file_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise BadInput(phrase(g.lang, "upload_large", mb=limit // (1024 * 1024)))
    return name, data


@bp.post("/desk/documents")
def create() -> Any:
    """The desk's new document: the first version from a Word, .txt or .md file, as `gov doc create --file` takes it."""
    from governance.service.document_files import create_from_file

    me = _require_secretariat()
    name, data = _upload("upload_needed")
    form = request.form
    document, _ = _web_change(me, lambda op: create_from_file(op, form.get("type", ""), form.get("title", ""), name, data,
                                                              form.get("meeting") or None))
    return redirect(url_for("views.record", ref=document.ref), 303)


@bp.post("/r/<ref>/revise")
def revise(ref: str) -> Any:
    """A new version from a file, as `gov doc revise --file` takes it (refused while the text is out for comments)."""
    from governance.service.document_files import revise_from_file

    me = _require_secretariat()
    name, data = _upload("upload_needed_revision")
    document, _ = _web_change(me, lambda op: revise_from_file(op, ref, name, data))
    return redirect(url_for("views.record", ref=document.ref), 303)


# -- files out -----------------------------------------------------------------------------------------------------

def _file(name: str, data: bytes, mimetype: str) -> Response:
    # A document may not be public: it is not kept in a shared cache, and it is saved rather than shown.
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "private, no-store"})


@bp.get("/r/<ref>/docx")
def docx(ref: str) -> Response:
    """A version (?version=N, default the current one) as Word; ?text=L asks for its language version (not ?lang=,
    which is the page's own language and would change the reader's choice)."""
    from governance.service.document_files import WORD_TYPE, export_docx

    me = _require_me()
    number = _number(request.args.get("version"))
    lang = request.args.get("text") or None
    name, data = _read(me["handle"], lambda op: export_docx(op, ref, number, lang))
    return _file(name, data, WORD_TYPE)


@bp.get("/r/<ref>/matrix.xlsx")
def matrix(ref: str) -> Response:
    """The comment matrix as the classic spreadsheet, for the secretariat to fill in and read back."""
    from governance.service.document_files import SHEET_TYPE, matrix_xlsx

    me = _require_secretariat()
    name, data = _read(me["handle"], lambda op: matrix_xlsx(op, ref))
    return _file(name, data, SHEET_TYPE)


def _number(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise BadInput(phrase(g.lang, "bad_version", value=value[:20]))
    return int(value)


# -- the document's page: its text in a language, its files ---------------------------------------------------------

@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"document_panel": document_panel}


def document_panel(shown: dict[str, Any]) -> dict[str, Any]:
    """What the record page of a document shows beside its fields: the text in the language chosen (?text=L, else the
    reader's, when a language version renders the current version), the switch between languages, what is stale,
    the files to download and, for the secretariat, the revision's upload."""
    me = g.get("me")
    if me is None or shown.get("kind") != "document":
        raise NotPermitted(phrase(g.lang, "sign_in_first"))
    return _read(me["handle"], lambda op: _panel(op, shown))


def _panel(op: Operation, shown: dict[str, Any]) -> dict[str, Any]:
    from governance.documents import heading, outline
    from governance.service import lookup
    from governance.service.translations import languages_view, text_in

    document = lookup.record(op.session, shown["ref"], ("document",))
    current = document.current_version
    working = op.rules.working_language
    rows = {row["lang"]: row for row in languages_view(op, document)}  # read with the text, in one transaction
    ready = [lang for lang, row in rows.items() if row["working"] or (current and row["version"] == current)]
    asked = request.args.get("text")
    wanted = asked if asked in rows else g.lang
    chosen = wanted if wanted in ready else working
    found = text_in(op, document, current, chosen, required=False) if current else None
    text, headings = found if found else ("", False)
    blocks = [{"n": n, "text": heading(block)[1] if n is None and heading(block) else block, "heading": n is None}
              for n, block in outline(text, headings)]
    note = None
    row = rows.get(wanted)
    # Said when the reader asked for the language, or when its text exists and is behind: a language never translated
    # is marked in the switch, not announced on every page.
    if wanted != chosen and row is not None and (wanted == asked or row["version"]):
        key = "text_stale" if row["version"] else "text_missing"
        note = phrase(g.lang, key, language=_language(wanted), old=row["version"], n=current, shown=_language(chosen))
    secretariat = op.rules.secretariat in op.actor.roles
    spec = op.instance.workflows[document.kind_name]
    state = spec.states[document.state]
    revisable = secretariat and not state.final and document.state not in spec.flagged("text_locked")
    return {
        "blocks": blocks, "lang": chosen, "language": _language(chosen), "version": current, "note": note,
        "translated": chosen != working,
        "switch": [{"lang": lang, "name": LANGUAGE_NAMES.get(lang, lang), "ready": lang in ready, "chosen": lang == chosen,
                    "url": url_for("views.record", ref=document.ref, text=lang) + "#text"}
                   for lang in rows] if len(rows) > 1 else [],
        "word": [{"label": phrase(g.lang, "download_version", n=n), "url": url_for("documents.docx", ref=document.ref, version=n)}
                 for n in range(current, 0, -1)]
        + [{"label": phrase(g.lang, "download_language", language=_language(lang), n=current),
            "url": url_for("documents.docx", ref=document.ref, text=lang)} for lang in ready if lang != working],
        "tracked": document.circulated_version is not None and current > document.circulated_version,
        "circulated": document.circulated_version,
        "matrix": url_for("documents.matrix", ref=document.ref) if secretariat else None,
        "revise": url_for("documents.revise", ref=document.ref) if revisable else None,
    }


def _language(code: str) -> str:
    """A language's name in the reader's language ("arabe" to a French reader)."""
    from babel import Locale

    try:
        return str(Locale.parse(g.lang).languages.get(code) or LANGUAGE_NAMES.get(code, code))
    except (ValueError, LookupError):
        return LANGUAGE_NAMES.get(code, code)
