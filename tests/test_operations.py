"""Operating an instance: the scheduler's heartbeat in `gov status`, `gov send`'s exit code, a real Maildir, warnings."""

from __future__ import annotations

import mailbox
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import GOV, REPO
from tests.test_mail import SEC, _convened_meeting, _use_smtp, smtp  # noqa: F401 - smtp is a fixture


def _start_scheduler(gov, log: Path) -> subprocess.Popen:
    command = [GOV] if GOV else [sys.executable, "-m", "governance"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    with log.open("ab") as sink:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command + ["--config", str(gov.config), "scheduler", "--sweep-seconds", "1", "--refresh-seconds", "1",
                                           "--heartbeat-seconds", "1"], stdout=subprocess.DEVNULL, stderr=sink, env=env, cwd=gov.folder)


def _wait(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen, how: signal.Signals) -> int:
    process.send_signal(how)
    try:
        return process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _later(moment: str, **delta: float) -> str:
    return (datetime.fromisoformat(moment) + timedelta(**delta)).isoformat()


# -- the scheduler's heartbeat -----------------------------------------------------------------

def test_status_says_never_started_before_any_scheduler_ran(gov):
    status = gov.j("status")
    assert status["scheduler"] == {**status["scheduler"], "alive": False, "heartbeat": None, "seconds_since": None, "state": "never"}
    assert "scheduler:      never started" in gov.ok("status").out


def test_status_says_alive_while_the_real_scheduler_runs_and_dead_once_it_is_killed(gov, tmp_path):
    log = tmp_path / "scheduler.log"
    process = _start_scheduler(gov, log)
    try:
        assert _wait(lambda: gov.j("status")["scheduler"]["alive"], 60), log.read_text()
        text = gov.ok("status").out
        assert "scheduler:      alive, heartbeat " in text and f"pid {process.pid}" in text, text
        beat = gov.j("status")["scheduler"]
        assert beat["pid"] == process.pid and 0 <= beat["seconds_since"] <= 5 and beat["heartbeat"]
        first = beat["heartbeat"]
        assert _wait(lambda: gov.j("status")["scheduler"]["heartbeat"] != first, 30), "the heartbeat does not move on"
    finally:
        _stop(process, signal.SIGKILL)
    last = gov.j("status")["scheduler"]["heartbeat"]
    # A rehearsal instance looks at a later moment: three hours without a beat is a dead scheduler.
    later = gov.j("status", now=_later(last, hours=3))["scheduler"]
    assert later["alive"] is False and later["state"] == "dead" and later["heartbeat"] == last
    assert 3 * 3600 - 2 <= later["seconds_since"] <= 3 * 3600 + 2
    assert "scheduler:      DEAD: last heartbeat 3 h ago" in gov.ok("status", now=_later(last, hours=3)).out


def test_a_scheduler_stopped_cleanly_says_so(gov, tmp_path):
    log = tmp_path / "scheduler.log"
    process = _start_scheduler(gov, log)
    try:
        assert _wait(lambda: gov.j("status")["scheduler"]["alive"], 60), log.read_text()
    finally:
        assert _stop(process, signal.SIGTERM) == 0
    beat = gov.j("status")["scheduler"]
    assert beat["alive"] is False and beat["state"] == "stopped"
    assert "stopped cleanly" in gov.ok("status").out


def test_the_heartbeat_outweighs_old_rows_and_several_schedulers_each_have_theirs(gov):
    """Status reads the newest beat, an alive one first; a scheduler starting drops rows silent for a day."""
    from governance.service.context import open_instance
    from governance.service.heartbeat import beat, prune, row_name, scheduler_state

    instance = open_instance(gov.config, None)
    now = instance.clock.now()
    try:
        with instance.db.write() as session:
            beat(session, row_name("old-host", 1), now - timedelta(days=3), {"host": "old-host", "pid": 1, "every": 10})
            beat(session, row_name("a", 2), now - timedelta(seconds=5), {"host": "a", "pid": 2, "every": 10})
            beat(session, row_name("b", 3), now - timedelta(seconds=1), {"host": "b", "pid": 3, "every": 10, "stopped": True})
        with instance.db.read() as session:
            state = scheduler_state(session, now)
        assert state["alive"] is True and state["host"] == "a" and state["alive_count"] == 1  # the stopped one is newer, not alive
        with instance.db.write() as session:
            assert prune(session, row_name("a", 2), now) == 1
        assert [r[0] for r in gov.sql("SELECT name FROM engine_state WHERE name LIKE 'scheduler:%' ORDER BY name")] == [
            "scheduler:a:2", "scheduler:b:3"]
    finally:
        instance.db.dispose()


def test_the_warning_in_show_and_deadlines_reads_indexes_and_the_heartbeat_not_the_outbox(network):
    """`show` and `deadlines` ask whether the scheduler is dead on every call: never a tally of the whole outbox."""
    from sqlalchemy import event

    from governance.service.context import open_instance
    from governance.service.tick import liveness
    from governance.service.transaction import reading

    network.ok("action", "add", "--title", "Report", "--owner", "BHR", "--due", "2021-04-01", actor=SEC, now="2021-03-02T09:00")
    instance = open_instance(network.config, "2021-05-01T09:00")
    statements: list[str] = []
    event.listen(instance.db.engine, "before_cursor_execute", lambda conn, cursor, sql, *rest: statements.append(sql))
    try:
        with reading(instance) as op:
            data = liveness(op)
    finally:
        instance.db.dispose()
    assert data["scheduler_dead"] is True and data["due_unfired"] >= 1
    joined = "\n".join(statements).lower()
    assert "outbox" not in joined and "group by" not in joined, joined
    assert "scheduler looks dead" in network("deadlines", now="2021-05-01T09:00").err
    assert "scheduler looks dead" in network("show", "A-1", now="2021-05-01T09:00").err


# -- gov send's exit code ------------------------------------------------------------------------

def test_send_exits_7_while_the_smtp_server_is_down_and_0_once_everything_went(network, smtp):
    from governance.errors import NOT_ALL_DELIVERED

    assert NOT_ALL_DELIVERED == 7
    _use_smtp(network, smtp.port)
    assert network("send", now="2021-03-10T09:00").code == 0  # nothing due: nothing to complain about
    _convened_meeting(network)
    smtp.stop()
    down = network("send", json_out=True, now="2021-03-11T10:05")
    assert down.code == 7, repr(down)
    report = down.json  # the same document as ever, on stdout
    assert report["sent"] == 0 and report["retrying"] > 0 and report["undelivered"] == report["retrying"] + report["failed"]
    assert "cannot reach the SMTP server" in report["errors"][0]
    text = network("send", now="2021-03-11T10:30")
    assert text.code == 7 and "to retry" in text.out and "Traceback" not in text.err
    smtp.start()
    up = network("send", json_out=True, now="2021-03-11T12:00")
    assert up.code == 0 and up.json["sent"] > 0 and up.json["undelivered"] == 0, repr(up)
    assert network("send", now="2021-03-11T12:05").code == 0


def test_send_exits_7_when_a_letter_is_given_up_on(network, smtp):
    _use_smtp(network, smtp.port, max_attempts="1", retry_base_seconds="60", retry_hours="0")
    _convened_meeting(network)
    smtp.stop()
    given_up = network("send", json_out=True, now="2021-03-11T10:05")
    assert given_up.code == 7 and given_up.json["failed"] > 0


def test_the_exit_code_of_send_is_documented_where_cron_users_look():
    help_text = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), "send", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert "7  some letters were not delivered" in help_text and "0  every letter due was delivered" in help_text
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    codes = readme.split("## Exit codes", 1)[1].split("##", 1)[0]
    assert "7 `gov send`" in codes


# -- the maildir ---------------------------------------------------------------------------------

def test_the_maildir_backend_writes_a_real_maildir_and_a_retry_replaces_its_letter(network):
    _convened_meeting(network)
    sent = network.j("send", now="2021-03-11T10:05")["sent"]
    folder = network.folder / "mail"
    assert sorted(p.name for p in folder.iterdir()) == ["cur", "new", "tmp"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.iterdir()]} == {0o700}
    letters = sorted((folder / "new").iterdir())
    assert len(letters) == sent > 0 and not list((folder / "tmp").iterdir())
    assert all(":" not in p.name and p.name.endswith(".eml") and stat.S_IMODE(p.stat().st_mode) == 0o600 for p in letters)
    # What mail readers use: the standard library's Maildir reader finds every letter, unread, in new/.
    box = mailbox.Maildir(folder, create=False)
    assert len(box) == sent and {m.get_subdir() for m in box} == {"new"}
    assert {m["Message-ID"].strip("<>") + ".eml" for m in box} == {p.name for p in letters}
    # A crash before the outbox recorded them: every letter goes again, and lands on its own file.
    network.sql("UPDATE outbox SET status = 'pending', sent_at = NULL, next_attempt_at = created_at")
    assert network.j("send", now="2021-03-11T10:06")["sent"] == sent
    assert sorted((folder / "new").iterdir()) == letters and len(mailbox.Maildir(folder, create=False)) == sent


# -- warnings ------------------------------------------------------------------------------------

def test_a_meeting_entered_with_a_past_start_is_created_with_a_warning(network):
    done = network("meeting", "create", "--kind", "general", "--title", "Already held", "--start", "2021-02-01T10:00",
                   "--end", "2021-02-02T16:00", "--online", actor=SEC, now="2021-03-10T10:00")
    assert done.code == 0 and done.out.startswith("M-1")
    assert done.err.startswith("warning: M-1 starts in the past (2021-02-01 10:00"), done.err
    assert "it cannot be convened with notice; cancel it or reschedule it" in done.err
    as_json = network("meeting", "create", "--kind", "general", "--title", "Held too", "--start", "2021-03-01T10:00",
                      "--end", "2021-03-02T16:00", "--online", actor=SEC, now="2021-03-10T10:00", json_out=True)
    assert as_json.code == 0 and as_json.json["ref"] == "M-2"
    assert [w.split(" (")[0] for w in as_json.json["warnings"]] == ["M-2 starts in the past"]
    ahead = network("meeting", "create", "--kind", "general", "--title", "Ahead", "--start", "2021-09-01T10:00",
                    "--end", "2021-09-02T16:00", "--online", actor=SEC, now="2021-03-10T10:00", json_out=True)
    assert ahead.code == 0 and "warnings" not in ahead.json and "warning" not in ahead.err
