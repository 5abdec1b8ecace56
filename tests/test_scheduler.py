"""The scheduler: killed at any moment and restarted, every due row fires exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import GOV

# More than one batch of tick (config [scheduler] tick_batch, 200): a kill can land between two batches' commits.
ACTIONS = 300


def _make_actions(network) -> None:
    """Many actions due in 2021, written through the service layer in one go (a CLI call each would be slow)."""
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change
    from governance.clock import parse_moment

    instance = open_instance(network.config, "2021-03-02T09:00")
    owners = ["ISKUR", "BHR", "MAR", "EGY", "IDN", "SEN"]

    def work(op):
        for i in range(ACTIONS):
            due = parse_moment(f"2021-04-{1 + i % 28:02d}T{9 + i % 8:02d}:00", op.rules.zone)
            changes.add_action(op, f"Follow-up {i + 1}", owners[i % len(owners)], due, None)

    change(instance, "sec", work)
    instance.db.dispose()


def _fired(network) -> int:
    return network.sql("SELECT count(*) FROM deadlines WHERE status != 'pending' AND name = 'due'")[0][0]


def _start(network, log: Path) -> subprocess.Popen:
    command = [GOV] if GOV else [sys.executable, "-m", "governance"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    with log.open("ab") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command + ["--config", str(network.config), "scheduler", "--sweep-seconds", "1", "--refresh-seconds", "1"],
                                stdout=subprocess.DEVNULL, stderr=sink, env=env, cwd=network.folder)


def _wait(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_scheduler_killed_while_firing_then_restarted_fires_every_row_exactly_once(network, tmp_path):
    _make_actions(network)
    log = tmp_path / "scheduler.log"
    first = _start(network, log)
    try:
        assert _wait(lambda: _fired(network) >= 3, 60), log.read_text()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed_at = _fired(network)
    assert killed_at < ACTIONS, "the kill came too late to prove anything"

    second = _start(network, log)
    try:
        assert _wait(lambda: _fired(network) == ACTIONS, 120), log.read_text()
        time.sleep(1.5)  # a few more sweeps: nothing may fire twice
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            assert second.wait(30) == 0
        finally:
            if second.poll() is None:
                second.kill()
                second.wait(10)
    assert "scheduler stopped" in log.read_text()

    lapses = network.sql("SELECT ref, count(*) FROM audit WHERE trigger = 'lapse' GROUP BY ref")
    assert len(lapses) == ACTIONS and {n for _, n in lapses} == {1}
    statuses = network.sql("SELECT status, count(*) FROM deadlines WHERE name = 'due' GROUP BY status")
    assert [tuple(r) for r in statuses] == [("fired", ACTIONS)]
    per_action = network.sql("SELECT ref, count(*) FROM outbox WHERE template = 'action_overdue' GROUP BY ref")
    # Chair (İŞKUR), secretariat and the owner's focal point: 3 letters, or 2 when İŞKUR owns it.
    assert {n for _, n in per_action} <= {2, 3} and len(per_action) == ACTIONS
    assert network.sql("SELECT count(*) FROM outbox WHERE status != 'sent'")[0][0] == 0
    assert network.j("audit", "verify")["ok"] is True
    eml = list((network.folder / "mail" / "new").glob("*.eml"))
    assert len(eml) == network.sql("SELECT count(*) FROM outbox")[0][0]


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_scheduler_stops_cleanly_on_a_signal(network, tmp_path, signal_name):
    log = tmp_path / "scheduler.log"
    process = _start(network, log)
    try:
        assert _wait(lambda: "scheduler started" in log.read_text(), 30)
        process.send_signal(getattr(signal, signal_name))
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert "scheduler stopped" in log.read_text()
