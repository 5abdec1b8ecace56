"""Parameters of guards and effects that point into the rules ("@meetings.{kind}.notice_days")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from governance.rules import Rules
from governance.workflows import records

if TYPE_CHECKING:  # resolved on plain rows too (service/plainread.py), which never import the models
    from governance.store.models import WorkflowRecord


def resolve(rules: Rules, value: Any, record: WorkflowRecord) -> tuple[Any, str | None]:
    """The value a parameter stands for, and the article cited when it comes from the rules."""
    if not (isinstance(value, str) and value.startswith("@")):
        return value, None
    path = value[1:]
    for placeholder, attribute in records.of_model(type(record)).placeholders.items():
        token = "{" + placeholder + "}"
        if token in path:
            path = path.replace(token, str(getattr(record, attribute)))
    return rules.lookup(path)
