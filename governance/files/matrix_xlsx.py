"""The comment matrix as a spreadsheet (.xlsx): the classic template secretariats and members exchange.

One sheet, one header row, one row per comment: number, member, paragraph, comment, proposed change, disposition,
note. The disposition column only takes the dispositions the engine knows (a list in the cell). The document's
reference travels in the file's properties and its title row, so a matrix is not read back into another document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from governance.errors import BadInput
from governance.files.archive import check_package

KIND = "a spreadsheet (.xlsx)"
HEADERS = ("Number", "Member", "Paragraph", "Comment", "Proposed change", "Disposition", "Note")
_KEYS = ("number", "member", "paragraph", "comment", "proposal", "disposition", "note")
WIDTHS = (9, 12, 10, 60, 45, 14, 45)
BLANK_ROWS = 200  # rows below the comments where a member may add their own, the disposition list still offered
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Row:
    """One comment as the sheet has it; `line` is its row in the sheet (for refusals)."""

    line: int
    number: str | None
    member: str | None
    paragraph: Any
    comment: str | None
    proposal: str | None
    disposition: str | None
    note: str | None


@dataclass(frozen=True)
class Sheet:
    ref: str | None  # the document the file says it is the matrix of
    rows: list[Row]


def write_matrix(ref: str, title: str, subtitle: str, rows: list[dict[str, Any]], dispositions: tuple[str, ...]) -> bytes:
    """The matrix of document `ref`: `rows` hold the keys of `Row` (number, member, paragraph, comment, proposal,
    disposition, note)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Comments"
    book.properties.identifier = ref
    book.properties.title = f"{ref} {title}: comment matrix"
    sheet.append([f"{ref} {title}: comment matrix"])
    sheet.append([subtitle])
    sheet.append(list(HEADERS))
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for row in rows:
        sheet.append([row.get(key) for key in _KEYS])
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = wrap
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A4"
    listed = DataValidation(type="list", formula1='"' + ",".join(dispositions) + '"', allow_blank=True, showErrorMessage=True,
                            errorTitle="Disposition", error="Choose one of: " + ", ".join(dispositions))
    sheet.add_data_validation(listed)
    listed.add(f"F4:F{3 + len(rows) + BLANK_ROWS}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_matrix(data: bytes, name: str) -> Sheet:
    """The rows of a comment matrix (written by `write_matrix`, or a member's copy of it, filled in)."""
    from openpyxl import load_workbook

    check_package(data, name, KIND)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise BadInput(f"{name} is not {KIND}: {str(exc)[:200] or type(exc).__name__}") from None
    try:
        sheet = book.worksheets[0]
        header_line, columns = _header(sheet, name)
        rows = []
        for line, values in enumerate(sheet.iter_rows(min_row=header_line + 1, values_only=True), start=header_line + 1):
            if line - header_line > MAX_ROWS:
                raise BadInput(f"{name} has more than {MAX_ROWS:,} rows below its header; a comment matrix has fewer")
            cells = {key: _cell(values[index]) if index < len(values) else None for key, index in columns.items()}
            if not any(cells.get(key) not in (None, "") for key in _KEYS):
                continue
            rows.append(Row(line, cells.get("number"), cells.get("member"), _paragraph(values, columns), cells.get("comment"),
                            cells.get("proposal"), cells.get("disposition"), cells.get("note")))
        properties = book.properties
        return Sheet((properties.identifier or "").strip() or None if properties is not None else None, rows)
    finally:
        book.close()


def _header(sheet: Any, name: str) -> tuple[int, dict[str, int]]:
    """The header row (within the first ten) and where each column is; the first two columns are optional in a
    member's own template, the comment column is not."""
    wanted = {header.lower(): key for header, key in zip(HEADERS, _KEYS)}
    for line, values in enumerate(sheet.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        found = {wanted[str(v).strip().lower()]: i for i, v in enumerate(values) if v is not None and str(v).strip().lower() in wanted}
        if "comment" in found and len(found) >= 3:
            return line, found
    raise BadInput(f"{name} is not a comment matrix: none of its first rows is the header {' | '.join(HEADERS)}")


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def _paragraph(values: tuple[Any, ...], columns: dict[str, int]) -> Any:
    index = columns.get("paragraph")
    if index is None or index >= len(values):
        return None
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip() or None
    return value
