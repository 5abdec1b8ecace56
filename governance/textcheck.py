"""What a single line of text, a multi-line text and an e-mail address may hold: one answer for the service and config.toml."""

from __future__ import annotations

import re

# Unicode category Cc (C0, DEL, C1), the line and paragraph separators that end a line in mail headers and
# terminals as surely as "\n" does, and lone surrogates (what invalid UTF-8 in an argument decodes to).
_NOT_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# A multi-line text (a reason, a comment, a note) may hold line breaks and tabs, nothing else of the above.
_NOT_IN_A_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# Characters that would turn one address into several, or into a display name, in a mail header.
_ATOM = r"[^@\s<>()\[\]\\,;:\"\x00-\x1f\x7f-\x9f\u2028\u2029]"
_LABEL = r"[^@\s<>()\[\]\\,;:\".\x00-\x1f\x7f-\x9f\u2028\u2029]+"
EMAIL = re.compile(rf"{_ATOM}+@{_LABEL}(?:\.{_LABEL})+")
EMAIL_MAX = 320


def _describe(char: str) -> str:
    if char in "\n\r\x85\u2028\u2029":
        return "a line break"
    if char == "\t":
        return "a tab"
    if char == "\x00":
        return "a NUL character"
    if "\ud800" <= char <= "\udfff":
        return "bytes that are not valid UTF-8"
    return f"the control character U+{ord(char):04X}"


def line_problem(value: str) -> str | None:
    """Why `value` cannot be a single line of text (a name, a title, a header), or None when it can."""
    found = _NOT_IN_A_LINE.search(value)
    return f"must be a single line of text, without control characters (it holds {_describe(found.group())})" if found else None


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a multi-line text (line breaks and tabs allowed), or None when it can."""
    found = _NOT_IN_A_TEXT.search(value)
    return f"must be text without control characters other than line breaks and tabs (it holds {_describe(found.group())})" if found else None


def is_email(value: str) -> bool:
    """A plain address (`name@example.org`): nothing a mail header would read as a second address or a display name."""
    return len(value) <= EMAIL_MAX and EMAIL.fullmatch(value) is not None
