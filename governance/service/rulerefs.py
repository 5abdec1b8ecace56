"""Parameters of guards and effects that point into the rules ("@meetings.{kind}.notice_days")."""

from __future__ import annotations

from typing import Any

from governance.rules import Rules

_FIELDS = {"kind": "kind", "type": "type", "office": "office"}


def resolve(rules: Rules, value: Any, record: Any) -> tuple[Any, str | None]:
    """The value a parameter stands for, and the article cited when it comes from the rules."""
    if not (isinstance(value, str) and value.startswith("@")):
        return value, None
    path = value[1:]
    for placeholder, attribute in _FIELDS.items():
        token = "{" + placeholder + "}"
        if token in path:
            path = path.replace(token, str(getattr(record, attribute)))
    return rules.lookup(path)
