"""Tick's batches: rows fired without a savepoint each, what they cancel written once at the batch's end, and few
statements for many rows (a batch that met a broken row is fired again, row by row: see test_tick.py)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from tests.test_tick import _circulated_draft

SEC = "sec"


@contextmanager
def _statements() -> Iterator[list[str]]:
    """Every statement sent to any database of this process within the block (the calls are in process)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _actions_due_at_once(network: Any, count: int, due: str) -> None:
    from governance.clock import parse_moment
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change

    instance = open_instance(network.config, "2021-03-02T09:00")
    owners = ["ISKUR", "BHR", "MAR", "EGY", "IDN", "SEN"]

    def work(op: Any) -> None:
        for i in range(count):
            changes.add_action(op, f"Follow-up {i + 1}", owners[i % len(owners)], parse_moment(due, op.rules.zone), None)

    change(instance, SEC, work)
    instance.db.dispose()


def _add_row(network: Any, **row: Any) -> None:
    """A deadline row written straight into the store, as an older workflow file would have had it written."""
    from sqlalchemy import insert

    from governance.store.db import Database
    from governance.store.models import Deadline

    database = Database(network.url)
    try:
        with database.write() as session:
            session.execute(insert(Deadline), [dict(row, status="pending", created_at=datetime(2021, 4, 1, tzinfo=timezone.utc))])
    finally:
        database.dispose()


def test_a_row_whose_record_an_earlier_row_of_its_batch_moved_on_is_cancelled_not_fired(network):
    """The lapse of A-1 leaves `open`: a row `open` wrote, due later in the same batch, is cancelled as the lapse leaves
    it (the batch knows it before it writes that at its end), not fired, and reported by nobody."""
    network.ok("action", "add", "--title", "Notify focal point", "--owner", "SEN", "--due", "2021-04-20T09:00", actor=SEC, now="2021-04-01T10:00")
    _add_row(network, ref="A-1", name="late_note", kind="escalation", due=datetime(2021, 4, 21, 6, tzinfo=timezone.utc), scope="open",
             audience="secretariat", template="action_escalation")
    report = network.j("tick", now="2021-05-01T09:00")
    fired = [(f["ref"], f["name"], f["status"]) for f in report["fired"] if f["ref"] == "A-1"]
    assert ("A-1", "due", "fired") in fired and not any(name == "late_note" for _, name, _ in fired), fired
    status, outcome = network.sql("SELECT status, outcome FROM deadlines WHERE name = 'late_note'")[0]
    assert (status, outcome) == ("cancelled", "left open")
    assert network.j("show", "A-1")["state"] == "overdue"
    assert not [m for m in network.j("outbox")["messages"] if m["template"] == "action_escalation"]


def test_sixty_rows_due_at_once_fire_in_about_one_statement_each(network):
    """A batch reads its rows and their records once, writes what they come to once: per row there is only its
    record's own update (optimistic: version checked)."""
    _actions_due_at_once(network, 60, "2021-04-20T09:00")
    network.ok("tick", now="2021-04-19T09:00")  # the reminders out of the way
    with _statements() as sent:
        report = network.j("tick", now="2021-04-21T09:00")
    due = [f for f in report["fired"] if f["name"] == "due"]
    assert len(due) == 60 and all(f["status"] == "fired" for f in due)
    assert sum(f["letters"] for f in due) >= 60
    assert len(sent) <= 60 + 30, f"{len(sent)} statements for 60 rows"
    assert network.j("audit", "verify")["ok"] is True


def test_a_circulation_takes_at_most_sixteen_statements(network, tmp_path):
    """The actor with their roles, the document with its texts, the calendars kept: each read once (issue 15). Counted
    as bench/run.py counts them: the service's one transaction, from its BEGIN to its COMMIT."""
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change

    _circulated_draft(network, tmp_path)
    text = tmp_path / "second.txt"
    text.write_text("1. Second.\n\n2. Draft.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Second draft", "--file", str(text), actor=SEC, now="2021-04-02T10:00")
    instance = open_instance(network.config, "2021-04-02T10:00")
    try:
        with _statements() as sent:
            change(instance, SEC, lambda op: changes.advance(op, "D-2", "circulate", None, None, None))
    finally:
        instance.db.dispose()
    assert network.j("show", "D-2")["state"] == "circulated"
    assert len(sent) <= 16, "\n".join(sent)
