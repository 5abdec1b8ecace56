"""A digest letter's pieces: which reminders one letter can carry, and each reminder's core without its frame."""

from __future__ import annotations

from typing import Any

DIGESTIBLE = ("comment_reminder", "action_reminder")


def one_attachment(rows: list[Any]) -> list[Any]:
    """The rows a digest can carry: a letter has room for one attached draft, so a second one goes on its own."""
    kept, attached = [], False
    for row in rows:
        if row.attachment:
            if attached:
                continue
            attached = True
        kept.append(row)
    return kept


def topic(subject: str, short_name: str, ref: str | None) -> str:
    """A merged letter's subject without the prefix every subject carries: the digest names the reference itself."""
    for prefix in (f"[{short_name}] {ref}: " if ref else None, f"[{short_name}] "):
        if prefix and subject.startswith(prefix):
            return subject[len(prefix):]
    return subject


def core(text: str, greeting: str, closing: str) -> str:
    """A letter without its greeting and its sign-off (as its template writes them): what the digest lists."""
    core = text.strip()
    if greeting and core.startswith(greeting):
        core = core[len(greeting):].strip()
    if closing and core.endswith(closing):
        core = core[: -len(closing)].strip()
    return core
