"""Engine and sessions: SQLite durable and serialised for writers, PostgreSQL as it comes; one transaction per call."""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from governance.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine
    from sqlalchemy.orm import Session

# SQLAlchemy is imported where a database is opened, not here: `gov show` reads SCHEMA_HEAD and plain rows
# (store/plain.py) without it, and importing it costs twenty times the interpreter's own start-up.

# The Alembic revision this code expects; a test holds it equal to the migrations' head.
SCHEMA_HEAD = "0010"


class Database:
    def __init__(self, url: str, password_env: str | None = None) -> None:
        """An engine for `url`; with `password_env` naming a set variable, its value is the password (kept out of files).

        A URL that names no database this engine can drive is bad input, said in one sentence (BadInput).
        """
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError
        from sqlalchemy.orm import sessionmaker

        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        try:
            target = make_url(url)
            if password_env and os.environ.get(password_env) and not self.is_sqlite:
                target = target.set(password=os.environ[password_env])
            if self.is_sqlite:
                _create_private(target.database)
            self._shared = _engine_for(target, self.is_sqlite)
            self._released = False
            self.engine: Engine = self._shared.engine
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
        from sqlalchemy.exc import DBAPIError

        try:
            conn = self.engine.connect()
        except DBAPIError as exc:
            raise BadInput(f"cannot reach the database at {self.safe_url()}: {_reason(exc)}") from None
        with conn:
            yield conn

    def schema_revision(self) -> str | None:
        """The schema's Alembic revision; None when the database holds none yet (raises BadInput when unreachable)."""
        from sqlalchemy import text
        from sqlalchemy.exc import OperationalError, ProgrammingError

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
        """Give back every connection once no other opening of this database in the process is using the engine.
        The engine itself stays for the next opening (see _engine_for)."""
        with _ENGINES_LOCK:
            if self._released:
                return
            self._released = True
            self._shared.holders -= 1
            last = self._shared.holders == 0
        if last:
            self.engine.dispose()


# Engines by database, kept across openings in one process (the web application, the scheduler, calls in process):
# an engine keeps the SQL it has compiled, which a new engine would compile again for every statement. Openings of one
# database share its engine (threads among them), so its connections are closed when the last of them is disposed;
# the engine stays usable, and the oldest is let go when more databases than this are open.
@dataclass
class _Shared:
    engine: Engine
    holders: int = 0


_ENGINES: dict[str, _Shared] = {}
_ENGINES_KEPT = 8
_ENGINES_LOCK = threading.Lock()


def _engine_for(target: URL, is_sqlite: bool) -> _Shared:
    from sqlalchemy import create_engine

    key = target.render_as_string(hide_password=False)
    with _ENGINES_LOCK:
        shared = _ENGINES.pop(key, None)
        if shared is None:
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
            shared = _Shared(engine)
            while len(_ENGINES) >= _ENGINES_KEPT:
                oldest = _ENGINES.pop(next(iter(_ENGINES)))
                if oldest.holders == 0:  # one still open is disposed by its last holder
                    oldest.engine.dispose()
        shared.holders += 1
        _ENGINES[key] = shared  # the newest last: the oldest goes first
    return shared


def _create_private(database: str | None) -> None:
    """Create a new SQLite file readable by its owner only; SQLite gives its -wal and -shm files the same mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # An existing database keeps the mode its owner gave it.
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _hidden(url: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

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
    from sqlalchemy import event

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
