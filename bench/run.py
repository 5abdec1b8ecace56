"""Benchmarks against the physical floor, measured in one run on one disk.

    python bench/run.py [--quick | --smoke] [--json]
    python bench/run.py --profile advance|tick     # where the time of one measurement goes
    python bench/run.py --transition [--quick]      # only what one transition costs: advance and the machine step
    python bench/run.py --web [--quick | --smoke]   # only the web: approvals through the link's POST against the
                                                    # commit floor; the desk's p50/p95 with 100k records against show

Every rate is reported with the floor it is compared to: a raw SQLite commit
(WAL, synchronous=FULL, one 200-byte row per transaction), `python -c pass`,
raw smtplib. With GOV_TEST_DATABASE_URL set, several workers tick one
PostgreSQL database and the duplicates and misses are counted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETUP_NOW = "2021-01-04T09:00"

# How much each measurement does, per mode: the sizes, a run under two minutes,
# and a smoke run that only proves the harness works end to end (its numbers mean nothing).
SIZES: dict[str, dict[str, int]] = {
    "full": {"commits": 2000, "advances": 400, "letters": 2000, "tick_rows": 100_000, "flat_large": 1_000_000,
             "flat_runs": 40, "wall_runs": 10, "pg_rows": 20_000, "machine_steps": 20_000,
             "link_approvals": 200, "desk_records": 100_000, "desk_runs": 20},
    "quick": {"commits": 300, "advances": 60, "letters": 200, "tick_rows": 1000, "flat_large": 100_000,
              "flat_runs": 15, "wall_runs": 10, "pg_rows": 2000, "machine_steps": 5000,
              "link_approvals": 50, "desk_records": 100_000, "desk_runs": 10},
    "smoke": {"commits": 20, "advances": 3, "letters": 16, "tick_rows": 20, "flat_large": 2000,
              "flat_runs": 3, "wall_runs": 2, "pg_rows": 40, "machine_steps": 50,
              "link_approvals": 3, "desk_records": 200, "desk_runs": 3},
}
MEMBERS = 8


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- floors -------------------------------------------------------------------------------------

def commit_floor(folder: Path, count: int) -> float:
    path = folder / "floor.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    payload = "x" * 200
    start = time.perf_counter()
    for _ in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", (payload,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- an instance with the network -----------------------------------------------------------------

def instance_at(folder: Path, url: str | None = None) -> Any:
    from governance.config import config_path, config_text
    from governance.service.context import open_instance
    from governance.service.setup import init_instance

    folder.mkdir(parents=True, exist_ok=True)
    if url:
        (folder / "config.toml").write_text(config_text(True).replace('url = "sqlite:///governance.db"', f'url = "{url}"'), encoding="utf-8")
    init_instance(folder, rehearsal=True)
    return open_instance(config_path(str(folder / "config.toml")), SETUP_NOW)


def populate(instance: Any) -> None:
    from governance.clock import parse_moment
    from governance.service import changes
    from governance.service.transaction import change

    def bootstrap(op: Any) -> None:
        changes.add_org(op, "SEC", "Secretariat", "secretariat", None, None)
        changes.add_person(op, "sec", "Secretariat officer", "sec@sec.example", "SEC", "en", ["secretariat"])

    change(instance, None, bootstrap)

    def work(op: Any) -> None:
        for i in range(MEMBERS):
            changes.add_org(op, f"M{i}", f"Member {i}", "member", None, None)
            changes.add_person(op, f"fp{i}", f"Focal point {i}", f"fp{i}@m{i}.example", f"M{i}", ("en", "ar", "fr")[i % 3], ["focal_point"])

    change(instance, "sec", work)

    def chair(op: Any) -> None:
        changes.designate_term(op, "chair", "M0", parse_moment("2021-01-01", op.rules.zone), 240, None)

    change(instance, "sec", chair)
    from governance.service.tick import tick

    tick(instance)


def bulk_records(instance: Any, count: int) -> None:
    """Stored history: `count` records (documents and actions) with their audit entries and deadline rows, inserted in bulk."""
    from sqlalchemy import insert, select

    from governance.clock import parse_moment
    from governance.store.models import Action, AuditEntry, AuditHead, Deadline, Document, DocumentVersion

    now = parse_moment(SETUP_NOW, instance.rules.zone)
    due = parse_moment("2040-01-01", instance.rules.zone)
    batch = 20000
    with instance.db.write() as session:
        head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
        seq, prev = head.seq, head.hash
        owner = session.scalar(select(Document.id).limit(1))
        del owner
        from governance.store.models import Organisation

        org_id = session.scalar(select(Organisation.id).where(Organisation.code == "M1"))
        next_doc = (session.scalar(select(Document.id).order_by(Document.id.desc()).limit(1)) or 0) + 1
        next_action = (session.scalar(select(Action.id).order_by(Action.id.desc()).limit(1)) or 0) + 1
    from governance.service.audit import digest

    made = 0
    while made < count:
        n = min(batch, count - made)
        half = n // 2
        docs = [{"id": next_doc + i, "type": "report", "title": f"Report {next_doc + i}", "state": "draft", "version": 1,
                 "current_version": 1, "circulation": 0, "created_at": now} for i in range(half)]
        versions = [{"document_id": d["id"], "number": 1, "text": "1. Text.\n", "filename": "r.txt", "sha256": "0" * 64,
                     "created_by": "sec", "created_at": now} for d in docs]
        actions = [{"id": next_action + i, "title": f"Follow-up {next_action + i}", "owner_org_id": org_id, "due": due,
                    "state": "open", "version": 1, "created_at": now} for i in range(n - half)]
        rows = []
        audits = []
        for ref in [f"D-{d['id']}" for d in docs] + [f"A-{a['id']}" for a in actions]:
            seq += 1
            entry = {"seq": seq, "at": now, "actor": "sec", "ref": ref, "trigger": "create", "from_state": None,
                     "to_state": "draft" if ref[0] == "D" else "open", "reason": None, "rule": None, "detail": None, "prev_hash": prev}
            entry["hash"] = prev = digest(entry, prev)
            audits.append(entry)
            if ref[0] == "A":
                rows.append({"ref": ref, "name": "due", "kind": "deadline", "due": due, "status": "pending", "scope": "open",
                             "fire": "lapse", "created_at": now})
        with instance.db.write() as session:
            if docs:
                session.execute(insert(Document), docs)
                session.execute(insert(DocumentVersion), versions)
            session.execute(insert(Action), actions)
            session.execute(insert(AuditEntry), audits)
            session.execute(insert(Deadline), rows)
            from sqlalchemy import update

            session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
        next_doc += half
        next_action += n - half
        made += n


# -- measurements ---------------------------------------------------------------------------------

@contextmanager
def scratch() -> Iterator[Path]:
    """A work folder beside the harness, removed whatever happens."""
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / "bench"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def stopwatch(profiler: Any = None) -> Iterator[list[float]]:
    """Times the block (the elapsed seconds land in the yielded list), profiling it when asked."""
    elapsed: list[float] = []
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - start)
        if profiler:
            profiler.disable()


def drafts(instance: Any, count: int, title: str) -> list[str]:
    """`count` draft documents created in one change; their references."""
    from governance.service import changes
    from governance.service.transaction import change

    refs: list[str] = []

    def create(op: Any) -> None:
        for i in range(count):
            refs.append(changes.create_document(op, "report", f"{title} {i}", "1. Text.\n", "d.txt", None).ref)

    change(instance, "sec", create)
    return refs


def advance_rate(instance: Any, count: int, profiler: Any = None) -> float:
    """Full transitions: roles, guards, state, audit, deadline rows and letters to every focal point (circulate)."""
    from governance.service import changes
    from governance.service.transaction import change

    refs = drafts(instance, count, "Draft")
    with stopwatch(profiler) as elapsed:
        for ref in refs:
            change(instance, "sec", lambda op, ref=ref: changes.advance(op, ref, "circulate", None, None, None))
    return count / elapsed[0]


def machine_step_us(instance: Any, count: int) -> float:
    """Microseconds per trigger through a workflow's Machine alone, nothing attached: the library's share of a step.

    A document in memory is circulated and put back to draft, `count` times; the best of five rounds.
    """
    from governance.store.models import Document
    from governance.workflows.machine import WorkflowMachine

    machine = WorkflowMachine(instance.workflows["document"])
    document = Document(type="report", title="Probe", state="draft", version=1, current_version=1, circulation=0)
    rounds = []
    for _ in range(5):
        with stopwatch() as elapsed:
            for _ in range(count):
                document.state = "draft"
                machine.fire(document, "circulate")
        rounds.append(elapsed[0] / count * 1e6)
    return min(rounds)


def tick_rate(instance: Any, rows: int, profiler: Any = None) -> float:
    """Due rows fired by tick: each a trigger through the service path (actions turning overdue)."""
    from sqlalchemy import update

    from governance.clock import parse_moment
    from governance.service.tick import tick
    from governance.store.models import Deadline

    bulk_records(instance, rows * 2)  # half of them actions, each with a `due` row
    moment = parse_moment("2040-01-02", instance.rules.zone)
    with instance.db.write() as session:
        session.execute(update(Deadline).where(Deadline.name == "due").values(due=parse_moment("2040-01-01", instance.rules.zone)))
    with stopwatch(profiler) as elapsed:
        report = tick(instance, moment)
    return len(report.fired) / elapsed[0]


def flat_ratio(folder: Path, small: int, large: int, runs: int) -> dict[str, float]:
    """Median latency of `advance` and `show` on a large store over the same on a small one.

    The two stores are measured in alternation, one operation each in turn, so a drift
    in the machine's speed during the run (other tenants, disk write-back after storing
    a million records) weighs on both sides alike instead of on whichever came last.
    """
    from governance.service import changes, queries
    from governance.service.transaction import change, reading

    instances, refs = {}, {}
    for label, size in (("small", small), ("large", large)):
        instance = instance_at(folder / f"flat-{label}")
        populate(instance)
        log(f"  storing {size:,} records")
        bulk_records(instance, size)
        instances[label], refs[label] = instance, drafts(instance, runs, "Probe")
    advance: dict[str, list[float]] = {"small": [], "large": []}
    show: dict[str, list[float]] = {"small": [], "large": []}
    for i in range(runs):
        for label, instance in instances.items():
            ref = refs[label][i]
            with stopwatch() as elapsed:
                change(instance, "sec", lambda op: changes.advance(op, ref, "circulate", None, None, None))
            advance[label] += elapsed
            with stopwatch() as elapsed, reading(instance, "sec") as op:
                queries.show(op, refs[label][0])
            show[label] += elapsed
    for instance in instances.values():
        instance.db.dispose()
    ms = {f"{op}_ms_{label}": statistics.median(times[label]) * 1000
          for op, times in (("advance", advance), ("show", show)) for label in ("small", "large")}
    return {**ms, "flat_ratio": max(ms["advance_ms_large"] / ms["advance_ms_small"], ms["show_ms_large"] / ms["show_ms_small"])}


def send_vs_smtplib(instance: Any, count: int) -> dict[str, float]:
    import smtplib

    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from governance.mail.backends import SmtpBackend
    from governance.service.sending import send_pending
    from governance.mail.message import build
    from governance.mail.sink import Sink
    from governance.service import changes
    from governance.service.transaction import change
    from governance.store.models import OutboxMessage

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        def make(op: Any) -> None:
            for i in range(count // MEMBERS + 1):
                doc = changes.create_document(op, "report", f"Mail {i}", "1. Text.\n", "m.txt", None)
                changes.advance(op, doc.ref, "circulate", None, None, None)

        change(instance, "sec", make)
        with instance.db.read() as session:
            rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending").limit(count)))
            session.expunge_all()
        letters = [build(r, "sec@example.org", "BENCH") for r in rows]
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for letter in letters:
                smtp.send_message(letter)
        raw = len(letters) / (time.perf_counter() - start)
        backend = SmtpBackend("127.0.0.1", port, False, "", "X")
        start = time.perf_counter()
        report = send_pending(instance, backend=backend, limit=len(letters))
        engine = report.sent / (time.perf_counter() - start)
    finally:
        controller.stop()
    return {"send_per_s": engine, "smtplib_per_s": raw, "send_vs_smtplib": engine / raw}


def pg_workers(folder: Path, url: str, rows: int, workers: int) -> dict[str, Any]:
    """Several tick processes against one PostgreSQL database: each due row fires once."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"gov_bench_{uuid.uuid4().hex[:10]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        db_url = base.set(database=name).render_as_string(hide_password=False)
        instance = instance_at(folder / "pg", db_url)
        populate(instance)
        bulk_records(instance, rows * 2)
        instance.db.dispose()
        command = [sys.executable, "-m", "governance", "--config", str(folder / "pg" / "config.toml"), "--now", "2040-01-02", "--json", "tick"]
        start = time.perf_counter()
        procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
        outputs = [p.communicate() for p in procs]
        elapsed = time.perf_counter() - start
        fired = [f for out, _ in outputs if out.strip() for f in json.loads(out)["fired"]]
        keys = [(f["ref"], f["name"]) for f in fired if f["name"] == "due"]
        with psycopg.connect(base.set(drivername="postgresql", database=name).render_as_string(hide_password=False)) as conn:
            lapses = conn.execute("SELECT count(*), count(DISTINCT ref) FROM audit WHERE trigger = 'lapse'").fetchone()
            pending = conn.execute("SELECT count(*) FROM deadlines WHERE name = 'due' AND status = 'pending'").fetchone()[0]
        return {"pg_workers": workers, "pg_rows": rows, "pg_duplicates": (len(keys) - len(set(keys))) + (lapses[0] - lapses[1]),
                "pg_missed": pending, "pg_rows_per_s": len(set(keys)) / elapsed}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def profile(what: str) -> None:
    """cProfile over one measurement, sorted by cumulative time: the bound of a target that is not met."""
    import cProfile
    import pstats

    with scratch() as work:
        instance = instance_at(work / what)
        populate(instance)
        profiler = cProfile.Profile()  # around the timed part only, as the measurement itself
        rate = advance_rate(instance, 150, profiler) if what == "advance" else tick_rate(instance, 500, profiler)
        instance.db.dispose()
        print(f"{what}: {rate:.1f} per second under the profiler")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def transition_cost(size: dict[str, int], as_json: bool) -> None:
    """Per call: a full advance through the service (three rounds, each on fresh drafts) and the Machine's own step."""
    with scratch() as work:
        instance = instance_at(work / "transition")
        populate(instance)
        advance_ms = [1000 / advance_rate(instance, size["advances"]) for _ in range(3)]
        result = {"advance_ms_per_call": advance_ms, "advance_ms_best": min(advance_ms),
                  "machine_step_us": machine_step_us(instance, size["machine_steps"])}
        instance.db.dispose()
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")


# -- the web application, in process ---------------------------------------------------------------

WEB_KEY = "bench-signing-key-" + "0" * 32


@contextmanager
def signing_key(instance: Any) -> Iterator[None]:
    """The instance's signing key in the environment (where `gov serve` reads it), for the length of the block."""
    name = instance.settings.web.secret_key_env
    saved = os.environ.get(name)
    os.environ[name] = WEB_KEY
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def _letter_links(instance: Any, template: str, action: str) -> list[str]:
    """The paths of the `action` links in the letters of `template` queued so far (as a recipient would click them)."""
    import re

    from sqlalchemy import select

    from governance.store.models import OutboxMessage

    with instance.db.read() as session:
        bodies = session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.template == template).order_by(OutboxMessage.id))
        return ["/" + url.split("/", 3)[3] for body in bodies for url in re.findall(rf"^(https?://\S+/{action})$", body, re.M)]


def _hidden(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def link_approve_rate(instance: Any, count: int) -> float:
    """Approvals through the link's POST (the Flask application in process): the chair's one tap from a letter, each its
    own transaction (the link's nonce consumed with the change, the invitations queued)."""
    from governance.clock import parse_moment
    from governance.service import changes
    from governance.service.transaction import change
    from governance.web import create_app

    zone = instance.rules.zone
    with signing_key(instance):
        def plan(op: Any) -> list[str]:
            return [changes.create_meeting(op, "general", f"Meeting {i}", parse_moment("2021-09-01T10:00", zone),
                                           parse_moment("2021-09-02T16:00", zone), "Ankara", False).ref for i in range(count)]

        refs, _ = change(instance, "sec", plan)
        for ref in refs:
            change(instance, "sec", lambda op, ref=ref: changes.advance(op, ref, "convene", None, None, None))
        paths = _letter_links(instance, "approval_requested", "approve")
        assert len(paths) == count, f"{len(paths)} approve links for {count} requests"
        app = create_app(instance)
        browser = app.test_client()
        forms = [(path, _hidden(browser.get(path).text)) for path in paths]  # opening a link changes nothing: not timed
        with stopwatch() as elapsed:
            for path, form in forms:
                answer = browser.post(path, data=form)
                assert answer.status_code == 200, answer.text[-300:]
    return count / elapsed[0]


def desk_latency(folder: Path, records: int, runs: int) -> dict[str, float]:
    """The secretariat's desk page (GET /desk, signed in, in process) with `records` stored, p50 and p95, against the
    CLI's `show` query on the same instance."""
    from governance.service import links, queries
    from governance.service.transaction import reading
    from governance.web import create_app

    instance = instance_at(folder / "desk")
    populate(instance)
    log(f"  storing {records:,} records")
    bulk_records(instance, records)
    probe = drafts(instance, 1, "Probe")[0]
    with signing_key(instance):
        app = create_app(instance)
        browser = app.test_client()
        links.request_sign_in(instance, "sec@sec.example")
        path = [p for p in _letter_links(instance, "account/sign_in", r"[^/\s]+") if "/sign-in/" in p][-1]
        answer = browser.post(path, data=_hidden(browser.get(path).text))
        assert answer.status_code == 303, answer.text[-300:]
        desk: list[float] = []
        show: list[float] = []
        for _ in range(runs):
            with stopwatch() as elapsed:
                page = browser.get("/desk")
            assert page.status_code == 200
            desk += elapsed
            with stopwatch() as elapsed, reading(instance, "sec") as op:
                queries.show(op, probe)
            show += elapsed
    instance.db.dispose()

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    out = {"desk_ms_p50": pct(desk, 0.5), "desk_ms_p95": pct(desk, 0.95), "show_ms_p50": pct(show, 0.5), "show_ms_p95": pct(show, 0.95),
           "desk_records": float(records)}
    out["desk_vs_show_p50"] = out["desk_ms_p50"] / out["show_ms_p50"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true", help="a run under two minutes")
    modes.add_argument("--smoke", action="store_true", help="the harness end to end at toy sizes (for CI; the numbers mean nothing)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--profile", choices=("advance", "tick"), help="profile one measurement (150 circulations, or 500 due rows) and print where its time goes")
    parser.add_argument("--transition", action="store_true", help="only the cost of one transition: advance (3 rounds) and the machine step")
    parser.add_argument("--web", action="store_true", help="only the web application's measures: approvals through the link "
                        "against the commit floor, and the desk's latency with many records stored against show")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return
    if args.transition:
        transition_cost(SIZES["quick" if args.quick else "smoke" if args.smoke else "full"], args.json)
        return
    mode = "quick" if args.quick else "smoke" if args.smoke else "full"
    size = SIZES[mode]
    result: dict[str, Any] = {"mode": mode, "quick": mode == "quick"}
    with scratch() as work:
        log("commit floor")
        result["commit_floor_per_s"] = commit_floor(work, size["commits"])
        web_measures(work, size, result)
        if args.web:
            report(result, args.json)
            return
        log("advance")
        instance = instance_at(work / "advance")
        populate(instance)
        result["advance_per_s"] = advance_rate(instance, size["advances"])
        result["advance_vs_floor"] = result["advance_per_s"] / result["commit_floor_per_s"]
        result["machine_step_us"] = machine_step_us(instance, size["machine_steps"])
        log("send")
        result.update(send_vs_smtplib(instance, size["letters"]))
        instance.db.dispose()
        log("tick")
        ticking = instance_at(work / "tick")
        populate(ticking)
        result["tick_rows"] = size["tick_rows"]
        result["tick_rows_per_s"] = tick_rate(ticking, size["tick_rows"])
        result["tick_vs_floor"] = result["tick_rows_per_s"] / result["commit_floor_per_s"]
        ticking.db.dispose()
        log("flat ratio")
        result["flat_records_small"], result["flat_records_large"] = 1000, size["flat_large"]
        result.update(flat_ratio(work, 1000, size["flat_large"], size["flat_runs"]))
        log("help")
        # The `gov` installed beside this interpreter (what a user runs), else the module form of the same entry point.
        found = shutil.which("gov", path=str(Path(sys.executable).parent)) or shutil.which("gov")
        gov = [found] if found else [sys.executable, "-m", "governance"]
        python = wall([sys.executable, "-c", "pass"], size["wall_runs"])
        helped = wall([*gov, "--help"], size["wall_runs"])
        result["help_s"], result["python_s"], result["help_vs_python"] = helped, python, helped / python
        url = os.environ.get("GOV_TEST_DATABASE_URL")
        if url:
            log("postgresql workers")
            result.update(pg_workers(work, url, size["pg_rows"], 4))
    report(result, args.json)


def web_measures(work: Path, size: dict[str, int], result: dict[str, Any]) -> None:
    log("link approvals")
    instance = instance_at(work / "link")
    populate(instance)
    result["link_approve_per_s"] = link_approve_rate(instance, size["link_approvals"])
    result["link_approve_vs_floor"] = result["link_approve_per_s"] / result["commit_floor_per_s"]
    instance.db.dispose()
    log("desk latency")
    result.update(desk_latency(work, size["desk_records"], size["desk_runs"]))


def report(result: dict[str, Any], as_json: bool) -> None:
    targets = {"advance_vs_floor": (">=", 0.5), "tick_vs_floor": (">=", 1.0), "flat_ratio": ("<=", 1.3),
               "help_vs_python": ("<=", 4.0), "send_vs_smtplib": (">=", 0.8), "pg_duplicates": ("==", 0), "pg_missed": ("==", 0)}
    result["targets_met"] = {k: (result[k] >= v if op == ">=" else result[k] <= v if op == "<=" else result[k] == v)
                             for k, (op, v) in targets.items() if k in result}
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value:.3f}" if isinstance(value, float) else f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
