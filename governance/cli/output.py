"""Printing: readable tables for people, one JSON document for scripts, one-line refusals."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from typing import Any, Iterable, Sequence


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def dump_json(data: Any) -> None:
    sys.stdout.write(json_text(data))


def json_text(data: Any) -> str:
    """The one JSON document a command prints with --json."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def table(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], empty: str = "(none)") -> str:
    rows = list(rows)
    if not rows:
        return empty
    cells = [[_cell(r.get(key)) for key, _ in columns] for r in rows]
    widths = [max(len(title), *(len(c[i]) for c in cells)) for i, (_, title) in enumerate(columns)]
    widths = [min(w, 60) for w in widths]
    lines = ["  ".join(title.ljust(widths[i]) for i, (_, title) in enumerate(columns)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for c in cells:
        lines.append("  ".join(_clip(v, widths[i]).ljust(widths[i]) for i, v in enumerate(c)).rstrip())
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "-"
    text = str(value).replace("\n", " ")
    if _MOMENT.match(text):  # an ISO moment: show it as a person reads it
        text = text[:16].replace("T", " ")
    return text


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def error(code: str, message: str, rule: str | None, as_json: bool, hint: str | None = None) -> None:
    if as_json:
        sys.stderr.write(json.dumps({"error": {"code": code, "message": message, "rule": rule}}, ensure_ascii=False) + "\n")
        return
    sys.stderr.write(f"gov: {message}\n")
    if hint:
        sys.stderr.write(f"  try: {hint}\n")
