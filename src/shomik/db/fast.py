"""The hot path's few statements on PostgreSQL, straight through asyncpg.

A statement through SQLAlchemy's asyncio layer costs about 130 us of CPU on PostgreSQL (a
greenlet per call, the cursor emulation of its asyncpg adapter, execution context and
result objects), straight through asyncpg about 27 us (`python -m benchmarks.pg_send_cpu
--per-statement`). The five statements of a send (send gate, seq, insert, members' rows,
event) and every command's session check are compiled once here and run on the pooled
connection's asyncpg connection, in its transaction. Everything else goes through
SQLAlchemy.

On SQLite the same statements run straight on the pysqlite connection under the in-line
writer or quick reader (db/engine.py `InlineConn`): SQLAlchemy's execution costs more than
SQLite's own work for such a statement there too. They are compiled for SQLite on first
use, with the live dialect (RETURNING depends on the library's version), and results go
through SQLAlchemy's result processors (SQLite stores timestamps as text).

Parameters go through their types' bind processors, as through SQLAlchemy; results are
taken as asyncpg gives them, so only statements whose result types need no conversion
qualify (integers, text, booleans, timezone-aware timestamps, JSON): checked when one is
compiled. Errors come out as SQLAlchemy's, so callers and errors.database_down see what
they would have seen; a lost connection is invalidated, as SQLAlchemy does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

from shomik.db.engine import Conn, InlineConn
from shomik.db.lanes import KNOWN, failed

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

HotStatement = sa.Select[Any] | sa.CompoundSelect[Any] | sa.Update | sa.Insert


class Hot:
    """A statement compiled once for asyncpg: its SQL and the order of its parameters."""

    def __init__(self, statement: HotStatement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self._column_keys = list(column_keys or [])
        compiled = statement.compile(dialect=_DIALECT, column_keys=self._column_keys)
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        names = list(compiled.positiontup or [])
        fixed = compiled.construct_params(_check=False) or {}
        if any(compiled.binds[n].expanding for n in names):
            raise ValueError("an expanding IN parameter: not a hot statement")
        for column in getattr(statement, "exported_columns", []):
            if _converts_result(column.type):
                raise ValueError(f"{column}: a result asyncpg cannot give as it is")
        self._names = names
        self._processors = [
            compiled.binds[n].type.dialect_impl(_DIALECT).bind_processor(_DIALECT) for n in names
        ]
        # Values written into the statement itself (`chats.type == "private"`).
        self._fixed = {n: fixed[n] for n in names if fixed.get(n) is not None}

        self.sqlite: _SqliteForm | None = None

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = [params[n] if n in params else self._fixed.get(n) for n in self._names]
        return [v if p is None else p(v) for v, p in zip(values, self._processors, strict=True)]

    def for_sqlite(self, dialect: Dialect) -> _SqliteForm:
        if self.sqlite is None:
            self.sqlite = _SqliteForm(self.statement, self._column_keys, dialect)
        return self.sqlite


class _SqliteForm:
    """The statement compiled for the pysqlite dialect in use: SQL with `?` parameters,
    their bind processors in order, and a result processor per column (or none at all)."""

    def __init__(self, statement: HotStatement, column_keys: list[str], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        assert isinstance(compiled, SQLCompiler) and dialect.paramstyle == "qmark"
        self.sql = str(compiled)
        self._names = list(compiled.positiontup or [])
        fixed = compiled.construct_params(_check=False) or {}
        self._fixed = {n: fixed[n] for n in self._names if fixed.get(n) is not None}
        self._binds = [
            compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect)
            for n in self._names
        ]
        results: list[Callable[[Any], Any] | None] = [
            column[3].dialect_impl(dialect).result_processor(dialect, None)
            for column in compiled._result_columns
        ]
        self._results = results if any(results) else None

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = [params[n] if n in params else self._fixed.get(n) for n in self._names]
        return [v if p is None else p(v) for v, p in zip(values, self._binds, strict=True)]

    def run(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        args = self.args(params)
        dbapi: Any = conn.connection.dbapi_connection
        try:
            rows = dbapi.execute(self.sql, args).fetchall()
        except sqlite3.Error as exc:
            # As SQLAlchemy raises it: IntegrityError, OperationalError (database_down)...
            raise sa.exc.DBAPIError.instance(self.sql, args, exc, sqlite3.Error) from exc
        if self._results is None:
            return list(rows)
        processors = self._results
        return [
            tuple(v if p is None else p(v) for v, p in zip(row, processors, strict=True))
            for row in rows
        ]


def _converts_result(type_: sa.types.TypeEngine[Any]) -> bool:
    try:
        impl = type_.dialect_impl(_DIALECT)
        return impl.result_processor(_DIALECT, None) is not None
    except TypeError:  # one that needs to know the column's type to tell: numerics
        return True


async def _driver(conn: Conn) -> Any | None:
    """The asyncpg connection under `conn`, where a statement run on it directly lands where
    it would through SQLAlchemy: in autocommit (every lane, db/lanes.py, whose writes begin
    their own transaction), or in a transaction already begun. None otherwise (a SQLAlchemy
    transaction whose lazy BEGIN is not sent yet): the statement then goes through
    SQLAlchemy, which sends it."""
    if not isinstance(conn, AsyncConnection) or conn.dialect.name != "postgresql":
        return None
    fairy = conn.sync_connection.connection if conn.sync_connection is not None else None
    if fairy is None or fairy.dbapi_connection is None:
        return None
    adapter: Any = fairy.dbapi_connection
    driver: Any = fairy.driver_connection
    return driver if adapter.autocommit or driver.is_in_transaction() else None


async def fetch(conn: Conn, hot: Hot, params: Mapping[str, Any]) -> Sequence[Any]:
    """The statement's rows: asyncpg Records on PostgreSQL, SQLAlchemy Rows elsewhere. Both
    are read by position."""
    if isinstance(conn, InlineConn):
        sync = conn.sync_connection
        return hot.for_sqlite(sync.dialect).run(sync, params)
    driver = await _driver(conn)
    if driver is None:
        return (await conn.execute(hot.statement, dict(params))).all()
    assert isinstance(conn, AsyncConnection)
    try:
        return list(await driver.fetch(hot.sql, *hot.args(params)))
    except KNOWN as exc:
        await failed(conn, hot.sql, exc)


async def fetch_one(conn: Conn, hot: Hot, params: Mapping[str, Any]) -> Any:
    """Exactly one row, as SQLAlchemy's `.one()`."""
    rows = await fetch(conn, hot, params)
    if not rows:
        raise sa.exc.NoResultFound("No row was found when one was required")
    if len(rows) > 1:
        raise sa.exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
    return rows[0]
