"""One write transaction and the connection interface repositories use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql.base import Executable

BeforeCommit = Callable[[], Awaitable[None]]
AfterCommit = Callable[[], Awaitable[None]]


class Conn(Protocol):
    """What repositories need of a connection: async `execute`. Both SQLAlchemy's
    AsyncConnection and the in-line SQLite writer below provide it."""

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...


class InlineConn:
    """A synchronous SQLAlchemy connection behind the async `execute` of `Conn`."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._conn.execute(statement, parameters)


class WriteTx:
    """One write transaction. `before_commit` callbacks (the event log's inserts) run in
    the event-order section right before the commit; `after_commit` ones (publication)
    after it, still in order."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self._before: list[BeforeCommit] = []
        self._after: list[AfterCommit] = []
        # Rows for the event log, inserted together in the ordered section (realtime/events.py).
        self.event_rows: list[Any] = []

    def before_commit(self, callback: BeforeCommit) -> None:
        self._before.append(callback)

    def after_commit(self, callback: AfterCommit) -> None:
        self._after.append(callback)

    async def run_before_commit(self) -> None:
        for callback in self._before:
            await callback()

    async def run_after_commit(self) -> None:
        for callback in self._after:
            await callback()

    @property
    def ordered(self) -> bool:
        """It adds to the event log, so its commit must take its place in the order."""
        return bool(self._before)
