"""A write transaction as its callers see it, and the connections it runs on.

Kept apart from db/engine.py so that both ways of running a write, PostgreSQL's
(db/engine.py) and SQLite's batches (db/groupcommit.py), can build one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql.base import Executable

from shomik.db.eventids import EventIds, OrderedIds
from shomik.db.turns import Send

AfterCommit = Callable[[], Awaitable[None]]
BeforeCommit = Callable[[], Awaitable[None]]


class Conn(Protocol):
    """What repositories need of a connection: async `execute`. Both SQLAlchemy's
    AsyncConnection and the in-line SQLite writer (`InlineConn`) provide it."""

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...


class InlineConn:
    """A synchronous SQLAlchemy connection behind the async `execute` of `Conn`."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def sync_connection(self) -> Connection:
        return self._conn

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._conn.execute(statement, parameters)


class WriteTx:
    """One write transaction. `before_commit` callbacks (the event log's inserts, their
    ids) run in the event-order section right before the commit; `after_commit` ones
    (publication) after it, in the order of the ids; `sends` (frames to this process's
    sockets, added by the publication) in that order too, in the write's turn on
    PostgreSQL (db/turns.py)."""

    def __init__(self, conn: Conn, ids: EventIds | OrderedIds | None = None) -> None:
        self.conn = conn
        self._before: list[BeforeCommit] = []
        self._after: list[AfterCommit] = []
        self.sends: list[Send] = []
        # Rows for the event log, inserted together in the ordered section (realtime/events.py).
        self.event_rows: list[Any] = []
        # PostgreSQL: the event ids, taken in the section (a cluster's drawn by the insert,
        # under its order lock), and statements sent with the COMMIT in its round trip
        # (db/eventids.py).
        self.ids = ids
        self.with_commit: list[str] = []
        # The first of those ids: where the write's turn stands (db/turns.py).
        self.first_id: int | None = None

    def drawn(self, ids: Iterator[int]) -> None:
        """A cluster's write, committed: its events take their ids, drawn by its insert
        (`OrderedIds.commit`), from `ids`, the batch's in the order of its statements."""
        for pending in self.event_rows:
            seq = next(ids, None)
            if seq is None:  # never: each insert's draw tells as many as it has rows
                raise RuntimeError("the COMMIT told fewer event ids than were inserted")
            pending.seq = seq

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

    async def publish(self) -> None:
        """After the commit, in the write's turn (db/turns.py): the `after_commit`
        callbacks (which read the audience and add the frames), then the frames; the
        write is over then."""
        try:
            await self.run_after_commit()
            await self.send_frames()
        finally:
            self.close()

    async def send_frames(self) -> None:
        for send in self.sends:
            send()

    def close(self) -> None:
        """Drop the callbacks once the write is over. They hold the transaction (`emit`'s
        do), a reference cycle only a garbage collection frees: on PostgreSQL, where a write
        lives across round trips, they outlived the young generations and a full collection
        mid-load freed 26,000 objects in 109 ms (docs/benchmarks.md)."""
        self._before.clear()
        self._after.clear()

    @property
    def ordered(self) -> bool:
        """It adds to the event log, so its commit must take its place in the order."""
        return bool(self._before)
