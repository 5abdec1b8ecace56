"""A document's text as numbered paragraphs: what `gov comment add --para N` counts, in one pure function."""

from __future__ import annotations

import re

# A heading of a text read from a Word file: one line opening with one to six "#" and a space (its level). Only such
# texts (a version's `headings`) have headings; in a .txt or .md file every block is a paragraph, as it always was.
_HEADING = re.compile(r"(#{1,6}) (\S.*)")


def heading(block: str) -> tuple[int, str] | None:
    """(level, title) when `block` is a heading line, else None."""
    found = _HEADING.fullmatch(block) if "\n" not in block else None
    return (len(found.group(1)), found.group(2)) if found else None


def paragraphs(text: str, headings: bool = False) -> list[str]:
    """The numbered paragraphs of `text`, in order: paragraph N is `paragraphs(text)[N - 1]`. With `headings` (a text
    read from a Word file), heading lines are not paragraphs and take no number."""
    return [block for block in blocks(text) if not (headings and heading(block))]


def outline(text: str, headings: bool = False) -> list[tuple[int | None, str]]:
    """Every block in order, as (its paragraph number, its text); a heading has no number."""
    found: list[tuple[int | None, str]] = []
    number = 0
    for block in blocks(text):
        if headings and heading(block):
            found.append((None, block))
        else:
            number += 1
            found.append((number, block))
    return found


def blocks(text: str) -> list[str]:
    """The blocks of `text`, in order: its runs of lines separated by blank lines.

    Lines end at LF, CRLF or CR (as the author's system wrote them); a blank line holds nothing but white space.
    Trailing white space and the blank lines around a block are not part of it; its own line breaks and
    indentation are. A text of blank lines has no block.
    """
    found: list[str] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            found.append("\n".join(current))
            current = []
    if current:
        found.append("\n".join(current))
    return found


def numbered(text: str, headings: bool = False) -> str:
    """The text with each paragraph opened by its number in brackets ("[3] ..."), blocks a blank line apart; a heading
    stands as it is."""
    return "\n\n".join(block if n is None else f"[{n}] {block}" for n, block in outline(text, headings))
