"""Word in and out: a .docx read as a reader sees it, kept with its version and hashed in the audit trail; a version
written as Word with its numbers, its header and its changes since circulation tracked."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import docx
import pytest

from governance.files.docx_in import read_docx

SEC = "sec"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _word(path: Path, *blocks: tuple[str, str]) -> Path:
    """A Word file of (style, text) paragraphs; style "table" makes a 2x2 table of its text split on "|"."""
    document = docx.Document()
    for style, text in blocks:
        if style == "table":
            cells = text.split("|")
            table = document.add_table(rows=2, cols=2)
            for index, value in enumerate(cells):
                table.cell(index // 2, index % 2).text = value
        elif style.startswith("Heading"):
            document.add_heading(text, int(style[-1]))
        else:
            document.add_paragraph(text, style=style or None)
    document.save(path)
    return path


DRAFT = (("Heading 1", "Draft Rules of Procedure"), ("", "The network is a forum of public employment services."),
         ("Heading 2", "Membership"), ("", "Members are the public employment services of OIC member states."),
         ("", ""), ("", "The chair serves two years."))


def _runs(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t", f"{W}delText"))


def test_word_paragraphs_are_numbered_as_read_headings_unnumbered_lists_and_tables_as_text(tmp_path):
    path = _word(tmp_path / "d.docx", ("Title", "Communiqué"), ("", "The meeting,"), ("List Number", "Recognises the network."),
                 ("List Number", "Requests the secretariat."), ("List Bullet", "a meeting in 2022"), ("List Bullet", "a meeting in 2023"),
                 ("", ""), ("table", "Member|Focal point|BHR|Civil Service Bureau"))
    read = read_docx(path.read_bytes(), "d.docx")
    assert read.text == ("# Communiqué\n\nThe meeting,\n\n1. Recognises the network.\n\n2. Requests the secretariat.\n"
                         "- a meeting in 2022\n- a meeting in 2023\n\nMember | Focal point\nBHR | Civil Service Bureau\n")
    assert read.paragraphs == 4


def test_a_word_draft_becomes_a_version_its_file_kept_and_hashed_in_the_audit_entry(network, tmp_path):
    path = _word(tmp_path / "rop.docx", *DRAFT)
    assert network.j("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", str(path), actor=SEC, now="2021-03-15") == \
        {"ref": "D-1", "state": "draft"}
    text = network.j("doc", "text", "D-1")["text"]
    assert text == ("# Draft Rules of Procedure\n\nThe network is a forum of public employment services.\n\n## Membership\n\n"
                    "Members are the public employment services of OIC member states.\n\nThe chair serves two years.\n")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15")
    # Three numbered paragraphs: the headings take no number, so paragraph 3 is the chair's term.
    network.ok("comment", "add", "D-1", "--para", "3", "--text", "Two years, renewable once.", actor="bhr", now="2021-03-16")
    assert "has 3 paragraphs" in network.refused(2, "comment", "add", "D-1", "--para", "4", "--text", "x", actor="bhr", now="2021-03-16").err
    data = path.read_bytes()
    created = next(e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "create")
    assert created["detail"]["original"] == {"file": "rop.docx", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert created["detail"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()  # the text, as before, is witnessed too
    [(kept, size)] = network.sql("SELECT content, size FROM document_files WHERE document_id = 1 AND number = 1 AND lang IS NULL")
    assert bytes(kept) == data and size == len(data)
    assert network.j("audit", "verify")["ok"] is True


def test_a_file_that_is_not_word_is_refused_in_one_sentence_and_nothing_is_written(network, tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"%PDF-1.7 not a Word file")
    before = network.sql("SELECT count(*) FROM audit")[0][0]
    refused = network.refused(2, "doc", "create", "--type", "rop", "--title", "T", "--file", str(fake), actor=SEC, now="2021-03-15")
    assert refused.err.strip() == "gov: fake.docx is not a Word file (.docx): it is not an Office file (no ZIP package inside)."
    sheet = tmp_path / "sheet.docx"
    from openpyxl import Workbook

    Workbook().save(sheet)
    assert "is another kind of Office file" in network.refused(2, "doc", "create", "--type", "rop", "--title", "T", "--file", str(sheet),
                                                                actor=SEC, now="2021-03-15").err
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0 binary Word 97")
    assert "old Word format (.doc)" in network.refused(2, "doc", "create", "--type", "rop", "--title", "T", "--file", str(old),
                                                       actor=SEC, now="2021-03-15").err
    assert network.sql("SELECT count(*) FROM audit")[0][0] == before
    assert network.sql("SELECT count(*) FROM document_files")[0][0] == 0


def test_a_word_file_above_the_instance_limit_is_refused_before_anything_is_read(network, tmp_path):
    config = network.config.read_text(encoding="utf-8")
    network.config.write_text(config.replace("max_file_mb = 20", "max_file_mb = 1"), encoding="utf-8")
    import random

    noise = random.Random(7)
    big = _word(tmp_path / "big.docx", *[("", "".join(noise.choice("abcdefghij klmnopqrstuvwxyz") for _ in range(4000)))
                                         for _ in range(400)])
    assert big.stat().st_size > 1024 * 1024
    refused = network.refused(2, "doc", "create", "--type", "rop", "--title", "T", "--file", str(big), actor=SEC, now="2021-03-15")
    assert "more than the 1 MB a document file may be" in refused.err
    assert network.sql("SELECT count(*) FROM documents")[0][0] == 0


def test_export_then_import_gives_back_the_same_text_and_numbers(network, tmp_path):
    path = _word(tmp_path / "rop.docx", *DRAFT)
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", str(path), actor=SEC, now="2021-03-15")
    out = network.j("doc", "export", "D-1", "--format", "docx", "--out", str(tmp_path))
    exported = Path(out["file"])
    assert exported.name == "D-1-v1-en.docx" and out["bytes"] == exported.stat().st_size
    original = network.j("doc", "text", "D-1")["text"]
    assert read_docx(exported.read_bytes(), exported.name).text == original
    opened = docx.Document(str(exported))
    numbers = [run.text for p in opened.paragraphs for run in p.runs if run.style.name == "Paragraph Number"]
    assert numbers == ["[1]\t", "[2]\t", "[3]\t"]
    assert [p.style.name for p in opened.paragraphs if p.style.name.startswith("Heading")] == ["Heading 1", "Heading 2"]
    header = [p.text for p in opened.sections[0].header.paragraphs]
    assert header == ["OIC Public Employment Services Network", "D-1 · Draft RoP", "draft · version 1 · English"]
    # Revised from the exported file itself, nothing changed: the engine says so rather than add a version.
    assert "same text as version 1" in network.refused(2, "doc", "revise", "D-1", "--file", str(exported), actor=SEC, now="2021-03-16").err


def test_a_revision_shows_its_changes_since_the_circulated_version_as_tracked_changes(network, tmp_path):
    path = _word(tmp_path / "rop.docx", *DRAFT)
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", str(path), actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    revised = _word(tmp_path / "rop2.docx", DRAFT[0], DRAFT[1], DRAFT[2], DRAFT[3],
                    ("", "The chair serves two years, renewable once."), ("", "The secretariat keeps the records."))
    network.ok("doc", "revise", "D-1", "--file", str(revised), actor=SEC, now="2021-04-17T10:30")
    exported = Path(network.j("doc", "export", "D-1", "--format", "docx", "--out", str(tmp_path / "v2.docx"))["file"])
    body = docx.Document(str(exported)).element.body
    inserted = [_runs(e) for e in body.iter(f"{W}ins") if len(e)]
    deleted = [_runs(e) for e in body.iter(f"{W}del") if len(e)]
    assert inserted == [", renewable once", "[4]The secretariat keeps the records."]  # a new paragraph, its number with it
    assert deleted == []
    assert all(e.get(f"{W}author") == SEC and e.get(f"{W}date") == "2021-04-17T07:30:00Z" for e in body.iter(f"{W}ins"))
    header = [p.text for p in docx.Document(str(exported)).sections[0].header.paragraphs]
    assert header[-1] == "changes since version 1 (circulated) are shown as tracked changes"
    # Accepting every change gives the revision; rejecting them, the circulated text.
    assert read_docx(exported.read_bytes(), "v2.docx").text == network.j("doc", "text", "D-1")["text"]
    v1 = Path(network.j("doc", "export", "D-1", "--format", "docx", "--version", "1", "--out", str(tmp_path / "v1.docx"))["file"])
    assert not list(docx.Document(str(v1)).element.body.iter(f"{W}ins"))


def test_a_paragraph_removed_in_a_revision_is_a_tracked_deletion_without_a_number(network, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("One.\n\nTwo, to go.\n\nThree.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "T", "--file", str(text), actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    text.write_text("One.\n\nThree.\n", encoding="utf-8")
    network.ok("doc", "revise", "D-1", "--file", str(text), actor=SEC, now="2021-04-16")
    exported = Path(network.j("doc", "export", "D-1", "--format", "docx", "--out", str(tmp_path))["file"])
    body = docx.Document(str(exported)).element.body
    paragraphs = body.findall(f"{W}p")
    gone = [p for p in paragraphs if p.find(f"{W}pPr/{W}rPr/{W}del") is not None]
    assert [_runs(p) for p in gone] == ["Two, to go."]
    assert [_runs(p) for p in paragraphs] == ["[1]One.", "Two, to go.", "[2]Three."]


@pytest.mark.parametrize("args, message", [
    (("--version", "9"), "D-1 has no version 9 (versions 1 to 1)"),
    (("--lang", "de"), "--lang must be one of the body's languages (en, ar, fr), not 'de'"),
    (("--lang", "ar"), "D-1 has no Arabic version of version 1: there is no Arabic text yet"),
], ids=["no-such-version", "unknown-language", "no-arabic-text"])
def test_export_refusals_say_what_is_missing(network, tmp_path, args, message):
    text = tmp_path / "a.txt"
    text.write_text("One.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "T", "--file", str(text), actor=SEC, now="2021-03-15")
    refused = network.refused(2, "doc", "export", "D-1", "--format", "docx", *args, "--out", str(tmp_path), json_out=True)
    assert message in refused.error["message"]
    assert not list(tmp_path.glob("*.docx"))


def test_an_arabic_export_is_right_to_left(network, tmp_path):
    en = tmp_path / "en.txt"
    en.write_text("One.\n\nTwo.\n", encoding="utf-8")
    ar = tmp_path / "ar.txt"
    ar.write_text("واحد.\n\nاثنان.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "T", "--file", str(en), actor=SEC, now="2021-03-15")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(ar), actor=SEC, now="2021-03-15")
    exported = Path(network.j("doc", "export", "D-1", "--format", "docx", "--lang", "ar", "--out", str(tmp_path))["file"])
    assert exported.name == "D-1-v1-ar.docx"
    body = docx.Document(str(exported)).element.body
    paragraphs = body.findall(f"{W}p")
    assert [_runs(p) for p in paragraphs] == ["[1]واحد.", "[2]اثنان."]
    assert all(p.find(f"{W}pPr/{W}bidi") is not None for p in paragraphs)
    assert json.loads(json.dumps(network.j("show", "D-1")["languages"]))[1] == {"lang": "ar", "version": 1, "stale": False, "working": False}


def test_a_paragraph_inserted_in_a_text_that_numbers_its_own_shows_the_others_renumbered_not_rewritten(network, tmp_path):
    text = tmp_path / "c.txt"
    text.write_text("1. Recognises the network.\n\n2. Adopts the rules.\n\n3. Requests a meeting in 2022.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "communique", "--title", "C", "--file", str(text), actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    text.write_text("1. Recognises the network.\n\n2. Invites members to the programme.\n\n3. Adopts the rules.\n\n"
                    "4. Requests a meeting in 2023.\n", encoding="utf-8")
    network.ok("doc", "revise", "D-1", "--file", str(text), actor=SEC, now="2021-04-16")
    exported = Path(network.j("doc", "export", "D-1", "--format", "docx", "--out", str(tmp_path))["file"])
    body = docx.Document(str(exported)).element.body
    # Only what changed is marked: the new paragraph whole, and in the others their own number (and 2022 -> 2023).
    assert [_runs(e) for e in body.iter(f"{W}ins") if len(e)] == ["[2]2. Invites members to the programme.", "3", "4", "2023"]
    assert [_runs(e) for e in body.iter(f"{W}del") if len(e)] == ["2", "3", "2022"]
    assert read_docx(exported.read_bytes(), exported.name).text == network.j("doc", "text", "D-1")["text"]


def test_the_header_of_an_arabic_file_is_in_arabic_and_its_numbers_hang_at_the_start_of_the_line(network, tmp_path):
    en = tmp_path / "en.txt"
    en.write_text("One.\n\nTwo.\n", encoding="utf-8")
    ar = tmp_path / "ar.txt"
    ar.write_text("واحد.\n\nاثنان.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "T", "--file", str(en), actor=SEC, now="2021-03-15")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(ar), actor=SEC, now="2021-03-15")
    opened = docx.Document(str(network.j("doc", "export", "D-1", "--format", "docx", "--lang", "ar", "--out", str(tmp_path))["file"]))
    header = opened.sections[0].header.paragraphs
    assert header[2].text == "مسودة · النسخة 1 · العربية"
    assert all(p._p.find(f"{W}pPr/{W}bidi") is not None for p in header)
    for paragraph in opened.paragraphs:  # a bidi paragraph's indent is counted from its start, the right edge
        assert paragraph.paragraph_format.first_line_indent == -paragraph.paragraph_format.left_indent != 0
