"""What a person may do next, as data: the CLI renders it as a command, the web as a button or a link."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Hint:
    """One thing to do: an action on a record (advance with its trigger, approve, reject, comment, matrix, dispose,
    revise, show) or a place to look (approvals, the list of a kind). `why` says what doing it shows, when that is not plain."""

    action: str
    ref: str | None = None
    trigger: str | None = None
    kind: str | None = None  # the record kind a listing lists
    why: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}
