"""Engine and sessions: SQLite durable and serialised for writers, PostgreSQL as it comes; one transaction per call."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager, suppress
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from governance.errors import BadInput

# The Alembic revision this code expects; a test holds it equal to the migrations' head.
SCHEMA_HEAD = "0009"


class Database:
    def __init__(self, url: str, password_env: str | None = None) -> None:
        """An engine for `url`; with `password_env` naming a set variable, its value is the password (kept out of files).

        A URL that names no database this engine can drive is bad input, said in one sentence (BadInput).
        """
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        try:
            target = make_url(url)
            if password_env and os.environ.get(password_env) and not self.is_sqlite:
                target = target.set(password=os.environ[password_env])
            if self.is_sqlite:
                _create_private(target.database)
            self.engine: Engine = _engine_for(target, self.is_sqlite)
        except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
            raise BadInput(f"cannot reach the database at {_hidden(url)}: {_reason(exc)}") from None
        except OSError as exc:
            raise BadInput(f"cannot reach the database at {_hidden(url)}: {exc.strerror or exc}") from None
        self._writer = sessionmaker(self.engine.execution_options(immediate=True), expire_on_commit=False)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The one transaction of a change: committed when the block ends, rolled back if it raises."""
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader.begin() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection, or one sentence saying why the database cannot be reached (BadInput)."""
        try:
            conn = self.engine.connect()
        except DBAPIError as exc:
            raise BadInput(f"cannot reach the database at {self.safe_url()}: {_reason(exc)}") from None
        with conn:
            yield conn

    def schema_revision(self) -> str | None:
        """The schema's Alembic revision; None when the database holds none yet (raises BadInput when unreachable)."""
        with self.connection() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except (OperationalError, ProgrammingError):
                return None

    def require_current(self) -> None:
        revision = self.schema_revision()
        if revision is None:
            raise BadInput(f"the database at {self.safe_url()} is not initialised; run `gov init` first")
        if revision != SCHEMA_HEAD:
            raise BadInput(f"the database is at schema {revision}, this engine needs {SCHEMA_HEAD}; run `gov init` to upgrade it")

    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Give back every connection. The engine itself stays for the next opening of the same database in this
        process (see _engine_for)."""
        self.engine.dispose()


# Engines by database, kept across openings in one process (the web application, the scheduler, calls in process):
# an engine keeps the SQL it has compiled, which a new engine would compile again for every statement. Disposing an
# engine closes its connections and leaves it usable; the oldest is let go when more databases than this are open.
_ENGINES: dict[str, Engine] = {}
_ENGINES_KEPT = 8


def _engine_for(target: URL, is_sqlite: bool) -> Engine:
    key = target.render_as_string(hide_password=False)
    engine = _ENGINES.pop(key, None)
    if engine is None:
        kwargs: dict[str, object] = {}
        if is_sqlite:
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs["pool_pre_ping"] = True
            if target.get_backend_name() == "postgresql":  # an unreachable host answers in seconds, not minutes
                kwargs["connect_args"] = {"connect_timeout": 15}
        engine = create_engine(target, **kwargs)
        if is_sqlite:
            _sqlite_settings(engine)
        while len(_ENGINES) >= _ENGINES_KEPT:
            _ENGINES.pop(next(iter(_ENGINES))).dispose()
    _ENGINES[key] = engine  # the newest last: the oldest goes first
    return engine


def _create_private(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only; SQLite gives its -wal and -shm files the same mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # An existing database keeps the mode its owner gave it.
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _hidden(url: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _reason(exc: BaseException) -> str:
    """The first line of what the driver said (never the URL itself, which may hold a password)."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return (lines[0].strip() if lines else type(inner).__name__).rstrip(".")


def _sqlite_settings(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Take transaction control from the driver so BEGIN IMMEDIATE can be issued.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # Writers take the write lock up front: concurrent changes queue instead of failing mid-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")
