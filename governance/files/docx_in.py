"""Reading a Word file (.docx) into a document's text: its paragraphs as a reader sees them, headings as "#" lines.

The text is the one `governance/documents.py` numbers: blocks a blank line apart. What the reader sees decides:
- every paragraph that holds text is a block; empty ones (spacing) are not;
- a heading (styles Title, Subtitle, Heading 1 to 6, or a style based on one) is a "#" line and takes no number;
- a numbered list's items at its first level are paragraphs of their own, their number kept as text ("1. ...");
  bullets and deeper levels stay with the paragraph they follow, one line each ("- ...", "(a) ...");
- a table is one block, a line per row, its cells separated by " | ";
- tracked changes read as if accepted (insertions in, deletions out);
- the paragraph numbers `docx_out` writes (runs in its "Paragraph Number" style) are left out, so a file exported
  here and read back gives the same text.
Page headers and footers, footnotes, comments and text boxes are not part of the text.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from governance.errors import BadInput
from governance.files.archive import check_package

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NUMBER_STYLE = "Paragraph Number"  # the character style of the numbers docx_out writes
KIND = "a Word file (.docx)"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# Inside a paragraph, these hold no text the reader sees as the paragraph's (or hold what a deletion took away).
_SKIPPED = {_w(t) for t in ("pPr", "rPr", "del", "moveFrom", "delText", "instrText", "footnoteReference",
                            "endnoteReference", "commentReference", "txbxContent", "drawing", "pict", "object")}
_SKIPPED.add(f"{{{MC}}}Fallback")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class WordText:
    """What a Word file says: its text (blocks a blank line apart, headings as "#" lines) and its paragraph count."""

    text: str
    paragraphs: int


def read_docx(data: bytes, name: str) -> WordText:
    """The text of the Word file `data` (called `name` in refusals); BadInput, in one sentence, when it is not one."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_package(data, name, KIND)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise BadInput(f"{name} is not {KIND}: {_why(exc)}") from None
    reader = _Reader(document)
    blocks = reader.blocks()
    if not blocks:
        raise BadInput(f"{name} holds no text (a Word file whose paragraphs are all empty)")
    from governance.documents import heading

    text = "\n\n".join(blocks) + "\n"
    return WordText(text, sum(1 for block in blocks if not heading(block)))


def _why(exc: Exception) -> str:
    message = str(exc).strip().strip("'\"")
    if "content type" in message.lower():
        return "it is another kind of Office file"
    return message[:200] or type(exc).__name__


@dataclass
class _List:
    counters: dict[int, int] = field(default_factory=dict)


class _Reader:
    def __init__(self, document: Any) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self.paragraph_type = WD_STYLE_TYPE.PARAGRAPH
        self.document = document
        self.styles = {style.style_id: style for style in document.styles}
        self.number_style = next((s.style_id for s in document.styles if s.name == NUMBER_STYLE), None)
        self.lists: dict[str, _List] = {}
        try:
            self.numbering = document.part.numbering_part.element
        except (NotImplementedError, KeyError):
            self.numbering = None

    def blocks(self) -> list[str]:
        found: list[str] = []
        last_heading = True  # nothing before the first paragraph for a bullet to join
        for kind, element in self._body(self.document.element.body):
            if kind == "tbl":
                table = self._table(element)
                if table:
                    found.append(table)
                    last_heading = False
                continue
            text = _lines(self._text(element))
            if not text:
                continue
            level = self._heading_level(element)
            if level:
                found.append("#" * level + " " + " ".join(text.split("\n")))
                last_heading = True
                continue
            marker, depth, bullet = self._list_marker(element)
            if marker is not None and (bullet or depth > 0) and found and not last_heading:
                found[-1] += "\n" + "  " * depth + marker + " " + text.replace("\n", " ")
                continue
            found.append(f"{marker} {text}" if marker is not None else text)
            last_heading = False
        return found

    def _body(self, container: Any) -> Iterator[tuple[str, Any]]:
        """Paragraphs and tables in order, looking inside content controls (w:sdt) as Word shows them."""
        for child in container:
            if child.tag == _w("p"):
                yield "p", child
            elif child.tag == _w("tbl"):
                yield "tbl", child
            elif child.tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    yield from self._body(content)

    def _text(self, element: Any) -> str:
        out: list[str] = []

        def walk(node: Any) -> None:
            for child in node:
                tag = child.tag
                if tag in _SKIPPED:
                    continue
                if tag == _w("r") and self.number_style and self._run_style(child) == self.number_style:
                    continue
                if tag == _w("t"):
                    out.append(child.text or "")
                elif tag == _w("tab"):
                    out.append("\t")
                elif tag in (_w("br"), _w("cr")):
                    out.append("\n")
                elif tag == _w("noBreakHyphen"):
                    out.append("\u2011")
                else:
                    walk(child)

        walk(element)
        return "".join(out)

    @staticmethod
    def _run_style(run: Any) -> str | None:
        style = run.find(f"{_w('rPr')}/{_w('rStyle')}")
        return style.get(_w("val")) if style is not None else None

    def _style_chain(self, element: Any) -> Iterator[Any]:
        found = element.find(f"{_w('pPr')}/{_w('pStyle')}")
        style = self.styles.get(found.get(_w("val"))) if found is not None else self.document.styles.default(self.paragraph_type)
        for _ in range(10):  # a style's bases, nearest first (a loop in a damaged file ends here)
            if style is None:
                return
            yield style
            style = style.base_style

    def _heading_level(self, element: Any) -> int | None:
        for style in self._style_chain(element):
            name = (style.name or "").strip().lower()
            if name == "title":
                return 1
            if name == "subtitle":
                return 2
            match = re.fullmatch(r"heading\s*([1-9])", name)
            if match:
                return min(int(match.group(1)), 6)
        return None

    def _list_marker(self, element: Any) -> tuple[str | None, int, bool]:
        """(the list marker as a reader sees it, the level, whether it is a bullet); (None, 0, False) outside a list."""
        num_pr = element.find(f"{_w('pPr')}/{_w('numPr')}")
        if num_pr is None:
            for style in self._style_chain(element):
                num_pr = style.element.find(f"{_w('pPr')}/{_w('numPr')}")
                if num_pr is not None:
                    break
        if num_pr is None:
            return None, 0, False
        num_id = _val(num_pr.find(_w("numId")))
        depth = int(_val(num_pr.find(_w("ilvl"))) or 0)
        if not num_id or num_id == "0":
            return None, 0, False
        fmt, text, start = self._level(num_id, depth)
        if fmt == "bullet" or fmt == "none":
            return "-", depth, True
        counters = self.lists.setdefault(num_id, _List()).counters
        counters[depth] = counters.get(depth, start - 1) + 1
        for deeper in [d for d in counters if d > depth]:
            del counters[deeper]

        def number(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            return _format(counters.get(level, 1), fmt)

        return re.sub(r"%([1-9])", number, text or f"%{depth + 1}."), depth, False

    def _level(self, num_id: str, depth: int) -> tuple[str, str, int]:
        """(number format, level text, start) of a list level, as the file's numbering part defines it."""
        if self.numbering is None:
            return "decimal", f"%{depth + 1}.", 1
        abstract_ids = self.numbering.xpath(f'w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
        if not abstract_ids:
            return "decimal", f"%{depth + 1}.", 1
        levels = self.numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_ids[0]}"]/w:lvl[@w:ilvl="{depth}"]')
        if not levels:
            return "decimal", f"%{depth + 1}.", 1
        level = levels[0]
        fmt = _val(level.find(_w("numFmt"))) or "decimal"
        text = _val(level.find(_w("lvlText")))
        start = _val(level.find(_w("start")))
        return fmt, text if text is not None else f"%{depth + 1}.", int(start) if start and start.isdigit() else 1

    def _table(self, element: Any) -> str:
        rows = []
        for row in element.findall(_w("tr")):
            cells = []
            for cell in row.findall(_w("tc")):
                parts = [" ".join(_lines(self._text(p)).split("\n")) for p in cell.iter(_w("p"))]
                cells.append(" / ".join(p for p in parts if p))
            if any(cells):
                rows.append(" | ".join(cells))
        return "\n".join(rows)


def _val(element: Any) -> str | None:
    return element.get(_w("val")) if element is not None else None


def _lines(text: str) -> str:
    """A paragraph's lines, trimmed, without blank ones (a blank line would split it in two blocks)."""
    return "\n".join(line.rstrip() for line in text.replace("\r", "\n").split("\n") if line.strip()).strip()


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while n > 0:
            n, rest = divmod(n - 1, 26)
            letters = _LETTERS[rest] + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
                           (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += numeral
            n -= value
    return out
