"""Signed links: minted per recipient when a letter asking for an action is queued, used once through the service path."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import insert, select

from governance.clock import shown
from governance.errors import GovError
from governance.service.context import Channel, Instance, Operation
from governance.store.models import AuditEntry, Link, Person, WorkflowRecord

# The actions a letter offers, by template: one link per action (CLI.md, "The web application").
LETTER_ACTIONS: dict[str, tuple[str, ...]] = {
    "approval_requested": ("approve", "reject"),
    "document_circulated": ("comment",),
    "comment_reminder": ("comment",),
    "action_reminder": ("complete",),
    "written_silence": ("object",),
    "written_vote": ("vote",),
    "written_reminder": ("vote",),
}
SIGN_IN = "sign-in"
SIGN_IN_MINUTES = 15
ACTIONS = frozenset(a for actions in LETTER_ACTIONS.values() for a in actions)
_SALT = "governance-link"


class LinkRefused(GovError):
    """A link that cannot act: unknown or tampered with, used, expired, for someone else, or its record moved on.

    `status` is the HTTP answer; nothing was written.
    """

    exit_code = 4
    code = "link_refused"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def signer(key: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=_SALT)


def enabled(instance: Instance) -> bool:
    """Letters carry links only when the instance has a signing key in its environment."""
    return instance.settings.web.secret_key() is not None


def url(instance: Instance, token: str, action: str) -> str:
    path = "/sign-in/" + token if action == SIGN_IN else f"/l/{token}/{action}"
    return instance.settings.web.base_url + path


def mint(op: Operation, person: Any, action: str, ref: str | None, expires: datetime) -> tuple[str, dict[str, Any]]:
    """A new link for `person`: its signed token, and the row to write when the transaction ends (outbox.write)."""
    key = op.instance.settings.web.secret_key()
    assert key is not None, "mint is called only when links are enabled"
    nonce = secrets.token_urlsafe(18)
    row = {"nonce": nonce, "action": action, "person_id": person.id, "ref": ref, "record_version": None,
           "expires_at": expires, "created_at": op.now, "used_at": None}
    return signer(key).dumps(nonce), row


def for_letter(op: Operation, person: Any, template: str, context: dict[str, Any], ref: str | None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The links a letter offers its recipient ({"approve": URL, ..., "expires": moment}) and their rows; (None, []) when
    the letter offers none or the instance has no key."""
    actions = LETTER_ACTIONS.get(template)
    if not actions or ref is None or not enabled(op.instance):
        return None, []
    from governance.mail.render import Laid  # a URL is set on a line of its own, as it stands: no isolates in it

    expires = _expiry(op, template, context)
    links: dict[str, Any] = {"expires": expires}
    rows = []
    for action in actions:
        token, row = mint(op, person, action, ref, expires)
        links[action] = Laid(url(op.instance, token, action))
        rows.append(row)
    return links, rows


def _expiry(op: Operation, template: str, context: dict[str, Any]) -> datetime:
    """A link works for the configured time, or until the deadline it serves if that comes first."""
    limit = op.now + timedelta(days=op.instance.settings.web.link_days)
    served = None
    if template in ("document_circulated", "comment_reminder"):
        served = (context.get("deadlines") or {}).get("comment_deadline") or (context.get("deadline") or {}).get("limit")
    elif template == "action_reminder":
        served = (context.get("record") or {}).get("due")
    elif template.startswith("written_"):  # a written procedure's: until its deadline
        served = (context.get("record") or {}).get("until")
    return min(limit, served) if isinstance(served, datetime) and served > op.now else limit


def write(session: Any, rows: list[dict[str, Any]]) -> None:
    """The links of the letters queued, bound to each record's version as this transaction leaves it (after its flush)."""
    if not rows:
        return
    from governance.service import lookup

    versions: dict[str, int] = {}
    for row in rows:
        ref = row["ref"]
        if ref is not None and ref not in versions:
            versions[ref] = lookup.record(session, ref).version
        row["record_version"] = versions.get(ref) if ref else None
    session.execute(insert(Link), rows)


# -- reading and using a link ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    """A link that may act now: its row, its recipient, and the record it is about (None for a sign-in link)."""

    link: Link
    person: Person
    record: WorkflowRecord


def nonce_of(instance: Instance, token: str) -> str:
    key = instance.settings.web.secret_key()
    if key is None:
        raise LinkRefused("This server has no signing key, so it cannot check links; tell the secretariat.", 503)
    try:
        value = signer(key).loads(token)
    except BadSignature:
        value = None
    if not isinstance(value, str):
        raise LinkRefused("This link is not one the secretariat sent, or it was changed on the way; open it from the letter again.", 404)
    return value


def check(op: Operation, token: str, action: str, lock: bool = False) -> Found:
    """The link behind `token`, if it may do `action` now; else LinkRefused saying why in one sentence."""
    nonce = nonce_of(op.instance, token)
    query = select(Link).where(Link.nonce == nonce)
    if lock:
        query = query.with_for_update()
    link = op.session.scalar(query)
    if link is None or link.action != action:
        raise LinkRefused("This link is not one the secretariat sent, or it was changed on the way; open it from the letter again.", 404)
    zone = op.rules.zone
    if link.used_at is not None:
        raise LinkRefused(f"This link was already used, on {shown(link.used_at, zone)}; each link works once.", 410)
    if op.now >= link.expires_at:
        raise LinkRefused(f"This link expired on {shown(link.expires_at, zone)}; nothing was done.", 410)
    person = op.session.get(Person, link.person_id)
    if person is None or person.removed_at is not None:
        raise LinkRefused("The person this link was sent to can no longer act for the network; nothing was done.", 403)
    record = None
    if link.ref:
        from governance.service import lookup

        record = lookup.record(op.session, link.ref)
        if record.version != link.record_version:
            raise LinkRefused(moved_on(op, link, record), 409)
    return Found(link, person, record)


def moved_on(op: Operation, link: Link, record: WorkflowRecord) -> str:
    """What happened to the record since the link was sent, in one sentence."""
    last = op.session.scalar(select(AuditEntry).where(AuditEntry.ref == record.ref, AuditEntry.at >= link.created_at)
                             .order_by(AuditEntry.seq.desc()).limit(1))
    state = getattr(record, "state", "changed").replace("_", " ")
    if last is None:
        return f"{record.ref} changed after this link was sent (it is now {state}); nothing was done."
    who = op.session.scalar(select(Person.name).where(Person.handle == last.actor)) or last.actor
    if last.detail and '"approved_by"' in last.detail:
        what = "already approved"
    elif last.trigger.startswith("reject:"):
        what = f"refused ({last.trigger[7:]})"
    else:
        what = f"moved on ({last.trigger.replace('request:', 'request to ').replace('_', ' ')})"
    return f"{record.ref} was {what} by {who} on {shown(last.at, op.rules.zone)}; it is now {state}, so this link no longer applies."


def use(instance: Instance, token: str, action: str, act: Callable[[Operation, Found], Any]) -> tuple[Any, Operation]:
    """Act through the link as its recipient, once: the link is consumed in the same transaction as the change.

    `act` calls the service function the CLI calls; if it refuses, the transaction rolls back and the link stays unused.
    """
    from governance.service.transaction import change, reading

    with reading(instance) as op:
        found = check(op, token, action)
        handle, link_id = found.person.handle, found.link.id

    def work(op: Operation) -> Any:
        found = check(op, token, action, lock=True)
        found.link.used_at = op.now
        return act(op, found)

    return change(instance, handle, work, channel=Channel("link", f"link {link_id}"))


# -- signing in by e-mail ------------------------------------------------------------------------------------------

def request_sign_in(instance: Instance, email: str) -> bool:
    """Mail a sign-in link to the person holding `email` (not removed); False, and nothing written, when no one does.

    The caller answers the same either way, so the answer tells no one which addresses are known.
    """
    from sqlalchemy import func

    from governance.service import outbox
    from governance.service.actors import SYSTEM
    from governance.service.transaction import change
    from governance.textcheck import is_email

    address = (email or "").strip()
    if not is_email(address) or len(address) > 320:
        return False

    def work(op: Operation) -> bool:
        person = op.session.scalar(select(Person).where(func.lower(Person.email) == address.lower(), Person.removed_at.is_(None)))
        if person is None:
            return False
        from governance.mail.render import Laid

        token, row = mint(op, person, SIGN_IN, None, op.now + timedelta(minutes=SIGN_IN_MINUTES))
        body = {"name": op.rules.body["name"], "short_name": op.rules.short_name}
        outbox.queue(op, [person], "account/sign_in", {"body": body, "link": Laid(url(instance, token, SIGN_IN)),
                                                       "minutes": SIGN_IN_MINUTES}, None)
        op.mail[-1]["_links"] = [row]
        return True

    if not enabled(instance):
        return False
    found, _ = change(instance, SYSTEM, work)
    return bool(found)


def sign_in(instance: Instance, token: str) -> tuple[str, int]:
    """Use a sign-in link, once: the handle of the person it was sent to, and the link's id (the session is named by it)."""
    from governance.service.transaction import change
    from governance.service.actors import SYSTEM

    def work(op: Operation) -> tuple[str, int]:
        found = check(op, token, SIGN_IN, lock=True)
        found.link.used_at = op.now
        return found.person.handle, found.link.id

    result, _ = change(instance, SYSTEM, work, channel=Channel("web"))
    return result


def peek(instance: Instance, token: str, action: str) -> Found:
    """The link behind `token`, read only (what a GET shows); LinkRefused when it cannot act."""
    from governance.service.transaction import reading

    with reading(instance) as op:
        return check(op, token, action)
