"""Fixtures: a real `gov` executable on a fresh instance, and the OIC-PESNET network built once and copied."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
GOV = shutil.which("gov", path=str(Path(sys.executable).parent)) or shutil.which("gov")


# A call in process takes over what a process has one of (its environment, argv, working folder, standard streams):
# calls from two threads (a test's control run beside its trials) take turns.
_IN_PROCESS = threading.Lock()


def run_in_process(argv: list[str], environment: dict[str, str], folder: Path) -> tuple[int, str, str]:
    """`gov ARGV` as a process would run it, in this one: (exit code, stdout, stderr)."""
    with _IN_PROCESS:
        return _run_in_process(argv, environment, folder)


def _run_in_process(argv: list[str], environment: dict[str, str], folder: Path) -> tuple[int, str, str]:
    import contextlib
    import io

    from governance.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved_environment, saved_argv, saved_folder = dict(os.environ), sys.argv, os.getcwd()
    os.environ.clear()
    os.environ.update(environment)
    sys.argv = [GOV or "gov", *argv]  # as the executable sees itself (the demo names it in its hints)
    os.chdir(folder)
    code: int = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        os.chdir(saved_folder)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_environment)
    return code, out.getvalue(), err.getvalue()


@dataclass
class Result:
    code: int
    out: str
    err: str
    args: tuple[str, ...]

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.err.strip().splitlines()[-1])["error"]

    def __repr__(self) -> str:
        return f"gov {' '.join(self.args)} -> {self.code}\nstdout: {self.out}\nstderr: {self.err}"


# Procedure tests run `gov` in this process (its `main`, argv, environment, working folder and standard streams
# as a process would have them): the same code path, without a second of interpreter start-up per call.
# GOV_TEST_SUBPROCESS=1 runs every call as a real process; tests of the executable itself use `Gov(..., process=True)`.
IN_PROCESS = os.environ.get("GOV_TEST_SUBPROCESS", "") in ("", "0")


class Gov:
    """Runs `gov` against one instance folder: in this process by default, or as the installed executable."""

    def __init__(self, folder: Path, process: bool = False) -> None:
        self.folder = folder
        self.config = folder / "config.toml"
        self.process = process or not IN_PROCESS

    def __call__(self, *args: str, actor: str | None = None, now: str | None = None, json_out: bool = False,
                 env: dict[str, str] | None = None, timeout: float = 120) -> Result:
        argv = ["--config", str(self.config)]
        if actor:
            argv += ["--as", actor]
        if now:
            argv += ["--now", now]
        if json_out:
            argv.append("--json")
        argv += list(args)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
        environment.update(env or {})
        if not self.process:
            code, out, err = run_in_process(argv, environment, self.folder)
            return Result(code, out, err, tuple(args))
        command = ([GOV] if GOV else [sys.executable, "-m", "governance"]) + argv
        done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=self.folder, timeout=timeout)
        return Result(done.returncode, done.stdout, done.stderr, tuple(args))

    def as_process(self) -> "Gov":
        """The same instance driven through the installed executable (for the CLI contract itself)."""
        return Gov(self.folder, process=True)

    @property
    def url(self) -> str:
        """The instance's database URL, whichever store it is on."""
        import tomllib

        url = tomllib.loads(self.config.read_text(encoding="utf-8"))["database"]["url"]
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{self.folder / url[len('sqlite:///'):]}"
        return url

    @property
    def on_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def sql(self, statement: str, **params: Any) -> list[Any]:
        """Run SQL on the instance's database directly (as a tamperer or a crash would), in its own transaction."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.code == 0, repr(result)
        return result

    def j(self, *args: str, **kwargs: Any) -> Any:
        """Run with --json, expect success, return the parsed document."""
        return self.ok(*args, json_out=True, **kwargs).json

    def refused(self, code: int, *args: str, **kwargs: Any) -> Result:
        result = self(*args, **kwargs)
        assert result.code == code, repr(result)
        assert "Traceback" not in result.err, repr(result)
        return result


def _init(folder: Path) -> Gov:
    """`gov init --rehearsal FOLDER`, in this process like every procedure call (the executable's own init is
    tested by the CLI contract tests)."""
    gov = Gov(folder)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GOV_")}
    if gov.process:
        done = subprocess.run([GOV or sys.executable, *([] if GOV else ["-m", "governance"]), "init", "--rehearsal", str(folder)],
                              capture_output=True, text=True, env=environment)
        code, err = done.returncode, done.stderr
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        code, _out, err = run_in_process(["init", "--rehearsal", str(folder)], environment, folder.parent)
    assert code == 0, err
    return gov


STORES = ("sqlite", "postgresql")


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """Every test of an instance runs on both stores: SQLite, and PostgreSQL from GOV_TEST_DATABASE_URL."""
    if request.param == "postgresql" and not os.environ.get("GOV_TEST_DATABASE_URL"):
        pytest.skip("GOV_TEST_DATABASE_URL is not set")
    return request.param


def _pg_admin() -> tuple[str, Any]:
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["GOV_TEST_DATABASE_URL"])
    return url.set(drivername="postgresql").render_as_string(hide_password=False), url


def _pg_create(template: str | None = None, admin: tuple[str, Any] | None = None) -> str:
    """A new PostgreSQL database (a copy of `template` when given); returns its SQLAlchemy URL."""
    import uuid

    import psycopg

    admin_url, url = admin or _pg_admin()
    name = f"gov_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return url.set(database=name).render_as_string(hide_password=False)


def _pg_drop(database_url: str, admin: str | None = None) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = admin or _pg_admin()[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')


class _Databases:
    """Test databases copied and dropped on a thread of their own. Copying or dropping a database waits on the
    disk for a good part of a second; here the copy for the next test is made while this one runs, and a finished
    test's database is dropped while the next one runs. The session's end waits until every one is gone."""

    def __init__(self) -> None:
        import queue
        import threading

        self.admin = _pg_admin()  # read now: an in-process `gov` call empties the environment while it runs
        self.work: "queue.Queue[tuple[str, str] | None]" = queue.Queue()
        self.spares: dict[str, "queue.Queue[str | None]"] = {}
        self.pending: dict[str, int] = {}  # copies asked for and not yet taken, by template (the tests' thread only)
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._run, name="test-databases", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.work.get()) is not None:
            what, name = job
            try:
                if what == "drop":
                    _pg_drop(name, self.admin[0])
                else:
                    self.spares[name].put(_pg_create(name, self.admin))
            except Exception as exc:  # said at the session's end; a copy that failed is made again by the test itself
                self.failures.append(f"{what} {name}: {exc}")
                if what == "copy":
                    self.spares[name].put(None)

    def copy_of(self, template: str) -> str:
        import queue

        spares = self.spares.setdefault(template, queue.Queue())
        ready = None
        if self.pending.get(template):
            self.pending[template] -= 1
            ready = spares.get()
        self.pending[template] = self.pending.get(template, 0) + 1
        self.work.put(("copy", template))  # the next test's copy, made while this one runs
        return ready or _pg_create(template, self.admin)

    def drop_later(self, url: str) -> None:
        self.work.put(("drop", url))

    def finish(self) -> None:
        if not self.thread.is_alive():
            return
        self.work.put(None)
        self.thread.join(timeout=600)
        for spares in self.spares.values():
            while not spares.empty():
                if (url := spares.get()) is not None:
                    _pg_drop(url, self.admin[0])


_databases: _Databases | None = None


def _test_databases() -> _Databases:
    global _databases
    if _databases is None:
        _databases = _Databases()
    return _databases


def _pg_drop_later(database_url: str) -> None:
    _test_databases().drop_later(database_url)


_SESSION_STARTED = time.time()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _databases is not None:
        _databases.finish()
        for failure in _databases.failures:
            print(f"a test database: {failure}", file=sys.stderr)
    if not hasattr(session.config, "workerinput"):  # the run itself, not one of its workers: all the tests are over
        _end_warm_processes()


def _end_warm_processes() -> None:
    """End the warm processes (cli/warm.py) the run's commands started, rather than leave them to their idle time."""
    from governance.cli import warm

    warm.end(warm.folder_for({k: v for k, v in os.environ.items() if not k.startswith("GOV_")}), _SESSION_STARTED - 1)


def _point_at(folder: Path, database_url: str) -> None:
    from governance.config import config_text

    config = folder / "config.toml"
    text = config.read_text(encoding="utf-8") if config.exists() else config_text(True)
    config.write_text(re.sub(r'(?m)^url = "[^"]*"', f'url = "{database_url}"', text, count=1), encoding="utf-8")


@pytest.fixture
def gov(tmp_path: Path, store: str) -> Any:
    """A freshly initialised, empty instance on the store of this run."""
    folder = tmp_path / "instance"
    if store == "sqlite":
        yield _init(folder)
        return
    database_url = _pg_create()
    folder.mkdir()
    _point_at(folder, database_url)
    yield _init(folder)
    _pg_drop_later(database_url)


# The network of FACTS.md, as of spring 2021: SESRIC the secretariat, İŞKUR in the chair,
# focal points writing in English, Arabic and French, and partners as observers.
NETWORK_SETUP: list[tuple[str, ...]] = [
    ("org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", "--country", "TUR"),
    ("person", "add", "sec", "--name", "Ayşe Demir", "--email", "sec@sesric.example", "--org", "SESRIC", "--role", "secretariat"),
]
MEMBERS = [
    ("ISKUR", "Turkish Employment Agency (İŞKUR)", "TUR", "iskur", "Mehmet Yılmaz", "en"),
    ("BHR", "Civil Service Bureau, Kingdom of Bahrain", "BHR", "bhr", "Ahmed Al-Khalifa", "ar"),
    ("MAR", "ANAPEC, Kingdom of Morocco", "MAR", "mar", "Fatima Benali", "fr"),
    ("EGY", "Ministry of Manpower, Egypt", "EGY", "egy", "Omar Hassan", "ar"),
    ("IDN", "Ministry of Manpower, Indonesia", "IDN", "idn", "Siti Rahma", "en"),
    ("SEN", "Agence nationale pour l'emploi, Senegal", "SEN", "sen", "Awa Diop", "fr"),
]
ACTOR_SEC = "sec"
NETWORK_NOW = "2021-03-01T09:00"


def _populate(gov: Gov) -> None:
    for args in NETWORK_SETUP:
        gov.ok(*args, actor=ACTOR_SEC if args[0] == "org" and args[2] != "SESRIC" else None, now=NETWORK_NOW)
    for code, name, country, handle, person, lang in MEMBERS:
        gov.ok("org", "add", code, "--name", name, "--kind", "member", "--country", country, actor=ACTOR_SEC, now=NETWORK_NOW)
        gov.ok("person", "add", handle, "--name", person, "--email", f"{handle}@{code.lower()}.example", "--org", code,
               "--lang", lang, "--role", "focal_point", actor=ACTOR_SEC, now=NETWORK_NOW)
    gov.ok("org", "add", "ILO", "--name", "International Labour Organization", "--kind", "observer", actor=ACTOR_SEC, now=NETWORK_NOW)
    gov.ok("person", "add", "ilo", "--name", "Jean Martin", "--email", "jean@ilo.example", "--org", "ILO", "--role", "observer",
           actor=ACTOR_SEC, now=NETWORK_NOW)
    # Its start has come: the term is active at once.
    gov.ok("term", "designate", "chair", "--org", "ISKUR", "--start", "2021-03-01", actor=ACTOR_SEC, now=NETWORK_NOW)


@pytest.fixture(scope="session")
def _network_templates(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The network built once per store and run; each test gets a copy (PostgreSQL: CREATE DATABASE ... TEMPLATE)."""
    built: dict[str, tuple[Path, str | None]] = {}

    def template(store: str) -> tuple[Path, str | None]:
        if store not in built:
            folder = tmp_path_factory.mktemp(f"network-{store}") / "instance"
            database_url = None
            if store == "postgresql":
                database_url = _pg_create()
                folder.mkdir()
                _point_at(folder, database_url)
            _populate(_init(folder))
            built[store] = (folder, database_url)
        return built[store]

    yield template
    if _databases is not None:
        _databases.finish()  # the spare copies of the templates first: a template cannot be dropped while copied
    for _, database_url in built.values():
        if database_url:
            _pg_drop(database_url)


@pytest.fixture
def network(_network_templates: Any, tmp_path: Path, store: str) -> Any:
    """An instance holding the OIC-PESNET network with İŞKUR's chair term active from 1 March 2021.

    People: sec (SESRIC, secretariat); focal points iskur (en, the chair's organisation), bhr (ar),
    mar (fr), egy (ar), idn (en), sen (fr); ilo (observer). T-1 is the chair's term.
    """
    source, template_url = _network_templates(store)
    folder = tmp_path / "instance"
    shutil.copytree(source, folder)
    if template_url is None:
        yield Gov(folder)
        return
    from sqlalchemy.engine import make_url

    database_url = _test_databases().copy_of(make_url(template_url).database)
    _point_at(folder, database_url)
    yield Gov(folder)
    _pg_drop_later(database_url)
