"""A letter's HTML part: the layout template's own text, taken from it once, set around each letter's lines.

The layout (templates/layout.html, or an instance's own) turns a letter's subject and lines into HTML. Rendering it
through Jinja for every letter costs a quarter of what a batch of due rows spends. What it prints between a letter's
values depends only on the kinds of lines (plain, command, link) that meet there, in a layout that reads its data
only so, and names no `loop` variable (`stencil.sets_lines_plainly`): those pieces are rendered once per language from
stand-in lines, checked against Jinja on a sample of every kind meeting every kind, and joined for each letter.
A layout that reads its data otherwise, or fails the check, is rendered through Jinja as before.
"""

from __future__ import annotations

import random
import weakref
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from governance.mail.render import HtmlLine

# Stand-ins: control characters with no direction of their own and no meaning to HTML, a random run per process.
_CHARS = "".join(chr(c) for c in (*range(0x01, 0x09), *range(0x0E, 0x1C)))
_NONCE = "".join(random.SystemRandom().choice(_CHARS) for _ in range(12))
_SUBJECT = f"{_NONCE}{_CHARS[0]}{_NONCE}"
_KINDS = ("plain", "command", "link")
_SAMPLE = [["Dear Ms <b>&amp; co</b>,", "https://example.org/l/a?b=1&c=2", "gov comment add D-1 --text \u2068x\u2069"],
           ["gov show D-1", "https://example.org/x", "\u2068الرئاسة\u2069 (M-1)"], ["https://example.org/only"],
           ["One.", "Two & three."]]


def _mark(i: int) -> str:
    return f"{_NONCE}{_CHARS[1 + i // len(_CHARS)]}{_CHARS[i % len(_CHARS)]}{_NONCE}"


@dataclass(frozen=True)
class Pieces:
    """What the layout prints around a letter's values in one language and direction."""

    empty: str  # a letter with no line
    start: dict[str, str]  # before the first line's value, by its kind
    same: dict[tuple[str, str], str]  # between one line's value and the next's in the same paragraph, by their kinds
    next: dict[tuple[str, str], str]  # ... and the next's in the next paragraph
    end: dict[str, str]  # after the last line's value
    link: str  # between a link's address and its text

    def join(self, subject: str, paragraphs: list[list[HtmlLine]]) -> str | None:
        """The letter's HTML; None when its subject or a line holds what the pieces were taken with (a stand-in)."""
        if _NONCE in subject:
            return None
        parts: list[str] = []
        before: str | None = None
        start, same, link = self.start, self.same, self.link
        for lines in paragraphs:
            between = self.next
            for line in lines:
                html, href = line.html, line.href
                if _NONCE in html:
                    return None
                kind = "link" if href else "command" if line.command else "plain"
                parts.append(start[kind] if before is None else between[before, kind])
                if href:
                    if _NONCE in href:
                        return None
                    parts.append(escape(href))
                    parts.append(link)
                parts.append(html)  # Markup, a str: joined as it stands
                before, between = kind, same
        parts.append(self.empty if before is None else self.end[before])
        return "".join(parts).replace(_SUBJECT, escape(subject))


_TAKEN: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Pieces | None]] = weakref.WeakKeyDictionary()


def pieces(env: Any, layout: Any, lang: str, direction: str) -> Pieces | None:
    """The layout's pieces in `lang` (None: it is rendered through Jinja for every letter)."""
    by_language = _TAKEN.setdefault(layout, {})
    if (lang, direction) not in by_language:
        by_language[lang, direction] = _take(env, layout, lang, direction)
    return by_language[lang, direction]


def html(env: Any, layout: Any, lang: str, direction: str, subject: str, paragraphs: list[list[HtmlLine]]) -> str:
    """The letter's HTML part, as `layout.render(subject=..., paragraphs=..., lang=..., dir=...)` gives it."""
    found = pieces(env, layout, lang, direction)
    joined = found.join(subject, paragraphs) if found is not None else None
    if joined is None:
        return layout.render(subject=subject, paragraphs=paragraphs, lang=lang, dir=direction)
    return joined


def _take(env: Any, layout: Any, lang: str, direction: str) -> Pieces | None:
    from governance.mail.stencil import sets_lines_plainly

    if not sets_lines_plainly(env, layout):
        return None
    counter = iter(range(10_000))

    def line(kind: str) -> tuple[HtmlLine, list[str]]:
        text = _mark(next(counter))
        if kind == "link":
            address = _mark(next(counter))
            return HtmlLine(Markup(text), False, address), [address, text]
        return HtmlLine(Markup(text), kind == "command", None), [text]

    def split(paragraphs: list[list[tuple[HtmlLine, list[str]]]]) -> list[str] | None:
        out = layout.render(subject=_SUBJECT, paragraphs=[[made for made, _ in p] for p in paragraphs], lang=lang, dir=direction)
        parts = []
        for mark in [m for p in paragraphs for _, marks in p for m in marks]:
            head, found, out = out.partition(mark)
            if not found or mark in out:
                return None
            parts.append(head)
        return [*parts, out]

    try:
        empty = split([])
        start, end, same, following, links = {}, {}, {}, {}, set()
        for kind in _KINDS:
            alone = split([[line(kind)]])
            if empty is None or alone is None:
                return None
            start[kind], end[kind] = alone[0], alone[-1]
            if kind == "link":
                links.add(alone[1])
            for other in _KINDS:
                together, apart = split([[line(kind), line(other)]]), split([[line(kind)], [line(other)]])
                if together is None or apart is None:
                    return None
                middle = 2 if kind == "link" else 1
                same[kind, other], following[kind, other] = together[middle], apart[middle]
        if len(links) != 1:
            return None
        found = Pieces(empty[0], start, same, following, end, links.pop())
        return found if _checks(layout, found, lang, direction) else None
    except Exception:  # noqa: BLE001 - a layout that cannot be taken apart is rendered whole, as before
        return None


def _checks(layout: Any, found: Pieces, lang: str, direction: str) -> bool:
    """The pieces join into what Jinja renders, on a sample where every kind of line meets every other."""
    from governance.mail.render import html_paragraphs

    text = "\n\n".join("\n".join(p) for p in _SAMPLE) + "\n"
    for subject in ("[OIC-PESNET] D-1: <Draft> & \u2068نص\u2069", ""):
        for paragraphs in (html_paragraphs(text), [], html_paragraphs("https://example.org/z\n")):
            if found.join(subject, paragraphs) != layout.render(subject=subject, paragraphs=paragraphs, lang=lang, dir=direction):
                return False
    return True
