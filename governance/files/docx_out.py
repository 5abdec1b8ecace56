"""Writing a version of a document as a Word file: numbered paragraphs, a header naming the body, the document, its
state and version, and the changes since the circulated version as Word's tracked changes (w:ins, w:del).

Paragraph numbers are text in a character style of their own ("Paragraph Number"), not Word's list numbering: they
are the numbers comments cite, they must not shift when Word shows a deleted paragraph, and `docx_in` leaves them out
when the file comes back.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from governance.documents import heading, outline
from governance.files.docx_in import NUMBER_STYLE

RTL_LANGUAGES = ("ar",)
# The header's words in the document's own language. The engine's names of the shipped document states are given
# here too (this room imports nothing from the pages); a state a workflow file adds is shown by its name.
HEADER_WORDS: dict[str, dict[str, str]] = {
    "en": {"version": "version {n}", "language": "English",
           "tracked": "changes since version {n} (circulated) are shown as tracked changes"},
    "fr": {"version": "version {n}", "language": "français",
           "tracked": "les modifications depuis la version {n} (diffusée) sont suivies",
           "draft": "projet", "circulated": "soumis aux observations", "comments_closed": "observations closes",
           "tabled": "inscrit à l'ordre du jour", "adopted": "adopté", "endorsed": "entériné", "noted": "pris acte",
           "rejected": "rejeté", "published": "publié", "withdrawn": "retiré", "in_writing": "soumis aux membres par écrit"},
    "ar": {"version": "النسخة {n}", "language": "العربية",
           "tracked": "التغييرات منذ النسخة {n} (المعمّمة) معروضة بتتبّع التغييرات",
           "draft": "مسودة", "circulated": "مفتوح للملاحظات", "comments_closed": "أُغلقت الملاحظات", "tabled": "مدرج في جدول الأعمال",
           "adopted": "معتمد", "endorsed": "مُصادَق عليه", "noted": "أُحيط علمًا به", "rejected": "مرفوض", "published": "منشور",
           "withdrawn": "مسحوب", "in_writing": "معروض على الأعضاء كتابيًا"},
}
# Paragraph numbers hang in the margin, a hanging indent wide enough for "[999]": the text's own numbering ("1.
# Recognises ...") reads as the text, the engine's as the reference comments cite.
HANG_CM = 1.3
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
# A changed paragraph sharing less than this share of its words with the old one reads better as one out, one in.
REWRITTEN = 0.5


@dataclass(frozen=True)
class Header:
    """What the page header says: whose document, which one, where it stands."""

    body: str
    ref: str
    title: str
    state: str
    version: int
    lang: str
    compared_with: int | None = None  # the circulated version the tracked changes are counted from


@dataclass(frozen=True)
class Text:
    text: str
    headings: bool


@dataclass(frozen=True)
class Author:
    """Who the tracked changes are by, and when (the revision's author and time)."""

    name: str
    at: datetime


def write_docx(header: Header, current: Text, before: Text | None = None, author: Author | None = None) -> bytes:
    """The Word file of `current`; with `before`, its differences from `before` as tracked changes by `author`."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    style = document.styles.add_style(NUMBER_STYLE, WD_STYLE_TYPE.CHARACTER)
    style.font.size = Pt(8.5)
    style.font.color.rgb = RGBColor(0x6B, 0x6B, 0x6B)
    document.styles["Normal"].font.size = Pt(11)
    if before is not None and author is None:
        raise ValueError("tracked changes need their author and time")
    writer = _Writer(document, header.lang in RTL_LANGUAGES, style.style_id, author)
    writer.header(header)
    blocks = outline(current.text, current.headings)
    if before is None:
        for number, block in blocks:
            writer.block(number, block, "same")
    else:
        writer.compare(outline(before.text, before.headings), blocks)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_OWN_NUMBER = re.compile(r"\s*\d{1,3}\s*[.)]\s+")


def _aligned(block: str) -> str:
    """What a paragraph is matched on between two versions: its text without the number the text itself gives it."""
    return _OWN_NUMBER.sub("", block, count=1) if _OWN_NUMBER.match(block) else block


class _Writer:
    def __init__(self, document: Any, rtl: bool, number_style: str, author: Author | None) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        self.document, self.rtl, self.number_style = document, rtl, number_style
        self.element, self.qn = OxmlElement, qn
        self.author = author
        self.next_id = 1

    def header(self, header: Header) -> None:
        from docx.shared import Pt

        words = {**HEADER_WORDS["en"], **HEADER_WORDS.get(header.lang, {})}
        section = self.document.sections[0]
        state = words.get(header.state, header.state.replace("_", " "))
        lines = [header.body, f"{header.ref} · {header.title}",
                 f"{state} · {words['version'].format(n=header.version)} · {words['language']}"]
        if header.compared_with is not None:
            lines.append(words["tracked"].format(n=header.compared_with))
        first = section.header.paragraphs[0]
        first.text = lines[0]
        first.runs[0].bold = True
        for line in lines[1:]:
            # The header's own style for every line: the body's default spacing would open gaps between them.
            section.header.add_paragraph(line, style=first.style).runs[0].font.size = Pt(9)
        if self.rtl:
            for paragraph in section.header.paragraphs:
                self._direction(paragraph._p)

    # -- one block, unchanged, inserted or deleted ---------------------------------------------------------------
    def block(self, number: int | None, text: str, how: str) -> None:
        found = heading(text)
        paragraph = self.document.add_heading(level=found[0]) if found else self.document.add_paragraph()
        p = paragraph._p
        self._direction(p)
        if not found:
            self._hang(paragraph, numbered=number is not None and how != "deleted")
        if how != "same":
            self._mark_paragraph(p, how)
        target = self._change(how) if how != "same" else p
        if how != "same":
            p.append(target)
        if number is not None and how != "deleted":
            target.append(self._run(f"[{number}]\t", deleted=False, styled=True))
        body = found[1] if found else text
        for run in self._runs(body, deleted=how == "deleted"):
            target.append(run)

    def compare(self, old: list[tuple[int | None, str]], new: list[tuple[int | None, str]]) -> None:
        """Align the two versions paragraph by paragraph; a changed paragraph shows its changes word by word."""
        # Paragraphs are aligned on their words, their own leading numbers aside: a paragraph inserted in a text that
        # numbers its paragraphs renumbers the ones after it, and each of those is the same paragraph, renumbered.
        matcher = difflib.SequenceMatcher(None, [_aligned(b) for _, b in old], [_aligned(b) for _, b in new], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for (_, was), (number, block) in zip(old[i1:i2], new[j1:j2]):
                    if was == block:
                        self.block(number, block, "same")
                    else:
                        self.changed(number, was, block)
                continue
            pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
            for k in range(pairs):
                self.changed(new[j1 + k][0], old[i1 + k][1], new[j1 + k][1])
            for _, block in old[i1 + pairs:i2]:
                self.block(None, block, "deleted")
            for number, block in new[j1 + pairs:j2]:
                self.block(number, block, "inserted")

    def changed(self, number: int | None, old: str, new: str) -> None:
        old_heading, new_heading = heading(old), heading(new)
        if bool(old_heading) != bool(new_heading):  # a paragraph became a heading: shown as one out, one in
            self.block(None, old, "deleted")
            self.block(number, new, "inserted")
            return
        a = _TOKENS.findall(old_heading[1] if old_heading else old)
        b = _TOKENS.findall(new_heading[1] if new_heading else new)
        words = difflib.SequenceMatcher(None, a, b, autojunk=False)
        if words.ratio() < REWRITTEN:
            self.block(None, old, "deleted")
            self.block(number, new, "inserted")
            return
        paragraph = self.document.add_heading(level=new_heading[0]) if new_heading else self.document.add_paragraph()
        p = paragraph._p
        self._direction(p)
        if number is not None:
            self._hang(paragraph)
            p.append(self._run(f"[{number}]\t", deleted=False, styled=True))
        for op, i1, i2, j1, j2 in words.get_opcodes():
            if op == "equal":
                for run in self._runs("".join(b[j1:j2]), deleted=False):
                    p.append(run)
                continue
            if i2 > i1:
                wrapper = self._change("deleted")
                for run in self._runs("".join(a[i1:i2]), deleted=True):
                    wrapper.append(run)
                p.append(wrapper)
            if j2 > j1:
                wrapper = self._change("inserted")
                for run in self._runs("".join(b[j1:j2]), deleted=False):
                    wrapper.append(run)
                p.append(wrapper)

    # -- the XML of runs and revisions ----------------------------------------------------------------------------
    def _change(self, how: str) -> Any:
        assert self.author is not None  # write_docx asks for one whenever changes are shown
        change = self.element("w:ins" if how == "inserted" else "w:del")
        change.set(self.qn("w:id"), str(self.next_id))
        change.set(self.qn("w:author"), self.author.name)
        change.set(self.qn("w:date"), self.author.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.next_id += 1
        return change

    def _mark_paragraph(self, p: Any, how: str) -> None:
        """The paragraph mark itself inserted or deleted, so accepting or rejecting the change removes the whole paragraph."""
        properties = p.get_or_add_pPr()
        marks = self.element("w:rPr")
        marks.append(self._change(how))
        properties.append(marks)  # rPr comes last among a paragraph's properties

    def _hang(self, paragraph: Any, numbered: bool = True) -> None:
        """The number in the margin, the text beside it: a hanging indent (its edge is also the tab the number ends
        with); a paragraph without a number (a deleted one) lines up with the others' text."""
        from docx.shared import Cm

        paragraph.paragraph_format.left_indent = Cm(HANG_CM)
        paragraph.paragraph_format.first_line_indent = Cm(-HANG_CM) if numbered else Cm(0)

    def _direction(self, p: Any) -> None:
        if self.rtl:
            properties = p.get_or_add_pPr()
            bidi = self.element("w:bidi")
            style = properties.find(self.qn("w:pStyle"))
            if style is not None:
                style.addnext(bidi)
            else:
                properties.insert(0, bidi)

    def _runs(self, text: str, deleted: bool) -> list[Any]:
        runs = []
        for index, line in enumerate(text.split("\n")):
            if index:
                run = self._run("", deleted, False)
                run.append(self.element("w:br"))
                runs.append(run)
            if line:
                runs.append(self._run(line, deleted, False))
        return runs

    def _run(self, text: str, deleted: bool, styled: bool) -> Any:
        run = self.element("w:r")
        if styled or self.rtl:
            properties = self.element("w:rPr")
            if styled:
                style = self.element("w:rStyle")
                style.set(self.qn("w:val"), self.number_style)
                properties.append(style)
            if self.rtl:
                properties.append(self.element("w:rtl"))
            run.append(properties)
        for index, piece in enumerate(text.split("\t")):
            if index:
                run.append(self.element("w:tab"))
            if piece:
                node = self.element("w:delText" if deleted else "w:t")
                node.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                node.text = piece
                run.append(node)
        return run
