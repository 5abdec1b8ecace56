"""Where each key of a TOML file sits: key paths mapped to line numbers for `PATH:LINE` messages."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Key = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class Located:
    """A parsed TOML document and the line of every key path in it."""

    path: str
    data: dict[str, Any]
    lines: dict[Key, int] = field(default_factory=dict)

    def line(self, key: Key) -> int:
        """The line of `key`, or of its nearest ancestor that has one (1 if none)."""
        probe = tuple(key)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return 1

    def where(self, key: Key) -> str:
        return f"{self.path}:{self.line(key)}"


class TomlSyntaxError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line_number, self.message = path, line, message


def load(path: Path | str, display: str | None = None) -> Located:
    """Parse a TOML file; syntax errors become `TomlSyntaxError` with the line tomllib names."""
    shown = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TomlSyntaxError(shown, 1, "the file is not UTF-8 text") from None
    except OSError as exc:
        raise TomlSyntaxError(shown, 1, f"cannot read the file ({exc.strerror or exc})") from None
    return parse(text, shown)


def parse(text: str, display: str) -> Located:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else 1
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise TomlSyntaxError(display, line, f"TOML syntax error: {message}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise TomlSyntaxError(display, _deep_line(text), _TOO_DEEP) from None
    if _depth(data) > MAX_DEPTH:  # parsed, but deep enough to exhaust whatever walks it next
        raise TomlSyntaxError(display, _deep_line(text), _TOO_DEEP)
    return Located(display, data, _key_lines(text))


# No rules, workflow or config file needs more than a handful of levels; thousands only exhaust the parser's stack.
MAX_DEPTH = 64
_TOO_DEEP = f"values are nested too deeply (more than {MAX_DEPTH} levels of arrays, tables or inline tables)"


def _depth(data: Any) -> int:
    """How deeply tables and arrays nest in a parsed document (counted without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _deep_line(text: str) -> int:
    """The first line where brackets and braces open more than MAX_DEPTH deep (1 when the depth comes from dotted keys)."""
    scanner = _ValueScanner()
    for number, line in enumerate(text.splitlines(), start=1):
        scanner.feed(line + "\n")
        if scanner.deepest > MAX_DEPTH:
            return number
    return 1


def _key_lines(text: str) -> dict[Key, int]:
    """Scan the text for table headers and key assignments, recording the line of each path."""
    lines: dict[Key, int] = {}
    counts: dict[Key, int] = {}
    table: Key = ()
    source = text.splitlines()
    number = 0
    while number < len(source):
        raw = source[number]
        number += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            name = _split_key(stripped[2 : stripped.find("]]")])
            index = counts.get(name, 0)
            counts[name] = index + 1
            lines.setdefault(name, number)
            table = name + (index,)
            lines[table] = number
            continue
        if stripped.startswith("["):
            table = _resolve(_split_key(stripped[1 : stripped.find("]")]), counts)
            lines[table] = number
            continue
        eq = _find_equals(stripped)
        if eq < 0:
            continue
        key = table + _split_key(stripped[:eq])
        for depth in range(len(table) + 1, len(key) + 1):
            lines.setdefault(key[:depth], number)
        lines[key] = number
        # Skip the continuation lines of a multi-line array or string value.
        value = stripped[eq + 1 :]
        state = _ValueScanner()
        state.feed(value)
        while not state.done() and number < len(source):
            state.feed("\n" + source[number])
            number += 1
    return lines


def _resolve(name: Key, counts: dict[Key, int]) -> Key:
    """A [a.b] header under an array of tables [[a]] belongs to its latest element."""
    resolved: list[str | int] = []
    for part in name:
        resolved.append(part)
        prefix = tuple(resolved)
        if prefix in counts:
            resolved.append(counts[prefix] - 1)
    return tuple(resolved)


def _split_key(text: str) -> Key:
    parts: list[str | int] = []
    i, text = 0, text.strip()
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            end = len(text) if end < 0 else end
            parts.append(text[i + 1 : end])
            i = end + 1
        elif ch == "." or ch.isspace():
            i += 1
        else:
            match = _BARE.match(text, i)
            if not match:
                break
            parts.append(match.group(0))
            i = match.end()
    return tuple(parts)


def _find_equals(line: str) -> int:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "=":
            return i
    return -1


class _ValueScanner:
    """Follows brackets and strings of a value to know when it ends."""

    def __init__(self) -> None:
        self.depth = 0
        self.deepest = 0
        self.string: str | None = None
        self.started = False

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            ch = text[i]
            if self.string:
                if self.string in ('"""', "'''"):
                    if text.startswith(self.string, i):
                        self.string = None
                        i += 3
                        continue
                elif ch == "\\" and self.string == '"':
                    i += 2
                    continue
                elif ch == self.string or ch == "\n":
                    self.string = None
                i += 1
                continue
            if text.startswith('"""', i) or text.startswith("'''", i):
                self.string = text[i : i + 3]
                i += 3
                continue
            if ch in "\"'":
                self.string = ch
            elif ch == "#":
                nl = text.find("\n", i)
                if nl < 0:
                    return
                i = nl
                continue
            elif ch in "[{":
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)
            elif ch in "]}":
                self.depth -= 1
            if not ch.isspace():
                self.started = True
            i += 1

    def done(self) -> bool:
        return self.depth <= 0 and self.string not in ('"""', "'''")
