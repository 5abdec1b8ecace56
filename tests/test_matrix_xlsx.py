"""The comment matrix as a spreadsheet: out with a list on the disposition column, back in through `comment dispose`'s
own call (all rows or none), and members' comments in from their filled template through `comment add`'s."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

SEC = "sec"


def _circulated_with_comments(network, tmp_path: Path) -> None:
    text = tmp_path / "rop.txt"
    text.write_text("1. Purpose.\n\n2. Membership.\n\n3. The chair serves two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", str(text), actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15")
    network.ok("comment", "add", "D-1", "--para", "3", "--text", "نقترح أن تكون مدة الرئاسة سنتين قابلة للتجديد مرة واحدة",
               actor="bhr", now="2021-03-20")
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "Préciser les critères d'adhésion.\nAvec exemples.", actor="mar",
               now="2021-03-22")
    network.ok("comment", "add", "D-1", "--text", "Add a clause on observers.", actor="idn", now="2021-03-23")


def _matrix(network, tmp_path: Path, name: str = "matrix.xlsx") -> Path:
    out = network.j("doc", "matrix", "D-1", "--format", "xlsx", "--out", str(tmp_path / name), actor=SEC)
    return Path(out["file"])


def _fill(path: Path, values: dict[str, tuple[str | None, str | None]], edit: dict[str, str] | None = None) -> None:
    """Fill the disposition and note of the rows whose Number is a key; `edit` rewrites a comment's text."""
    book = load_workbook(path)
    sheet = book.active
    for row in sheet.iter_rows(min_row=4):
        number = row[0].value
        if number in values:
            row[5].value, row[6].value = values[number]
        if edit and number in edit:
            row[3].value = edit[number]
    book.save(path)


def test_the_matrix_goes_out_as_the_classic_template_with_a_list_of_dispositions(network, tmp_path):
    _circulated_with_comments(network, tmp_path)
    path = _matrix(network, tmp_path)
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[3]] == ["Number", "Member", "Paragraph", "Comment", "Proposed change", "Disposition", "Note"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=6)]
    assert [(r[0], r[1], r[2]) for r in rows] == [("C-2", "MAR", 2), ("C-1", "BHR", 3), ("C-3", "IDN", None)]
    assert rows[0][3] == "Préciser les critères d'adhésion.\nAvec exemples."
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"accepted,partly,rejected,noted"'
    assert "F4:F" in str(validation.sqref)
    assert load_workbook(path).properties.identifier == "D-1"


def test_dispositions_filled_in_the_sheet_are_recorded_as_comment_dispose_records_them(network, tmp_path):
    _circulated_with_comments(network, tmp_path)
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    path = _matrix(network, tmp_path)
    _fill(path, {"C-1": ("accepted", "Art. 3 amended"), "C-2": ("Noted", None)})
    done = network.j("doc", "matrix-import", "D-1", str(path), actor=SEC, now="2021-04-16")["disposed"]
    assert done == [{"comment": "C-2", "decision": "noted", "note": None}, {"comment": "C-1", "decision": "accepted", "note": "Art. 3 amended"}]
    # The same as the command line would have recorded: the matrix, and the trail's entries, channel and all.
    rows = {r["comment"]: (r["decision"], r["note"]) for r in network.j("doc", "matrix", "D-1")["rows"]}
    assert rows == {"C-1": ("accepted", "Art. 3 amended"), "C-2": ("noted", None), "C-3": (None, None)}
    network.ok("comment", "dispose", "C-3", "--decision", "rejected", "--note", "Out of scope", actor=SEC, now="2021-04-16")
    entries = [e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "dispose"]
    assert [(e["ref"], e["to"], e["channel"], e["detail"]) for e in entries] == [
        ("C-2", "noted", "cli", {"document": "D-1"}), ("C-1", "accepted", "cli", {"document": "D-1"}),
        ("C-3", "rejected", "cli", {"document": "D-1"})]
    # Read back again, the same file changes nothing.
    assert network.j("doc", "matrix-import", "D-1", str(path), actor=SEC, now="2021-04-17")["disposed"] == []
    assert network.j("audit", "verify")["ok"] is True


def test_each_bad_row_is_named_on_its_own_line_and_nothing_is_recorded(network, tmp_path):
    _circulated_with_comments(network, tmp_path)
    path = _matrix(network, tmp_path)
    _fill(path, {"C-1": ("accepted", None), "C-2": ("approved", None)}, edit={"C-3": "Add a clause on observers and partners."})
    book = load_workbook(path)
    book.active.append(["C-99", "EGY", 1, "Not ours.", None, "noted", None])
    book.save(path)
    before = network.sql("SELECT count(*) FROM audit")[0][0]
    refused = network.refused(2, "doc", "matrix-import", "D-1", str(path), actor=SEC, now="2021-04-16")
    lines = refused.err.strip().splitlines()
    assert lines == ["gov: matrix.xlsx: row 4: C-2's disposition 'approved' is not one of accepted, partly, rejected, noted",
                     "matrix.xlsx: row 6: the text of C-3 was changed in the sheet; a comment stays as its member wrote it",
                     "matrix.xlsx: row 7: C-99 is not a comment on D-1",
                     "nothing of the file was recorded (3 problems)."]
    assert network.sql("SELECT count(*) FROM audit")[0][0] == before
    assert network.sql("SELECT count(*) FROM comments WHERE decision IS NOT NULL")[0][0] == 0


def test_a_matrix_is_not_read_into_another_document_nor_by_a_focal_point(network, tmp_path):
    _circulated_with_comments(network, tmp_path)
    path = _matrix(network, tmp_path)
    other = tmp_path / "other.txt"
    other.write_text("One.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "report", "--title", "Other", "--file", str(other), actor=SEC, now="2021-03-16")
    assert "is the comment matrix of D-1, not of D-2" in network.refused(2, "doc", "matrix-import", "D-2", str(path), actor=SEC).err
    _fill(path, {"C-1": ("accepted", None)})
    network.refused(3, "doc", "matrix-import", "D-1", str(path), actor="bhr", now="2021-03-24")
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_text("number,comment\n", encoding="utf-8")
    assert "is not a spreadsheet (.xlsx)" in network.refused(2, "doc", "matrix-import", "D-1", str(garbage), actor=SEC).err


def test_a_members_filled_template_becomes_their_comments_once(network, tmp_path):
    _circulated_with_comments(network, tmp_path)
    path = _matrix(network, tmp_path, "template.xlsx")
    book = load_workbook(path)
    book.active.append([None, None, 1, "State the purpose in one sentence.", "The network exists to ...", None, None])
    book.active.append([None, None, "§2", "Name the observers.", None, None, None])
    book.save(path)
    added = network.j("comment", "import", "D-1", str(path), actor="egy", now="2021-03-25")["comments"]
    assert added == [{"ref": "C-4", "para": 1}, {"ref": "C-5", "para": 2}]
    rows = {r["comment"]: r for r in network.j("doc", "matrix", "D-1")["rows"]}
    assert (rows["C-4"]["org"], rows["C-4"]["text"]) == ("EGY", "State the purpose in one sentence.")
    assert network.sql("SELECT proposal FROM comments WHERE id = 4")[0][0] == "The network exists to ..."
    assert [e["trigger"] for e in network.j("audit", "C-4")["entries"]] == ["comment"]
    # The same file again adds nothing; after the period, nothing at all (as `comment add` would refuse).
    assert network.j("comment", "import", "D-1", str(path), actor="egy", now="2021-03-26")["comments"] == []
    book.active.append([None, None, 9, "Beyond the text.", None, None, None])
    book.save(path)
    assert "row 9: D-1 has 3 paragraphs" in network.refused(2, "comment", "import", "D-1", str(path), actor="egy", now="2021-03-26").err
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    network.refused(4, "comment", "import", "D-1", str(path), actor="sen", now="2021-04-16")
    assert network.sql("SELECT count(*) FROM comments")[0][0] == 5
