"""Statements a change sends: a circulation's count, and the chain's head moved without being read on SQLite while it
is still the one this process left, read as ever when someone else moved it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from tests.test_tick import _circulated_draft

SEC = "sec"


@contextmanager
def _statements(instance: Any) -> Iterator[list[str]]:
    """The statements the instance's engine sends within the block, as bench/run.py counts them."""
    from sqlalchemy import event

    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(instance.db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(instance.db.engine, "before_cursor_execute", count)


def _drafts(instance: Any, count: int) -> list[str]:
    from governance.service import changes
    from governance.service.transaction import change

    refs, _ = change(instance, SEC, lambda op: [changes.create_document(op, "rop", f"Draft {i}", "1. Text.\n\n2. More.\n", "d.txt", None).ref
                                                 for i in range(count)])
    return refs


def _circulate(instance: Any, ref: str) -> list[str]:
    from governance.service import changes
    from governance.service.transaction import change

    with _statements(instance) as sent:
        change(instance, SEC, lambda op: changes.advance(op, ref, "circulate", None, None, None))
    return sent


def test_a_circulation_takes_at_most_twelve_statements(network, tmp_path: Path):
    """The actor, their roles and the offices they hold in one query; the decision's wording read with the texts; the
    deadline rows in one insert; the chain's head moved from where this process left it (SQLite), not read first."""
    from governance.service.context import open_instance

    _circulated_draft(network, tmp_path)
    instance = open_instance(network.config, "2021-04-02T10:00")
    try:
        ref = _drafts(instance, 1)[0]
        sent = _circulate(instance, ref)
    finally:
        instance.db.dispose()
    assert network.j("show", ref)["state"] == "circulated"
    assert sum(1 for s in sent if s.lstrip().upper().startswith("INSERT INTO DEADLINES")) == 1, "\n".join(sent)
    assert not any("FROM terms" in s and "people" not in s for s in sent), "\n".join(sent)
    if network.url.startswith("sqlite"):
        assert len(sent) <= 12, "\n".join(sent)
        assert not any(s.lstrip().upper().startswith("SELECT AUDIT_HEAD") for s in sent), "\n".join(sent)
    assert network.j("audit", "verify")["ok"] is True


def test_a_head_moved_by_another_writer_is_read_and_the_chain_stays_whole(network, tmp_path: Path):
    """Another process writes between two changes of this one: the head this process left is not the head any more, so
    the next change reads it and chains after the other's entries; a rolled-back change leaves nothing behind either."""
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change

    _circulated_draft(network, tmp_path)
    instance = open_instance(network.config, "2021-04-02T10:00")
    try:
        first, second, third = _drafts(instance, 3)
        _circulate(instance, first)
        network.as_process().ok("action", "add", "--title", "Elsewhere", "--owner", "BHR", "--due", "2021-09-30", actor=SEC,
                                now="2021-04-02T10:00")
        sent = _circulate(instance, second)
        assert any("audit_head" in s and s.lstrip().upper().startswith("SELECT") for s in sent) or not network.url.startswith("sqlite")
        change(instance, SEC, lambda op: changes.advance(op, third, "circulate", None, None, None), dry_run=True)
        _circulate(instance, third)
    finally:
        instance.db.dispose()
    trail = network.j("audit")["entries"]
    assert [e["seq"] for e in trail] == list(range(1, len(trail) + 1))
    assert [e["ref"] for e in trail[-4:]] == [first, "A-1", second, third]
    assert network.j("audit", "verify")["ok"] is True


def test_a_head_rewound_by_hand_is_chained_from_as_it_stands(network, tmp_path: Path):
    """Someone moves the head in the table itself: the next change chains from the head as stored (what it did before
    the head was kept between changes), and verification says what it always said of such an edit."""
    from governance.service.context import open_instance

    _circulated_draft(network, tmp_path)
    instance = open_instance(network.config, "2021-04-02T10:00")
    try:
        first, second = _drafts(instance, 2)
        _circulate(instance, first)
        top = network.sql("SELECT seq, hash FROM audit_head")[0]
        network.sql("DELETE FROM audit WHERE seq = :seq", seq=top[0])
        before = network.sql("SELECT seq, hash FROM audit WHERE seq = :seq", seq=top[0] - 1)[0]
        network.sql("UPDATE audit_head SET seq = :seq, hash = :hash", seq=before[0], hash=before[1])
        _circulate(instance, second)
    finally:
        instance.db.dispose()
    assert network.sql("SELECT prev_hash FROM audit WHERE seq = :seq", seq=top[0])[0][0] == before[1]
    verdict = network("audit", "verify", json_out=True)
    assert verdict.code == 6 and verdict.json["ok"] is False, repr(verdict)  # the circulation of `first` is gone from the trail
