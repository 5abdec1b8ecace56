"""A document's text as numbered paragraphs: what `gov comment add --para N` counts, in one pure function."""

from __future__ import annotations


def paragraphs(text: str) -> list[str]:
    """The paragraphs of `text`, in order: its blocks separated by blank lines; paragraph N is `paragraphs(text)[N - 1]`.

    Lines end at LF, CRLF or CR (as the author's system wrote them); a blank line holds nothing but white space.
    Trailing white space and the blank lines around a paragraph are not part of it; its own line breaks and
    indentation are. A text of blank lines has no paragraph.
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


def numbered(text: str) -> str:
    """The text with each paragraph opened by its number in brackets ("[3] ..."), paragraphs a blank line apart."""
    return "\n\n".join(f"[{n}] {paragraph}" for n, paragraph in enumerate(paragraphs(text), start=1))
