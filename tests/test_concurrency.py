"""Concurrent people: several `gov` processes acting on one record at the same moment, on each store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from tests.conftest import GOV, MEMBERS
from tests.test_tick import _circulated_draft

SEC = "sec"
RACERS = 6


def _race(network, runs: list[list[str]]) -> list[subprocess.CompletedProcess]:
    """Start every command before waiting for any, so their transactions overlap."""
    base = [GOV] if GOV else [sys.executable, "-m", "governance"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    started = [subprocess.Popen(base + ["--config", str(network.config), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=network.folder) for args in runs]
    finished = []
    for process, args in zip(started, runs):
        out, err = process.communicate(timeout=120)
        finished.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return finished


def _convene_requested(network) -> int:
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    return network.j("show", "M-1", actor=SEC, now="2021-03-10T11:00")["version"]


def test_people_approving_one_record_at_once_one_wins_the_rest_get_exit_5_and_nothing_written(network):
    version = _convene_requested(network)
    results = _race(network, [["--as", "iskur", "--now", "2021-03-11T09:00", "approve", "M-1", "--expect-version", str(version)]
                              for _ in range(RACERS)])
    codes = Counter(r.returncode for r in results)
    assert codes == {0: 1, 5: RACERS - 1}, [(r.returncode, r.stderr) for r in results]
    for loser in (r for r in results if r.returncode == 5):
        assert "changed by someone else, nothing written" in loser.stderr
        assert "Traceback" not in loser.stderr
    assert [e["trigger"] for e in network.j("audit", "M-1")["entries"]].count("convene") == 1
    invitations = Counter(m["to"] for m in network.j("outbox")["messages"] if m["template"] == "meeting_invitation")
    assert invitations and set(invitations.values()) == {1}
    assert network.j("audit", "verify")["ok"] is True


def test_secretariat_and_chair_racing_on_one_meeting_change_it_once(network):
    """The chair approves and rejects while the secretariat asks again: whichever lands first, the others change nothing."""
    version = _convene_requested(network)
    runs = [["--as", "iskur", "--now", "2021-03-11T09:00", "approve", "M-1", "--expect-version", str(version)],
            ["--as", "iskur", "--now", "2021-03-11T09:00", "reject", "M-1", "--reason", "dates clash", "--expect-version", str(version)],
            ["--as", SEC, "--now", "2021-03-11T09:00", "advance", "M-1", "convene", "--expect-version", str(version)]]
    results = _race(network, runs * 2)
    assert sum(r.returncode == 0 for r in results) == 1, [(r.args, r.returncode, r.stderr) for r in results]
    assert all(r.returncode in (0, 4, 5) and "Traceback" not in r.stderr for r in results), [(r.returncode, r.stderr) for r in results]
    decided = [e["trigger"] for e in network.j("audit", "M-1")["entries"] if e["trigger"] in ("convene", "reject:convene", "request:convene")]
    assert decided in (["request:convene", "convene"], ["request:convene", "reject:convene"], ["request:convene", "request:convene"])
    assert network.j("audit", "verify")["ok"] is True


def test_focal_points_commenting_at_once_all_land_with_distinct_refs_and_the_chain_holds(network, tmp_path: Path):
    _circulated_draft(network, tmp_path)
    handles = [m[3] for m in MEMBERS]
    results = _race(network, [["--as", h, "--now", "2021-04-05T09:00", "--json", "comment", "add", "D-1", "--text", f"Comment of {h}."]
                              for h in handles])
    assert [r.returncode for r in results] == [0] * len(handles), [r.stderr for r in results]
    refs = [r.stdout for r in results]
    comments = network.j("doc", "matrix", "D-1")["rows"]
    assert len(comments) == len(handles) and len({c["comment"] for c in comments}) == len(handles), refs
    seqs = [e["seq"] for e in network.j("audit")["entries"]]
    assert seqs == list(range(1, len(seqs) + 1)), "the audit trail has a gap or a duplicate"
    assert network.j("audit", "verify")["ok"] is True


def test_several_tick_workers_at_once_fire_every_due_row_exactly_once(network):
    """Workers claim rows (SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite): none errs, none fires a row twice."""
    from tests.test_scheduler import ACTIONS, _make_actions

    _make_actions(network)
    results = _race(network, [["--now", "2021-05-01T00:00", "--json", "tick"] for _ in range(4)])
    assert [r.returncode for r in results] == [0] * 4, [r.stderr for r in results]
    fired = [(f["ref"], f["name"], f["due"]) for r in results for f in json.loads(r.stdout)["fired"]]
    assert len(fired) == len(set(fired)), "a row fired twice"
    lapses = network.sql("SELECT ref, count(*) FROM audit WHERE trigger = 'lapse' GROUP BY ref")
    assert len(lapses) == ACTIONS and {n for _, n in lapses} == {1}
    assert network.sql("SELECT count(*) FROM deadlines WHERE status = 'pending' AND due <= :now",
                       now=datetime(2021, 4, 30, 21, 0, tzinfo=timezone.utc))[0][0] == 0
    assert network.j("audit", "verify")["ok"] is True
