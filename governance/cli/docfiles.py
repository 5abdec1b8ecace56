"""`gov doc` and `gov comment` with files: Word in and out, Akoma Ntoso, the matrix as a spreadsheet, language versions.

Only click and the command line's own module are imported here; each command imports what it needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from governance.cli.main import Context, NUMBER, comment, doc, pass_ctx


def read_bytes(c: Context, path: Path) -> bytes:
    """A file's bytes, from a regular file of at most [instance] max_file_mb (a device or a pipe is refused, as
    `doc create` always refused them)."""
    from governance.cli.commands import _file_limit, read_file_bytes

    return read_file_bytes(path, _file_limit(c))


def write_file(out: Path | None, default_name: str, data: bytes) -> Path:
    """Write `data` to `out` (a folder: under its default name there; none: in the working folder), whole or not at
    all: a reader of the file never sees half of it."""
    from governance.errors import BadInput

    target = (out / default_name if out.is_dir() else out) if out is not None else Path(default_name)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BadInput(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def _written(c: Context, ref: str, what: str, target: Path, data: bytes, **extra: Any) -> None:
    import hashlib

    c.emit({"ref": ref, "format": what, "file": str(target), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), **extra},
           f"{ref}: {what} written to {target} ({len(data):,} bytes)")


def doc_create(c: Context, doc_type: str, title: str, path: Path, meeting_ref: str | None) -> None:
    """`doc create --file`: .txt, .md or .docx."""
    from governance.service.document_files import create_from_file

    data = read_bytes(c, path)
    d, _ = c.change(lambda op: create_from_file(op, doc_type, title, path.name, data, meeting_ref))
    c.emit({"ref": d.ref, "state": d.state}, f"{d.ref} {d.state}: {d.title}")


def doc_revise(c: Context, ref: str, path: Path) -> None:
    """`doc revise --file`: .txt, .md or .docx."""
    from governance.service.document_files import revise_from_file

    data = read_bytes(c, path)
    d, _ = c.change(lambda op: revise_from_file(op, ref, path.name, data))
    c.emit({"ref": d.ref, "state": d.state, "version": d.current_version}, f"{d.ref} version {d.current_version} ({d.state})")


def matrix_xlsx(c: Context, ref: str, out: Path | None) -> None:
    """`doc matrix --format xlsx`."""
    from governance.service.document_files import matrix_xlsx as build

    name, data = c.read(lambda op: build(op, ref))
    _written(c, ref.upper(), "xlsx", write_file(out, name, data), data)


@doc.command("export")
@click.argument("ref", metavar="D-n")
@click.option("--format", "fmt", required=True, type=click.Choice(["docx", "akn"]),
              help="docx: Word, changes since circulation tracked; akn: Akoma Ntoso XML of an adopted communiqué or resolution.")
@click.option("--version", "number", type=NUMBER, help="Which version (default: the current one; akn: always the current one).")
@click.option("--lang", metavar="L", help="A language version (default: the working language).")
@click.option("--out", type=click.Path(path_type=Path), help="Where to write it (a file, or a folder; default: here, named after the document).")
@pass_ctx
def doc_export(c: Context, ref: str, fmt: str, number: int | None, lang: str | None, out: Path | None) -> None:
    """Write a version as a Word file, or an adopted text as Akoma Ntoso."""
    from governance.errors import BadInput
    from governance.service import document_files

    if fmt == "akn" and number is not None:
        raise BadInput("--version does not go with --format akn: Akoma Ntoso records the text as adopted, the current version")
    if fmt == "docx":
        name, data = c.read(lambda op: document_files.export_docx(op, ref, number, lang))
    else:
        name, data = c.read(lambda op: document_files.export_akn(op, ref, lang))
    _written(c, ref.upper(), fmt, write_file(out, name, data), data, lang=lang)


@doc.command("matrix-import")
@click.argument("ref", metavar="D-n")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def doc_matrix_import(c: Context, ref: str, path: Path) -> None:
    """Record the dispositions filled in a comment matrix (.xlsx): all of them, or none."""
    from governance.service.document_files import import_matrix

    data = read_bytes(c, path)
    done, _ = c.change(lambda op: import_matrix(op, ref, path.name, data))
    c.emit({"ref": ref.upper(), "disposed": done},
           "\n".join(f"{row['comment']}: {row['decision']}" for row in done) or f"{ref.upper()}: nothing new to record")


@doc.command("translate")
@click.argument("ref", metavar="D-n")
@click.option("--lang", required=True, metavar="L", help="The language of the file (one of the body's, not the working one).")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path), help=".txt, .md or .docx")
@pass_ctx
def doc_translate(c: Context, ref: str, lang: str, path: Path) -> None:
    """Attach a language version to the current version (the same numbered paragraphs)."""
    from governance.service.translations import translate

    data = read_bytes(c, path)
    row, _ = c.change(lambda op: translate(op, ref, lang, path.name, data))
    c.emit({"ref": ref.upper(), "lang": row.lang, "version": row.number, "stale": False},
           f"{ref.upper()}: the {row.lang} version of version {row.number} is recorded")


@comment.command("import")
@click.argument("ref", metavar="D-n")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def comment_import(c: Context, ref: str, path: Path) -> None:
    """Add each row of a filled comment template (.xlsx) as a comment of your organisation: all of them, or none."""
    from governance.service.document_files import import_comments

    data = read_bytes(c, path)
    added, _ = c.change(lambda op: import_comments(op, ref, path.name, data))
    c.emit({"ref": ref.upper(), "comments": [{"ref": cm.ref, "para": cm.para} for cm in added]},
           "\n".join(f"{cm.ref} on {ref.upper()}" + (f" §{cm.para}" if cm.para else "") for cm in added)
           or f"{ref.upper()}: no new comment in {path.name}")
