"""The secretariat's hand on the outbox: failed letters put back in the queue, as one audited change."""

from __future__ import annotations

from sqlalchemy import select, update

from governance.errors import BadInput
from governance.service import audit
from governance.service.changes import _require  # the one role check every change uses
from governance.service.context import Operation
from governance.store.models import OutboxMessage


def retry(op: Operation, ids: list[int], all_failed: bool) -> list[int]:
    """Put failed letters (those of `ids`, and every one with `all_failed`) back in the queue; returns their ids.

    Each starts afresh, due now: no attempt counted and the retry period not begun, so an outage that ended
    cannot have it given up on at once. Its last error stays until the next try replaces it.
    """
    if not ids and not all_failed:
        raise BadInput("name the letters to put back (their ids, from `gov outbox --status failed`), or pass --failed for all of them")
    _require(op, "secretariat", "put letters back in the queue")
    wanted = sorted(set(ids))
    statuses = dict(op.session.execute(select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(wanted))).all()) if wanted else {}
    unknown = [i for i in wanted if i not in statuses]
    if unknown:
        raise BadInput(f"no letter {_listed(unknown)} in the outbox (`gov outbox` lists them)")
    not_failed = [i for i in wanted if statuses[i] != "failed"]
    if not_failed:
        raise BadInput(f"letter {_listed(not_failed)} is not failed ({', '.join(sorted({statuses[i] for i in not_failed}))}): "
                       "only failed letters go back in the queue")
    chosen = set(wanted)
    if all_failed:
        chosen |= set(op.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "failed")))
    requeued = sorted(chosen)
    if requeued:
        op.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(requeued), OutboxMessage.status == "failed")
                           .values(status="pending", next_attempt_at=op.now, attempts=0, first_attempt_at=None, handovers=0)
                           .execution_options(synchronize_session=False))
        op.audit.append(audit.entry(op.now, op.actor.handle, None, "outbox retry", detail={"ids": requeued}))
    return requeued


def _listed(ids: list[int]) -> str:
    return ", ".join(str(i) for i in ids)
