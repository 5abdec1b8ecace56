"""Finding records, people and organisations by what users type: references, handles, codes."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from governance.errors import BadInput
from governance.store.models import PREFIXES, Organisation, Person

# Handles and organisation codes: what `person add` and `org add` accept, so anything else cannot name one.
# `\Z`, not `$`: `$` also matches before a final newline, and callers that still use `.match` stay whole.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
_REF = re.compile(r"\s*([A-Za-z])-([0-9]{1,12})\s*")
_NAMES = {"M": "meeting", "D": "document", "T": "term", "A": "action", "C": "comment"}


def parse_ref(text: str) -> tuple[type, int]:
    match = _REF.fullmatch(text or "")
    if not match or match.group(1).upper() not in PREFIXES:
        raise BadInput(f"{text!r} is not a reference (M-1 meeting, D-1 document, C-1 comment, A-1 action, T-1 term)")
    return PREFIXES[match.group(1).upper()], int(match.group(2))


def record(session: Session, ref: str, kinds: tuple[str, ...] | None = None, lock: bool = False) -> Any:
    model, number = parse_ref(ref)
    prefix = ref.strip()[0].upper()
    if kinds and _NAMES[prefix] not in kinds:
        raise BadInput(f"{ref} is a {_NAMES[prefix]}; this needs a {' or '.join(kinds)}")
    found = session.get(model, number, with_for_update=lock or None)
    if found is None:
        listing = {"M": "gov meeting list", "D": "gov doc list", "T": "gov term list", "A": "gov action list"}.get(prefix)
        raise BadInput(f"there is no {_NAMES[prefix]} {prefix}-{number}", hint=listing)
    return found


def organisation(session: Session, code: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.code == code)) if CODE.fullmatch(code or "") else None
    if found is None:
        raise BadInput(f"there is no organisation with the code {code!r} (see `gov org add`)")
    return found


def person(session: Session, handle: str) -> Person:
    found = session.scalar(select(Person).where(Person.handle == handle)) if CODE.fullmatch(handle or "") else None
    if found is None:
        raise BadInput(f"no person has the handle {handle!r}")
    return found
