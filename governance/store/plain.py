"""Plain rows: a SQLite store read through the standard library's driver, for reads that must answer at once.

Importing SQLAlchemy costs about twenty times the interpreter's own start-up, more than everything else `gov show`
does. A read that can say all it has to from a few rows asks them here, in one read transaction, as objects whose
attribute names are the models' (a row of `audit` has `.from_state`, a row of `meetings` has `.start`), with times
aware in UTC and booleans as booleans, the way the models' column types give them. Anything else (PostgreSQL, a
file that is not there, a schema at another revision) is not read here: the caller takes the full path, which says
what is wrong in one sentence.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Sequence

from governance.store.db import SCHEMA_HEAD

_PREFIX = "sqlite:///"


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
    """One read transaction on a SQLite file; closed when the `with` block ends."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._conn.execute(sql, tuple(params))
        names = [d[0] for d in cursor.description]
        return [Row(dict(zip(names, values))) for values in cursor.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self._conn.execute(sql, tuple(params)).fetchone()
        return found[0] if found else None

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._conn.close()


def open_reader(url: str) -> Reader | None:
    """A read transaction on the SQLite file `url` names when it holds the schema this code expects; None otherwise."""
    if not url.startswith(_PREFIX) or "?" in url or url == _PREFIX + ":memory:":
        return None
    path = Path(url[len(_PREFIX):])
    if not path.is_file():
        return None  # the full path creates nothing on a read either, and says why
    try:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES)
    except sqlite3.Error:
        return None
    try:
        connection.execute("PRAGMA query_only=ON")
        connection.execute("BEGIN")  # one snapshot for every query of the read
        if connection.execute("SELECT version_num FROM alembic_version").fetchone() != (SCHEMA_HEAD,):
            raise sqlite3.Error("another schema revision")
    except sqlite3.Error:
        connection.close()
        return None
    return Reader(connection)
