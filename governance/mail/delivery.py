"""Handing a batch of letters to a backend: build each, deliver it, say what became of each. No database here.

The caller (the service's sending room) is told just before each letter's final step (`handing_over`) and as soon as
the backend accepts it (`accepted`): that is where it records, each in its own small transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.errors import MessageError
from typing import Any, Callable, Iterable

from governance.mail.backends import Backend, BackendDown, DeliveryError, LetterRefused
from governance.mail.message import build


@dataclass(frozen=True)
class Problem:
    """Why a letter did not go: the error, and whether it never will (final) or the backend is down (outage)."""

    error: str
    final: bool = False
    outage: bool = False


def deliver_batch(backend: Backend, rows: Iterable[Any], sender: str, short_name: str, now: Callable[[], datetime],
                  stop_at: datetime, handing_over: Callable[[int], None], accepted: Callable[[int], None]) -> dict[int, Problem]:
    """Hand each letter over on one connection, until the backend goes down or `stop_at` passes; returns the problems.

    A letter that cannot be built, or that the backend refuses for good, is a final problem of its own and the others
    go on. When the backend goes down, that letter and every one not yet handed over get an outage problem; letters
    left when `stop_at` passed get none (they stay as they are). While the server works on one letter, the next is
    built and made ready (Backend.prepare): nothing of it is sent before its turn.
    """
    problems: dict[int, Problem] = {}
    pending = list(rows)
    ahead: dict[int, tuple[Any, Problem | None]] = {}  # the next letter, made ready while the one before was answered

    def ready(row: Any) -> tuple[Any, Problem | None]:
        try:
            letter = build(row, sender, short_name)
        except (ValueError, MessageError) as exc:  # Unbuildable, or a value the email package cannot encode
            return None, Problem(f"the letter cannot be built: {exc}", final=True)
        return backend.prepare(letter), None

    def make_ready(row: Any) -> None:
        try:
            ahead[row.id] = ready(row)
        except Exception:  # noqa: BLE001 - made ready again at its turn, where whatever this was is met and said
            ahead.pop(row.id, None)

    try:
        with backend:
            while pending:
                if now() >= stop_at:
                    break
                row = pending[0]
                letter, problem = ahead.pop(row.id, None) or ready(row)
                if problem is not None:
                    problems[row.id] = problem
                    pending.pop(0)
                    continue
                following = pending[1] if len(pending) > 1 else None
                try:
                    backend.deliver(letter, lambda outbox_id=row.id: handing_over(outbox_id),
                                    meanwhile=(lambda following=following: make_ready(following)) if following is not None else None)
                except BackendDown:
                    raise
                except LetterRefused as exc:
                    problems[row.id] = Problem(str(exc), final=True)
                except DeliveryError as exc:
                    problems[row.id] = Problem(str(exc))
                else:
                    accepted(row.id)
                pending.pop(0)
    except BackendDown as exc:
        for row in pending:
            problems[row.id] = Problem(str(exc), outage=True)
    return problems
