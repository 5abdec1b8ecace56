"""Opening the one transaction of a change: actor, clock read once, bulk writes at the end, errors mapped."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from governance.errors import Conflict
from governance.service import audit, outbox
from governance.service.actors import NOBODY, SYSTEM, Actor, resolve_actor
from governance.service.context import ENGINE, Channel, Instance, Operation, operator_channel
from governance.store.models import Deadline

T = TypeVar("T")


class _Rollback(Exception):
    """Raised to end a dry run: everything it did is undone."""


def change(instance: Instance, actor: str | Actor | None, work: Callable[[Operation], T], dry_run: bool = False,
           channel: Channel | None = None) -> tuple[T, Operation]:
    """Run `work` as one transaction: all of it commits, or none of it does.

    `channel` says how the change came (the engine's own when the actor is the system, else an operator here).
    """
    holder: dict[str, Any] = {}
    if not dry_run:
        instance.require_real_time()
    try:
        with instance.db.write() as session:
            who = actor if isinstance(actor, Actor) else (resolve_actor(session, actor, instance.rules) if actor else NOBODY)
            via = channel or (ENGINE if who is SYSTEM else operator_channel())
            op = Operation(instance, session, who, instance.clock.now(), dry_run=dry_run, channel=via)
            holder["result"] = work(op)
            holder["op"] = op
            finish(op)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except StaleDataError:
        raise Conflict("the record was changed by someone else, nothing written (two changes met at the same moment: look again and retry)") from None
    except OperationalError as exc:
        if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
            raise Conflict("the database was busy with someone else's change; nothing was written, try again") from None
        raise
    except IntegrityError:
        raise Conflict("someone else made the same change at the same moment; nothing was written") from None
    if holder["op"].memo.get(audit.QUEUED):
        # Another writer held the chain's head: the change is committed, its entries wait in the queue. Link them
        # in now (whoever holds the head next may already have), so a change returns with its entries chained.
        with instance.db.write() as session:
            audit.seal(session)
    return holder["result"], holder["op"]


def finish(op: Operation) -> None:
    """Write what the operation gathered, each kind in one statement."""
    op.session.flush()
    if op.deadlines:
        _insert_rows(op, Deadline, op.deadlines)
    written = audit.write(op.session, op.audit, op.instance.wall.now(), op.channel.name, op.channel.via)
    op.memo[audit.QUEUED] = written.queued
    if op.mail:
        witness = written.head
        if witness is None:  # letters without entries of their own (rare): the head as it stands
            top = audit.head(op.session)
            witness = f"{top[0]}:{top[1]}" if top else None
        for letter in op.mail:
            letter["audit_head"] = witness  # each recipient holds the chain's head: a witness the database cannot rewrite
    outbox.write(op.session, op.mail)


def _insert_rows(op: Operation, model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows of one shape in one statement, through the table itself: the ORM's bulk insert would split them by which
    values are None (one INSERT per pattern). Rows of several shapes go through the ORM, which fills its defaults."""
    keys = rows[0].keys()
    if all(row.keys() == keys for row in rows):
        op.session.execute(insert(model.__table__), rows)
    else:
        op.session.execute(insert(model), rows)


@contextmanager
def reading(instance: Instance, actor: str | None = None, need_actor: bool = False) -> Iterator[Operation]:
    """A read-only view with the same shape as an operation (guards can be evaluated for `show`)."""
    with instance.db.read() as session:
        who = resolve_actor(session, actor, instance.rules) if (actor or need_actor) else NOBODY
        yield Operation(instance, session, who, instance.clock.now())
