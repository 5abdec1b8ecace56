"""Finding records, people and organisations by what users type: references, handles, codes."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from governance.hints import Hint

from governance.errors import BadInput
from governance.store.models import Organisation, Person
from governance.workflows import records

# Handles and organisation codes: what `person add` and `org add` accept, so anything else cannot name one.
# `\Z`, not `$`: `$` also matches before a final newline, and callers that still use `.match` stay whole.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
_REF = re.compile(r"\s*([A-Za-z])-([0-9]{1,12})\s*")


def parse_ref(text: str) -> tuple[records.RecordType, int]:
    match = _REF.fullmatch(text or "")
    found = records.by_prefix(match.group(1).upper()) if match else None
    if match is None or found is None:
        kinds = ", ".join(f"{t.prefix}-1 {t.called}" for t in records.types().values())
        raise BadInput(f"{text!r} is not a reference ({kinds})")
    return found, int(match.group(2))


def record(session: Session, ref: str, kinds: tuple[str, ...] | None = None, lock: bool = False) -> Any:
    """The record a reference names; with `kinds`, it must be one of those."""
    record_type, number = parse_ref(ref)
    if kinds and record_type.kind not in kinds:
        raise BadInput(f"{ref} is a {record_type.called}; this needs a {' or '.join(records.record_type(k).called for k in kinds)}")
    found = session.get(record_type.model_class(), number, with_for_update=lock or None)
    if found is None:
        raise BadInput(f"there is no {record_type.called} {record_type.prefix}-{number}", hint=Hint("list", kind=record_type.kind) if record_type.listed else None)
    return found


def workflow_record(session: Session, ref: str, lock: bool = False) -> Any:
    """A record driven by a workflow (what `advance`, `approve` and `reject` act on)."""
    return record(session, ref, records.workflow_kinds(), lock)


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
