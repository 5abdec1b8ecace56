"""The audit chain under concurrent writers: entries queued while another writer holds the head, sealed in order."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

LATER = "2021-03-02T10:00"


def _draft(network: Any, title: str) -> str:
    text = network.folder / f"{title}.txt"
    text.write_text("1. The network meets once a year.\n", encoding="utf-8")
    return network.j("doc", "create", "--type", "report", "--title", title, "--file", str(text), actor="sec", now=LATER)["ref"]


def _queued(network: Any) -> int:
    return network.sql("SELECT count(*) FROM audit_queue")[0][0]


def _chain(network: Any) -> list[tuple[int, str | None, str]]:
    return [tuple(row) for row in network.sql("SELECT seq, ref, trigger FROM audit ORDER BY seq")]


class _HeadHeld:
    """Another writer in the middle of its transaction, holding the chain's head (as a long batch would)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(url, poolclass=NullPool)
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()
        self.conn.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))

    def release(self) -> None:
        self.transaction.rollback()
        self.conn.close()
        self.engine.dispose()


def _change_in_thread(network: Any, actor: str, work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    from governance.service.context import open_instance
    from governance.service.transaction import change

    out: dict[str, Any] = {}

    def run() -> None:
        instance = open_instance(network.config, LATER)
        try:
            out["value"], out["op"] = change(instance, actor, work)
        except Exception as exc:  # noqa: BLE001 - said to the test, which fails on it
            out["error"] = exc
        finally:
            instance.db.dispose()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _circulate(ref: str) -> Any:
    from governance.service.changes import advance

    def work(op: Any) -> Any:
        return advance(op, ref, "circulate", None, None, None)

    return work


def _wait_for(condition: Any, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the condition never came true"
        time.sleep(0.02)


def test_on_sqlite_every_change_seals_its_own_entries_and_nothing_is_ever_queued(network: Any) -> None:
    if not network.on_sqlite:
        pytest.skip("SQLite's writers take turns; PostgreSQL's are tested below")
    ref = _draft(network, "Report")
    network.ok("advance", ref, "circulate", actor="sec", now=LATER)
    assert _queued(network) == 0
    assert network.j("audit", "verify", now=LATER)["ok"] is True


def test_a_writer_does_not_wait_for_the_head_its_entries_are_queued_then_sealed_once_the_head_is_free(network: Any) -> None:
    if network.on_sqlite:
        pytest.skip("PostgreSQL only: SQLite's writers take turns for the whole database")
    ref = _draft(network, "Report")
    before = network.j("audit", "head", now=LATER)
    held = _HeadHeld(network.url)
    try:
        thread, out = _change_in_thread(network, "sec", _circulate(ref))
        # The change commits while the head is held: its entries wait in the queue, its record has moved already.
        _wait_for(lambda: _queued(network) > 0)
        assert network.sql("SELECT state FROM documents WHERE id = :id", id=int(ref.split("-")[1]))[0][0] == "circulated"
        assert network.j("audit", "head", now=LATER) == before
        # What the queue says of the record counts: a verify in the meantime does not cry tampering.
        verdict = network.j("audit", "verify", now=LATER)
        assert verdict["ok"] is True and verdict["entries"] == before["seq"]
        assert thread.is_alive(), "the change returns only once its entries are in the chain"
    finally:
        held.release()
    thread.join(30)
    assert "error" not in out, out.get("error")
    assert _queued(network) == 0
    after = network.j("audit", "head", now=LATER)
    assert after["seq"] > before["seq"]
    circulated = [row for row in _chain(network) if row[1] == ref and row[2] == "circulate"]
    assert len(circulated) == 1
    # The letters of the queued change carry the head as it stood when they were queued: a witness all the same.
    heads = {row[0] for row in network.sql("SELECT DISTINCT audit_head FROM outbox WHERE ref = :ref", ref=ref)}
    assert heads == {f"{before['seq']}:{before['hash']}"}
    assert network.j("audit", "verify", "--anchor", f"{before['seq']}:{before['hash']}", now=LATER)["ok"] is True


def test_entries_left_queued_by_a_writer_that_died_are_sealed_by_the_next_writer_ahead_of_its_own(network: Any) -> None:
    if network.on_sqlite:
        pytest.skip("PostgreSQL only: nothing is ever queued on SQLite")
    from governance.service import audit
    from governance.service.context import open_instance

    first, second = _draft(network, "First"), _draft(network, "Second")
    instance = open_instance(network.config, LATER)
    held = _HeadHeld(network.url)
    try:
        # A writer commits its change with the head held elsewhere, and dies before it could seal: its entries stay queued.
        with instance.db.write() as session:
            session.execute(__import__("sqlalchemy").text("UPDATE documents SET state = 'circulated' WHERE id = :id"),
                            {"id": int(first.split("-")[1])})
            written = audit.write(session, [audit.entry(instance.clock.now(), "sec", first, "circulate", "draft", "circulated")],
                                  instance.wall.now(), "cli", None)
            assert written.queued
    finally:
        held.release()
        instance.db.dispose()
    assert _queued(network) == 1
    network.ok("advance", second, "circulate", actor="sec", now=LATER)
    assert _queued(network) == 0
    chain = _chain(network)
    order = [row[1] for row in chain if row[2] == "circulate"]
    assert order == [first, second], "the queued entry goes into the chain before the entries of the writer who seals it"
    assert [row[0] for row in chain] == list(range(1, len(chain) + 1))
    assert network.j("audit", "verify", now=LATER)["ok"] is True


def test_many_writers_at_once_give_one_dense_chain_with_every_entry_once(network: Any) -> None:
    if network.on_sqlite:
        pytest.skip("PostgreSQL only: SQLite's writers take turns")
    refs = [_draft(network, f"Report {i}") for i in range(8)]
    before = network.j("audit", "head", now=LATER)["seq"]
    barrier = threading.Barrier(len(refs))

    def work_for(ref: str) -> Any:
        circulate = _circulate(ref)

        def work(op: Any) -> Any:
            barrier.wait(30)  # all inside their transactions together
            return circulate(op)

        return work

    started = [_change_in_thread(network, "sec", work_for(ref)) for ref in refs]
    for thread, out in started:
        thread.join(60)
        assert "error" not in out, out.get("error")
    assert _queued(network) == 0
    chain = _chain(network)
    assert [row[0] for row in chain] == list(range(1, len(chain) + 1))
    circulated = sorted(row[1] for row in chain[before:] if row[2] == "circulate")
    assert circulated == sorted(refs)
    assert network.j("audit", "verify", now=LATER)["ok"] is True

