"""The kinds of refusal the engine gives, each with its exit code (CLI.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from governance.hints import Hint

NOT_ALL_DELIVERED = 7
"""`gov send`'s exit code when some letters due were not delivered this run: they wait for a retry, or failed for good.

Not a refusal (the run did its work, and its output says what went and what did not), but cron and scripts must
see it: exit 0 means every letter due went, or none was due.
"""


class GovError(Exception):
    """A refusal the user can act on: one sentence, an exit code, maybe an article."""

    exit_code = 1
    code = "error"

    def __init__(self, message: str, rule: str | None = None, hint: Hint | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.hint = hint

    def sentence(self) -> str:
        text = self.message.rstrip(".")
        if self.rule and self.rule not in text:
            text += f" ({self.rule})"
        return text + "."


class BadInput(GovError):
    """Usage, malformed file, unknown reference, invalid value."""

    exit_code = 2
    code = "bad_input"


class NotPermitted(GovError):
    """The actor's roles do not allow this."""

    exit_code = 3
    code = "not_permitted"


class NotAllowedNow(GovError):
    """The record's state or a rule of procedure forbids it now."""

    exit_code = 4
    code = "not_allowed_now"


class Conflict(GovError):
    """The record changed under the caller; nothing was written."""

    exit_code = 5
    code = "conflict"


class IntegrityFailure(GovError):
    """The audit trail's hash chain is broken."""

    exit_code = 6
    code = "integrity_failure"


class DefinitionErrors(BadInput):
    """One or more problems in rules or workflow files, each `PATH:LINE: message`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        first = problems[0] if problems else "invalid definition"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)

    def sentence(self) -> str:
        return "\n".join(self.problems)
