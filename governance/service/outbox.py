"""Queue letters: rendered in the recipient's language inside the transaction, written with it in bulk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from governance.service.describe import CARRY_DRAFT, Drafts, person_view
from governance.store.models import OutboxMessage, Person

if TYPE_CHECKING:
    from governance.service.context import Operation

# The key of Operation.memo under which the letters of one operation keep the languages and templates they found.
LETTERS = "letters"


def queue(op: Operation, people: list[Person], template: str, context: dict[str, Any], ref: str | None, calendar: Any = None) -> int:
    """Render `template` for each person and add it to the operation's outbox rows."""
    from governance.service import links as signed

    renderer = op.instance.renderer
    drafts = context.get("record", {}).get("draft") if template in CARRY_DRAFT else None
    name, attachment = (None, None) if isinstance(drafts, Drafts) else _attachment(template, context)
    if isinstance(drafts, Drafts):  # the draft in the reader's language, when a language version renders it
        def shared(lang: str) -> dict[str, Any]:
            return dict(context, record=dict(context["record"], draft=drafts.in_language(lang)))

        letters = renderer.letters(template, shared, ref, op.memo.setdefault(LETTERS, {}))
    else:
        letters = renderer.letters(template, context, ref, op.memo.setdefault(LETTERS, {}))
    # A letter asking its recipient to act carries one signed link per action, made for that recipient alone.
    offers = [signed.for_letter(op, person, template, context, ref) for person in people]
    written = letters.render_many([(person.lang, {"person": person_view(person), "links": offered})
                                   for person, (offered, _) in zip(people, offers)])
    for person, (_, link_rows), letter in zip(people, offers, written):
        if isinstance(drafts, Drafts):
            name, attachment = _attachment(template, shared(letter.lang))
        op.mail.append(
            {
                "ref": ref,
                "person_id": person.id,
                "recipient": person.email,
                "recipient_name": person.name,
                "lang": letter.lang,
                "template": template,
                "subject": letter.subject,
                "body_text": letter.text,
                "body_html": letter.html,
                "ics": calendar(letter.lang, person) if calendar else None,
                "attachment_name": name,
                "attachment": attachment,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": op.now,
                "created_at": op.now,
                "_links": link_rows,
            }
        )
    return len(people)


def _attachment(template: str, context: dict[str, Any]) -> tuple[str | None, str | None]:
    """The draft as a text file, for the letters that carry one when it is too long to stand in the letter itself.

    The letter's wording reads the same `draft` view, so a letter says "attached" exactly when a file goes with it.
    """
    if template not in CARRY_DRAFT:
        return None, None
    draft = context.get("record", {}).get("draft")
    if not draft or not draft["attached"]:
        return None, None
    return draft["filename"], draft["text"] + "\n"


def write(session: Any, rows: list[dict[str, Any]]) -> None:
    """The letters, and the links they carry (written after the letters' records were flushed: see links.write)."""
    if rows:
        from governance.service import links

        link_rows = [link for row in rows for link in row.pop("_links", None) or ()]
        # Core, not the ORM's bulk insert: every row has the same keys (queue writes them all), so one executemany
        # takes them without the ORM sorting each row by the columns it leaves empty.
        session.connection().execute(insert(OutboxMessage.__table__), rows)
        links.write(session, link_rows)
