"""Crash safety: `gov tick` and `gov send` SIGKILLed at random moments end exactly where an uninterrupted run ends."""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any, Callable

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import GOV, Gov, _pg_admin, _pg_create, _pg_drop, _point_at

SEC = "sec"
SEED = int(os.environ.get("GOV_CRASH_SEED", "20210302"))
TRIALS = int(os.environ.get("GOV_CRASH_TRIALS", "50"))
# A third of the kills come at a random moment after start (often while Python is still importing); the others
# at a random moment after the process opens the database or first writes to it, when the work is being done
# (for `send`: after the first of its letters reaches the server, while it hands the batch over).
KILL_AFTER_START = (0.05, 0.8)
KILL_AFTER_OPEN = (0.0, 0.25)
OWNERS = ["ISKUR", "BHR", "MAR", "EGY", "IDN", "SEN"]
ACTIONS = 48

# The moments the scheduler ticks at, every 19 days from late March to September 2021 (the body's zone).
PHASES = [(datetime(2021, 3, 20, 8, 0) + timedelta(days=19 * i)).strftime("%Y-%m-%dT%H:%M") for i in range(10)]
# What people do between two ticks: once the tick at PHASES[i] is through, before the one at PHASES[i + 1].
BETWEEN: dict[int, list[tuple[tuple[str, ...], str, str]]] = {
    1: [(("doc", "create", "--type", "action_plan", "--title", "Draft Action Plan", "--file", "{text}"), SEC, "2021-04-10T10:00"),
        (("advance", "D-2", "circulate"), SEC, "2021-04-10T10:00"),
        (("comment", "add", "D-2", "--text", "Nous proposons un atelier en 2022."), "mar", "2021-04-12T10:00")],
    3: [(("advance", "A-5", "complete"), SEC, "2021-05-18T10:00")],
    5: [(("advance", "A-20", "cancel", "--reason", "merged with A-19"), SEC, "2021-06-25T10:00")],
}
SINK_LATENCY = 0.005  # seconds the SMTP sink takes over each letter
LEASES_RUN_OUT = timedelta(days=1)  # far past delivery's lease: the last clean send reclaims every letter a killed send claimed


class MessageIds:
    """An aiosmtpd handler that counts every letter it accepts by its Message-ID.

    Each letter takes it a few milliseconds, as a real server's would (a loopback sink answering at once would
    let a whole batch through between two kills, and hide what a kill in the middle of one does).
    """

    def __init__(self, latency: float = SINK_LATENCY) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.latency = latency

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(self.latency)
        data = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode("utf-8")
        headers = BytesHeaderParser().parsebytes(data)
        with self.lock:
            self.seen[str(headers["Message-ID"]).strip()] += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sinks():
    """Two SMTP servers on 127.0.0.1: one for the instance that is killed, one for the control."""
    started = []
    for _ in range(2):
        handler, port = MessageIds(), _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append((controller, port, handler))
    yield [(port, handler) for _, port, handler in started]
    for controller, _, _ in started:
        controller.stop()


def _sqlite_file(gov: Gov) -> Path | None:
    url = tomllib.loads(gov.config.read_text(encoding="utf-8"))["database"]["url"]
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url[len("sqlite:///"):])
    return path if path.is_absolute() else gov.folder / path


def _use_smtp(gov: Gov, port: int) -> None:
    config = gov.config.read_text(encoding="utf-8")
    config = re.sub(r'(?m)^backend = "[^"]*"', 'backend = "smtp"', config)
    config = re.sub(r"(?m)^smtp_host = .*$", 'smtp_host = "127.0.0.1"', config)
    config = re.sub(r"(?m)^smtp_port = .*$", f"smtp_port = {port}", config)
    # A digest folds the reminders pending when `send` runs; letters one by one do not depend on when that is.
    config = re.sub(r"(?m)^digest = .*$", "digest = false", config)
    gov.config.write_text(config, encoding="utf-8")


def _scenario(network: Gov, text: Path) -> None:
    """Four dozen actions due from April to August and a circulated draft: reminders, lapses, escalations."""
    from governance.clock import parse_moment
    from governance.service import changes
    from governance.service.context import open_instance
    from governance.service.transaction import change

    instance = open_instance(network.config, "2021-03-02T09:00")

    def work(op: Any) -> None:
        for i in range(ACTIONS):
            due = (datetime(2021, 4, 1, 9 + i % 5) + timedelta(days=3 * i)).strftime("%Y-%m-%dT%H:%M")
            changes.add_action(op, f"Follow-up {i + 1}", OWNERS[i % len(OWNERS)], parse_moment(due, op.rules.zone), None)

    change(instance, SEC, work)
    instance.db.dispose()
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(text), actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-10T10:00")
    network.ok("comment", "add", "D-1", "--para", "2", "--text", "نقترح مدة سنتين قابلة للتجديد", actor="bhr", now="2021-03-12T09:00")


def _between(gov: Gov, phase: int, text: Path) -> None:
    for args, actor, now in BETWEEN.get(phase, []):
        gov.ok(*[a.replace("{text}", str(text)) for a in args], actor=actor, now=now)


def _later(moment: str, by: timedelta) -> str:
    return (datetime.fromisoformat(moment) + by).strftime("%Y-%m-%dT%H:%M")


def _send_until_done(gov: Gov, now: str) -> None:
    for _ in range(5):
        sent = gov("send", now=now)
        # Exit 7 only for letters set aside (with the server twice when a sender died): failed, never sent a third time.
        unanswered = gov.sql("SELECT count(*) FROM outbox WHERE status = 'failed' AND handovers < 2")[0][0]
        assert sent.code == 0 or (sent.code == 7 and unanswered == 0), repr(sent)
        if gov.j("outbox", "--status", "pending")["messages"] == []:
            return
    raise AssertionError(f"letters still pending after five sends at {now}")


def _control(gov: Gov, text: Path) -> None:
    """The run nobody interrupts: each tick goes through once; then the letters go out."""
    for phase, moment in enumerate(PHASES):
        gov.ok("tick", now=moment)
        _between(gov, phase, text)
    _send_until_done(gov, _later(PHASES[-1], LEASES_RUN_OUT))


def _command(gov: Gov, now: str, *args: str) -> list[str]:
    """The command line Gov.__call__ builds."""
    return ([GOV] if GOV else [sys.executable, "-m", "governance"]) + ["--config", str(gov.config), "--now", now, *args]


def _wal(database: Path) -> tuple[int, int] | None:
    """The write-ahead log's size and modification time: it appears when the database is opened, and moves with each write."""
    try:
        stat = os.stat(f"{database}-wal")
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns


class Opening:
    """Sees, from outside, the moment a `gov` process opens the instance's database or first writes to it.

    SQLite: the write-ahead log appears or moves. PostgreSQL: a session on the database has begun writing (its
    transaction holds an id in pg_stat_activity); watched from a connection to another database.
    """

    def __init__(self, gov: Gov) -> None:
        from sqlalchemy.engine import make_url

        self.database = _sqlite_file(gov)
        self.before: tuple[int, int] | None = None
        self.conn: Any = None
        if self.database is None:
            import psycopg

            self.name = make_url(gov.url).database
            self.conn = psycopg.connect(_pg_admin()[0], autocommit=True)

    def _sessions(self, writing: bool = False) -> int:
        return self.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                                 + (" AND backend_xid IS NOT NULL" if writing else ""), (self.name,)).fetchone()[0]

    def arm(self) -> None:
        """Just before a process starts. On PostgreSQL, first wait until no session is on the database: the last one
        a killed process left ends once its server process notices the client gone, and no later run may meet it."""
        if self.conn is None:
            self.before = _wal(self.database)
            return
        started = time.monotonic()
        while self._sessions():
            assert time.monotonic() - started < 30, f"a session on {self.name} outlived its client by 30 s"
            time.sleep(0.002)

    def opened(self) -> bool:
        if self.conn is None:
            return _wal(self.database) != self.before
        return self._sessions(writing=True) > 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _progress(gov: Gov) -> tuple[Any, ...]:
    """What a tick or a send changes as each of its transactions commits."""
    return tuple(gov.sql(
        "SELECT (SELECT count(*) FROM deadlines), (SELECT count(*) FROM deadlines WHERE status <> 'pending'),"
        " (SELECT count(*) FROM audit), (SELECT count(*) FROM outbox), (SELECT count(*) FROM outbox WHERE status = 'sent'),"
        " (SELECT coalesce(sum(attempts), 0) FROM outbox), (SELECT count(*) FROM engine_state),"
        " (SELECT max(at) FROM engine_state)"
    )[0])


def _run_and_kill(gov: Gov, opening: Opening, command: list[str], after_open: bool, delay: float, log: Path,
                  sending: Callable[[], bool] | None = None) -> tuple[int, bool]:
    """Start `command`; SIGKILL it `delay` seconds after it starts (or opens the database), unless it has finished.

    With `sending` (the sink has begun to receive this process's letters), the delay counts from then instead of
    from the opening: the kill lands while letters are being handed over, where a re-delivery would come from.
    Returns its exit code (-9 when killed) and whether it was killed mid-work: after some of its writes had committed.
    """
    before = _progress(gov)
    opening.arm()
    # Cold: the kills' timing is drawn for a process that imports the engine first (a warm command dies with its
    # caller: tests/test_cli_warm.py), and a tick forked warm is mostly over before a kill of this range lands.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")} | {"GOV_WARM": "0"}
    ready = sending or opening.opened
    with log.open("wb") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=environment, cwd=gov.folder)
        started = time.monotonic()
        if after_open:
            while process.poll() is None and not ready() and time.monotonic() - started < 30:
                time.sleep(0.001)
        try:
            code = process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            code = process.wait()
    return code, code != 0 and _progress(gov) != before


def _integrity(gov: Gov) -> list[Any]:
    """What is wrong with the database as a store; empty when nothing is.

    SQLite: its own integrity check. PostgreSQL (whose files a killed client cannot touch): every table reads to its
    end, and no primary key is held by two rows.
    """
    if gov.on_sqlite:
        found = [row[0] for row in gov.sql("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found
    keys: dict[str, list[str]] = {name: [] for (name,) in gov.sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    for name, column in gov.sql(
        "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc"
        " JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name, table_name)"
        " WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() ORDER BY kcu.ordinal_position"
    ):
        keys[name].append(f'"{column}"')
    assert {"deadlines", "outbox", "audit"} <= keys.keys(), keys
    keyed = {name: f"count(DISTINCT ({', '.join(columns)}))" if columns else "count(*)" for name, columns in keys.items()}
    counts = gov.sql(" UNION ALL ".join(f"SELECT '{name}', count(*), {keyed[name]} FROM \"{name}\"" for name in keys))
    return [f"{name}: {rows} rows but {distinct} distinct keys" for name, rows, distinct in counts if rows != distinct]


def _state(gov: Gov, sender: str) -> dict[str, Any]:
    """What must not depend on crashes, read straight from the database; and each letter's Message-ID, as sent."""
    from sqlalchemy import select

    from governance.mail.message import message_id
    from governance.store.db import Database
    from governance.store.models import OutboxMessage

    def rows(statement: str) -> Counter:
        return Counter(tuple(row) for row in gov.sql(statement))

    state = {
        "deadlines": rows("SELECT ref, name, kind, due, status, outcome, fired_at FROM deadlines"),
        "audit": rows("SELECT ref, trigger, from_state, to_state, actor, at FROM audit"),
        # The secretariat's notices of letters set aside (with the server twice when a sender died) are the crashes' own.
        "letters": rows("SELECT ref, template, recipient, lang, subject, created_at FROM outbox WHERE template <> 'delivery_failed'"),
        "notices": gov.sql("SELECT count(*) FROM outbox WHERE template = 'delivery_failed'")[0][0],
        "statuses": Counter(status for (status,) in gov.sql("SELECT status FROM outbox WHERE handovers < 2")),
        "integrity": _integrity(gov),
    }
    database = Database(gov.url)
    try:
        with database.read() as session:
            every = list(session.scalars(select(OutboxMessage)))
            state["ids"] = Counter(message_id(row, sender) for row in every)
            state["set_aside"] = {message_id(row, sender): (row.status, row.last_error) for row in every if row.handovers >= 2}
    finally:
        database.dispose()
    return state


def _difference(expected: Counter, got: Counter) -> str:
    return f"missing {dict(expected - got)}; extra {dict(got - expected)}"


def _copy(gov: Gov, folder: Path, request: pytest.FixtureRequest) -> Gov:
    """Another instance in the same state: the folder copied, and on PostgreSQL a database of its own made from the
    instance's (no one may be connected to that one meanwhile), dropped when the test ends."""
    from sqlalchemy.engine import make_url

    shutil.copytree(gov.folder, folder)
    if not gov.on_sqlite:
        database_url = _pg_create(template=make_url(gov.url).database)
        request.addfinalizer(lambda: _pg_drop(database_url))
        _point_at(folder, database_url)
    return Gov(folder)


def test_sigkill_during_tick_and_send_loses_nothing_and_fires_nothing_twice(network, sinks, tmp_path, request):
    (port, received), (control_port, control_received) = sinks
    text = tmp_path / "draft.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    _scenario(network, text)
    control = _copy(network, tmp_path / "control", request)
    _use_smtp(network, port)
    _use_smtp(control, control_port)
    # The instance killed fires a few rows per transaction, so that a tick (a few dozen rows) commits several times and
    # a kill can land between two of its commits; the control fires them all in one. Both must end alike.
    network.config.write_text(network.config.read_text(encoding="utf-8") + "\n[scheduler]\ntick_batch = 3\n", encoding="utf-8")
    sender = tomllib.loads(network.config.read_text(encoding="utf-8"))["mail"]["sender"]
    opening = Opening(network)
    request.addfinalizer(opening.close)
    background = ThreadPoolExecutor(max_workers=1)  # the control runs while the other instance is being killed
    request.addfinalizer(background.shutdown)
    uninterrupted = background.submit(_control, control, text)

    rng = random.Random(SEED)
    where = f"seed {SEED} (GOV_CRASH_SEED), {TRIALS} trials (GOV_CRASH_TRIALS)"
    log = tmp_path / "trial.err"
    phase, history = 0, []
    for trial in range(TRIALS):
        moment = PHASES[min(phase, len(PHASES) - 1)]
        after_open = rng.random() < 2 / 3
        delay = rng.uniform(*(KILL_AFTER_OPEN if after_open else KILL_AFTER_START))
        if rng.random() < 0.55:
            what, now = "tick", moment
        else:  # a few minutes on, so some of the letters a killed send claimed are still leased and some are not
            what, now = "send", _later(moment, timedelta(minutes=rng.randint(1, 30)))
        delivered_before = sum(received.seen.values())
        sending = (lambda: sum(received.seen.values()) > delivered_before) if what == "send" else None
        code, mid_work = _run_and_kill(network, opening, _command(network, now, what), after_open, delay, log, sending)
        history.append((trial, what, now, "after open" if after_open else "after start", round(delay, 3), code, mid_work))
        assert code in (0, -signal.SIGKILL), f"{where}: trial {trial} `gov {what} --now {now}` exited {code}: {log.read_text()}"
        if what == "tick" and code == 0 and phase < len(PHASES):
            _between(network, phase, text)
            phase += 1

    # Back to normal: the ticks not yet through go through, then the letters go out once every lease has run out.
    for rest in range(phase, len(PHASES)):
        network.ok("tick", now=PHASES[rest])
        _between(network, rest, text)
    network.ok("tick", now=PHASES[-1])
    _send_until_done(network, _later(PHASES[-1], LEASES_RUN_OUT))
    uninterrupted.result(timeout=300)

    expected, got = _state(control, sender), _state(network, sender)
    mid_work = Counter(h[1] for h in history if h[-1])
    where += f"; killed mid-work: {dict(mid_work)}; trials {history}"
    assert expected["integrity"] == [], f"the control: {expected['integrity']}"
    assert got["integrity"] == [], f"{got['integrity']}; {where}"
    verified = network("audit", "verify")
    assert verified.code == 0, f"{verified!r}; {where}"
    assert got["deadlines"] == expected["deadlines"], f"deadline rows {_difference(expected['deadlines'], got['deadlines'])}; {where}"
    assert got["audit"] == expected["audit"], f"audit entries {_difference(expected['audit'], got['audit'])}; {where}"
    assert got["letters"] == expected["letters"], f"letters {_difference(expected['letters'], got['letters'])}; {where}"
    assert set(got["statuses"]) == {"sent"}, f"outbox {dict(got['statuses'])}; {where}"
    outbox, delivered = got["ids"], received.seen
    assert max(outbox.values()) == 1, f"two outbox rows share a Message-ID; {where}"
    assert not outbox.keys() - delivered.keys(), f"never delivered: {sorted(outbox.keys() - delivered.keys())}; {where}"
    assert not delivered.keys() - outbox.keys(), f"delivered letters the outbox does not hold: {sorted(delivered.keys() - outbox.keys())}; {where}"
    assert control_received.seen == expected["ids"], "the uninterrupted run delivers each letter exactly once"
    assert expected["notices"] == 0 and bool(got["notices"]) == bool(got["set_aside"]), f"{got['set_aside']}; {where}"
    _set_aside_after_two_copies(got["set_aside"], delivered, where)
    # Each letter is recorded as sent as the next is handed over: a kill re-sends at most the one in flight.
    _at_most_one_again_per_kill(delivered, sum(1 for h in history if h[1] == "send" and h[5] == -signal.SIGKILL), where)
    if TRIALS >= 20:  # the trials did what they are for: some kills came while a tick or a send was writing
        assert mid_work["tick"] and mid_work["send"], where


def _set_aside_after_two_copies(set_aside: dict[str, tuple[str, str]], delivered: Counter, where: str) -> None:
    """A letter caught in flight by two kills in a row is not sent a third time: failed, saying why, and it did arrive."""
    for message_id, (status, error) in set_aside.items():
        assert status == "failed" and "most likely arrived" in (error or ""), f"{message_id}: {status} {error}; {where}"
        assert delivered[message_id] >= 1, f"{message_id} was set aside and never arrived; {where}"


def _at_most_one_again_per_kill(delivered: Counter, kills: int, where: str) -> None:
    """Deliveries counted per Message-ID at the sink: no more extra copies than kills, and no letter more than twice.

    One extra copy per kill at most: the letter the server had accepted when the process died. A letter caught in
    flight by two kills in a row is with the server twice; the count on its row keeps it from a third copy.
    """
    again = sum(n - 1 for n in delivered.values())
    figures = (f"{sum(delivered.values())} deliveries of {len(delivered)} letters after {kills} kill(s) of a sender: "
               f"{again} delivered again, at most {max(delivered.values())} times one letter")
    print(figures, "; killed:", where.rpartition("trials ")[2][:300])  # the figures to quote (pytest -s shows them)
    assert again <= kills, f"{figures}; {where}"
    assert max(delivered.values()) <= 2, f"{figures}; {where}"


SCHEDULER_TRIALS = max(2, TRIALS // 16)


def test_sigkill_of_the_scheduler_while_it_sends_delivers_each_letter_and_at_most_one_again_per_kill(network, sinks, tmp_path, request):
    """`gov scheduler` (real clock, one sweep a second) killed while it hands letters over; then a send once every lease is out."""
    (port, received), _ = sinks
    text = tmp_path / "draft.txt"
    text.write_text("1. Purpose.\n\n2. The chair serves two years.\n", encoding="utf-8")
    _scenario(network, text)
    _use_smtp(network, port)
    network.ok("tick", now=PHASES[-1])  # half a year of reminders, lapses and escalations: a pile of letters waiting
    opening = Opening(network)
    request.addfinalizer(opening.close)
    rng = random.Random(SEED + 1)
    log = tmp_path / "scheduler.err"
    command = ([GOV] if GOV else [sys.executable, "-m", "governance"]) + ["--config", str(network.config), "scheduler", "--sweep-seconds", "1", "--quiet"]
    kills, history = 0, []
    for trial in range(SCHEDULER_TRIALS):
        # The leases of the runs killed run out (ten minutes of the real clock the scheduler keeps, passed at once):
        # each run takes every letter still pending, the one that was in flight when the last was killed included.
        network.sql("UPDATE outbox SET next_attempt_at = created_at WHERE status = 'pending'")
        if network.sql("SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0] == 0:
            break
        delivered_before = sum(received.seen.values())
        delay = rng.uniform(0.0, 1.0)
        code, mid_work = _run_and_kill(network, opening, command, True, delay, log, lambda: sum(received.seen.values()) > delivered_before)
        history.append((trial, round(delay, 3), code, mid_work, sum(received.seen.values()) - delivered_before))
        assert code == -signal.SIGKILL, f"trial {trial}: the scheduler exited {code}: {log.read_text()}"
        kills += 1
    where = f"seed {SEED} (GOV_CRASH_SEED); scheduler trials {history}"
    later = datetime.now(timezone.utc) + LEASES_RUN_OUT  # the scheduler keeps real time; once its leases run out, the rest goes
    _send_until_done(network, later.isoformat(timespec="minutes"))

    statuses = Counter(status for (status,) in network.sql("SELECT status FROM outbox WHERE handovers < 2"))
    assert set(statuses) == {"sent"}, f"outbox {dict(statuses)}; {where}"
    state = _state(network, tomllib.loads(network.config.read_text(encoding="utf-8"))["mail"]["sender"])
    outbox, delivered = state["ids"], received.seen
    _set_aside_after_two_copies(state["set_aside"], delivered, where)
    assert outbox.keys() == delivered.keys(), f"never delivered {sorted(outbox.keys() - delivered.keys())}; unknown {sorted(delivered.keys() - outbox.keys())}; {where}"
    assert sum(1 for h in history if h[-1]) >= 1, f"no kill came while letters were going out; {where}"
    _at_most_one_again_per_kill(delivered, kills, where)
