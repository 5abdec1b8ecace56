"""Tick's writes of its batch's records: each moved record written once, against the version it was read at, in one
statement for the batch; a record someone else moved meanwhile undoes the batch; the batch that finds no row due past
its own records the tick; and the collector of cycles is left as the tick found it."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from tests.test_tick_batches import SEC, _actions_due_at_once, _statements


def _instance(network: Any, now: str) -> Any:
    from governance.service.context import open_instance

    return open_instance(network.config, now)


def _actions_of_one_owner(network: Any, count: int, due: str) -> None:
    from governance.clock import parse_moment
    from governance.service import changes
    from governance.service.transaction import change

    instance = _instance(network, "2021-03-02T09:00")
    try:
        change(instance, SEC, lambda op: [changes.add_action(op, f"Follow-up {i + 1}", "SEN", parse_moment(due, op.rules.zone), None)
                                          for i in range(count)])
    finally:
        instance.db.dispose()


def test_a_batch_writes_its_moved_records_in_one_statement_each_one_version_on(network):
    _actions_of_one_owner(network, 12, "2021-04-20T09:00")
    network.ok("tick", now="2021-04-19T09:00")  # the reminders out of the way
    before = dict(network.sql("SELECT id, version FROM actions"))
    with _statements() as sent:
        report = network.j("tick", now="2021-04-21T09:00")
    assert sorted(f["ref"] for f in report["fired"] if f["name"] == "due" and f["status"] == "fired") == sorted(f"A-{i}" for i in before)
    after = dict(network.sql("SELECT id, version FROM actions"))
    assert after == {key: version + 1 for key, version in before.items()}
    assert {state for (state,) in network.sql("SELECT state FROM actions")} == {"overdue"}
    # Before the session's first query for the owner's people the first record is written (the query must see it);
    # the other eleven in one statement, at the batch's end.
    assert sum(1 for statement in sent if statement.lstrip().upper().startswith("UPDATE ACTIONS")) <= 2, sent
    assert network.j("audit", "verify")["ok"] is True


def test_a_record_moved_by_someone_else_meanwhile_writes_nothing_of_the_batch(network):
    from sqlalchemy import update

    from governance.errors import Conflict
    from governance.service import lookup, tick
    from governance.service.actors import SYSTEM
    from governance.service.transaction import change
    from governance.store.models import Action

    _actions_due_at_once(network, 3, "2021-04-20T09:00")
    before = network.sql("SELECT id, state, version FROM actions ORDER BY id")
    instance = _instance(network, "2021-04-21T09:00")

    def work(op: Any) -> None:
        records = [lookup.record(op.session, f"A-{i}") for i, _, _ in before]
        for record in records:
            record.state = "overdue"
        # Someone else's change to A-2, as the batch was firing: its version moved on.
        op.session.connection().execute(update(Action.__table__).where(Action.__table__.c.id == records[1].id)
                                         .values(version=Action.__table__.c.version + 1))
        tick._write_records(op, records)

    try:
        with pytest.raises(Conflict):
            change(instance, SYSTEM, work)
    finally:
        instance.db.dispose()
    assert network.sql("SELECT id, state, version FROM actions ORDER BY id") == before


def test_a_tick_of_whole_batches_records_itself_with_its_last_batch(network):
    from governance.clock import parse_moment
    from governance.service import tick

    _actions_due_at_once(network, 10, "2021-04-20T09:00")
    network.ok("tick", now="2021-04-19T09:00")
    network.config.write_text(network.config.read_text(encoding="utf-8") + "\n[scheduler]\ntick_batch = 5\n", encoding="utf-8")
    instance = _instance(network, "2021-04-21T09:00")
    try:
        with _statements() as sent:
            report = tick.tick(instance, parse_moment("2021-04-21T09:00", instance.rules.zone))
    finally:
        instance.db.dispose()
    assert report.counts == {"fired": 10}, report.fired
    claims = [s for s in sent if s.lstrip().startswith("SELECT deadlines.id, deadlines.ref")]
    marks = [s for s in sent if s.lstrip().startswith("UPDATE engine_state")]
    assert len(claims) == 2 and len(marks) == 1, "two batches of five, the second recording the tick: no third transaction"
    assert not network.j("tick", now="2021-04-21T09:00")["fired"]


def test_the_collector_is_left_as_the_tick_found_it(network):
    from governance.clock import parse_moment
    from governance.service import tick

    _actions_due_at_once(network, 2, "2021-04-20T09:00")
    instance = _instance(network, "2021-04-21T09:00")
    try:
        assert gc.isenabled() and gc.get_freeze_count() == 0
        tick.tick(instance, parse_moment("2021-04-19T09:00", instance.rules.zone))
        assert gc.isenabled() and gc.get_freeze_count() == 0
        held = [["held by the caller"]]
        gc.freeze()  # a caller that froze what it holds keeps it frozen
        try:
            tick.tick(instance, parse_moment("2021-04-21T09:00", instance.rules.zone))
            assert gc.get_freeze_count() and not any(found is held for found in gc.get_objects())
        finally:
            gc.unfreeze()
        assert any(found is held for found in gc.get_objects())
    finally:
        instance.db.dispose()
    assert network.sql("SELECT count(*) FROM actions WHERE state = 'overdue'") == [(2,)]
