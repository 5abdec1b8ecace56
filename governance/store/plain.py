"""Plain rows: a store read through its driver alone, for reads that must answer at once.

Importing SQLAlchemy costs about twenty times the interpreter's own start-up, more than everything else `gov show`
does. A read that can say all it has to from a few rows asks them here, in one read-only transaction, as objects whose
attribute names are the models' (a row of `audit` has `.from_state`, a row of `meetings` has `.start`), with times
aware in UTC and booleans as booleans, the way the models' column types give them: a SQLite file through the standard
library's sqlite3, PostgreSQL through psycopg. Anything else (another driver, a URL with options, a database that
cannot be reached or holds a schema at another revision) is not read here: the caller takes the full path, which
says what is wrong in one sentence.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Sequence

from governance.store.db import SCHEMA_HEAD

_PREFIX = "sqlite:///"


class Unreadable(Exception):
    """The driver refused a query (a lock held too long, a connection lost): the full path reads it, or says why."""


class Row:
    """One row, its columns as attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _moment(raw: bytes) -> datetime:
    # SQLAlchemy writes a SQLite DATETIME as naive UTC text, "2021-01-04 06:00:00.000000" (store/types.py).
    return datetime.fromisoformat(raw.decode()).replace(tzinfo=timezone.utc)


# By the type each column was declared with: what the models' column types make of the stored values. Converters are
# the process's, but only a connection that asks for declared types (open_reader's) applies them; SQLAlchemy's do not.
sqlite3.register_converter("DATETIME", _moment)
sqlite3.register_converter("BOOLEAN", lambda raw: bool(int(raw)))


def stored(moment: datetime) -> str:
    """A moment as a SQLite column holds it, for comparing in SQL (text in the same format sorts by time)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


class Reader:
    """One read-only transaction; closed (and rolled back) when the `with` block ends. Queries are written with `?`
    for their parameters, and moments are given through `at` and read back through `moment`."""

    def __init__(self, connection: Any, sqlite: bool, errors: tuple[type[Exception], ...]) -> None:
        self._conn, self._sqlite, self._errors = connection, sqlite, errors

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [Row(dict(zip(names, map(self._value, values)))) for values in cursor.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self._execute(sql, params).fetchone()
        return self._value(found[0]) if found else None

    def at(self, moment: datetime) -> Any:
        """`moment` as a parameter compared with a time column."""
        return stored(moment) if self._sqlite else moment

    def moment(self, value: Any) -> datetime | None:
        """A time computed in SQL (min(due)), aware in UTC: SQLite hands such a value back as the text it stores."""
        return _moment(value.encode()) if isinstance(value, str) else value

    def _execute(self, sql: str, params: Sequence[Any]) -> Any:
        try:
            return self._conn.execute(sql if self._sqlite else sql.replace("?", "%s"), tuple(params))
        except self._errors as exc:
            raise Unreadable(str(exc)) from exc

    def _value(self, value: Any) -> Any:
        # PostgreSQL gives times in the session's zone; the models' column type gives them in UTC.
        return value.astimezone(timezone.utc) if isinstance(value, datetime) and not self._sqlite else value

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._conn.close()


def open_reader(url: str, password_env: str | None = None) -> Reader | None:
    """A read-only transaction on the database `url` names when it holds the schema this code expects; None otherwise
    (`password_env`, as for store.db.Database: the variable holding a PostgreSQL password kept out of files)."""
    if "?" in url:
        return None  # options in the URL are SQLAlchemy's to read
    if url.startswith(_PREFIX) and url != _PREFIX + ":memory:":
        return _sqlite_reader(Path(url[len(_PREFIX):]))
    if url.startswith(_PG_PREFIX):
        return _postgresql_reader("postgresql" + url[len(_PG_PREFIX) - 3:], password_env)
    return None


_PG_PREFIX = "postgresql+psycopg://"


def _sqlite_reader(path: Path) -> Reader | None:
    if not path.is_file():
        return None  # the full path says there is no database there
    try:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES)
    except sqlite3.Error:
        return None
    try:
        connection.execute("PRAGMA query_only=ON")
        connection.execute("BEGIN")  # one snapshot for every query of the read
        return _current(Reader(connection, True, (sqlite3.Error,)))
    except (sqlite3.Error, Unreadable):
        connection.close()
        return None


def _postgresql_reader(conninfo: str, password_env: str | None) -> Reader | None:
    try:
        import psycopg
    except ImportError:
        return None
    password = os.environ.get(password_env) if password_env else None
    try:
        # As the full path connects (store/db.py): an unreachable host answers in seconds, not minutes.
        connection = psycopg.connect(conninfo, connect_timeout=15, **({"password": password} if password else {}))
    except psycopg.Error:
        return None
    try:
        connection.read_only = True  # the transaction the first query opens is READ ONLY
        return _current(Reader(connection, False, (psycopg.Error,)))
    except (psycopg.Error, Unreadable):
        connection.close()
        return None


def _current(reader: Reader) -> Reader | None:
    """The reader, when its database holds the schema this code expects; closed, and None, when it does not."""
    if reader.value("SELECT version_num FROM alembic_version") != SCHEMA_HEAD:
        reader.__exit__(None, None, None)
        return None
    return reader
