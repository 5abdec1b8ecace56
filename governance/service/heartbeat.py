"""The scheduler's heartbeat: a row per running `gov scheduler`, so `gov status` can say whether one is alive."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from governance.store.models import Counter
    from governance.store.plain import Reader

# SQLAlchemy and the models are imported by the functions that use them: `gov show` asks `stale_due` of plain rows.

# engine_state rows named "scheduler:<host>:<pid>", one per scheduler process; `at` is its last beat. ';' is the
# character after ':', so the rows are one range of the primary key: no scan of the table to find them.
PREFIX = "scheduler:"
_PAST_PREFIX = "scheduler;"
EVERY_SECONDS = 10  # how often a scheduler beats
KEEP = timedelta(days=1)  # rows of schedulers silent this long are dropped when another one starts
OVERDUE_COUNT_CAP = 10_000  # `show` and `deadlines` warn with a count; past this many, "at least" is enough


def row_name(host: str, pid: int) -> str:
    """The row of one scheduler process (the name fits the column whatever the host's name)."""
    return f"{PREFIX}{host[:40]}:{pid}"


def beat(session: Any, name: str, now: datetime, info: dict[str, Any]) -> None:
    """Write (or refresh) one scheduler's row: the caller's own small transaction, nothing else in it."""
    from governance.store.models import Counter

    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    value = json.dumps(info, sort_keys=True)
    statement = upsert(Counter).values(name=name, value=value, at=now)
    session.execute(statement.on_conflict_do_update(index_elements=[Counter.name], set_={"value": value, "at": now}))


def prune(session: Any, keep: str, now: datetime) -> int:
    """Drop the rows of schedulers silent for a day (restarts leave one row each); `keep` is the caller's own."""
    from sqlalchemy import delete

    from governance.store.models import Counter

    done = session.execute(delete(Counter).where(Counter.name >= PREFIX, Counter.name < _PAST_PREFIX, Counter.name != keep,
                                                 (Counter.at.is_(None)) | (Counter.at < now - KEEP))
                           .execution_options(synchronize_session=False))
    return done.rowcount or 0


def _info(row: Counter) -> dict[str, Any]:
    try:
        info = json.loads(row.value or "{}")
    except ValueError:
        info = {}
    return info if isinstance(info, dict) else {}


def _limit(info: dict[str, Any]) -> float:
    """Silent longer than this, a scheduler is taken for dead: three missed beats (and never under half a minute)."""
    every = info.get("every")
    every = every if isinstance(every, (int, float)) and every > 0 else EVERY_SECONDS
    return max(3 * float(every), 30.0)


def scheduler_state(session: Any, now: datetime) -> dict[str, Any]:
    """Alive, dead, stopped or never started, from the newest heartbeat (an alive one first when several ran).

    `state` is "alive", "dead" (silent past three beats: killed, or its host is down), "stopped" (it said so when
    it stopped), "ahead" (its last beat is after `now`: looking at another moment, nothing can be said), or "never".
    """
    from sqlalchemy import select

    from governance.store.models import Counter

    rows = [r for r in session.scalars(select(Counter).where(Counter.name >= PREFIX, Counter.name < _PAST_PREFIX)) if r.at]
    views = []
    for row in rows:
        info = _info(row)
        since = (now - row.at).total_seconds()
        limit = _limit(info)
        if info.get("stopped"):
            state = "stopped"
        elif since < -limit:
            state = "ahead"
        elif since <= limit:
            state = "alive"
        else:
            state = "dead"
        views.append((state == "alive", row.at, state, since, info))
    if not views:
        return {"alive": False, "heartbeat": None, "seconds_since": None, "state": "never", "host": None, "pid": None,
                "alive_count": 0}
    alive, at, state, since, info = max(views, key=lambda v: (v[0], v[1]))
    return {"alive": alive, "heartbeat": at, "seconds_since": round(since), "state": state, "host": info.get("host"),
            "pid": info.get("pid"), "alive_count": sum(1 for v in views if v[0])}


def overdue(session: Any, now: datetime) -> tuple[int, datetime | None]:
    """Rows due and not fired: how many (counted up to OVERDUE_COUNT_CAP) and the oldest; both from the pending-due index."""
    from sqlalchemy import func, select

    from governance.store.models import Deadline

    oldest = session.scalar(select(func.min(Deadline.due)).where(Deadline.status == "pending", Deadline.due <= now))
    if oldest is None:
        return 0, None
    capped = select(Deadline.id).where(Deadline.status == "pending", Deadline.due <= now).limit(OVERDUE_COUNT_CAP).subquery()
    return session.scalar(select(func.count()).select_from(capped)) or 0, oldest



def stale_due(reader: Reader, now: datetime, minutes: int) -> bool:
    """Whether a pending row has been due for more than `minutes` (whatever should fire it is not doing it): the
    oldest such row from the pending-due index, read as plain rows. Only then does a reader need the whole picture."""
    oldest = reader.moment(reader.value("SELECT min(due) FROM deadlines WHERE status = 'pending' AND due <= ?", (reader.at(now),)))
    return oldest is not None and (now - oldest) > timedelta(minutes=minutes)
