"""SQLite's writes: those of one turn of the event loop share one COMMIT (group commit).

SQLite has one writer, and its writes run in-line on the event loop's thread (db/engine.py):
each used to be a transaction of its own, and its COMMIT was the largest single piece of a
send's CPU after the statements themselves (py-spy at saturation: 12 % of the server's
samples). A COMMIT in WAL mode writes every page the transaction changed; consecutive
messages change mostly the same pages (the messages' and events' last leaves, the chat's
row, the full-text index's pending segment), so one COMMIT for several writes writes each
such page once. Writes arrive together exactly when the server is busy: under load the
sockets that became readable in one turn of the loop all send in the next.

How: the first write of a turn begins the batch's transaction and starts its flush, a task
that runs on the next turn. Writes run one at a time under the write lock, as before; each
one after the first runs in a SAVEPOINT of its own. One that fails rolls back to it (the
first: the whole transaction, which holds nothing else yet) and raises at once, changing
nothing, while the others keep theirs. A write that succeeded waits for the flush, which
COMMITs and then runs each write's after-commit steps (publication) and frames in the order
the writes ran, which is their event ids' order. Only then does the write's caller go on:
nothing is acknowledged before its COMMIT (docs/architecture.md). A COMMIT that fails fails
every write of the batch, none of which was acknowledged. A flush stopped mid-way (the server
stopping) fails the callers still waiting: their writes are committed, and a client's retry
finds its message by its clientId.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RootTransaction

from shomik.db.tx import InlineConn, WriteTx

log = logging.getLogger(__name__)


class _Batch:
    __slots__ = ("dbapi", "ended", "failed", "transaction", "writes")

    def __init__(self, transaction: RootTransaction, dbapi: Any) -> None:
        self.transaction = transaction
        self.dbapi = dbapi
        # Each write that succeeded, with the future its caller waits on.
        self.writes: list[tuple[WriteTx, asyncio.Future[None]]] = []
        self.ended = False  # committed or rolled back
        # Set when the transaction could not be kept: every write of the batch fails.
        self.failed: BaseException | None = None


def _driver_error(sql: str, exc: sqlite3.Error) -> sa.exc.StatementError:
    # As SQLAlchemy raises it: callers and errors.database_down see what they expect.
    return sa.exc.DBAPIError.instance(sql, None, exc, sqlite3.Error)


class GroupCommit:
    def __init__(self, connect: Callable[[], Connection], on_first: Callable[[], None]) -> None:
        self._connect = connect
        self._on_first = on_first  # the first write ever: start the WAL checkpointer
        self._conn: Connection | None = None
        self._lock = asyncio.Lock()
        self._batch: _Batch | None = None
        self._flushes: set[asyncio.Task[None]] = set()  # held: the loop keeps weak ones only

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        async with self._lock:
            conn = self._conn
            if conn is None:
                conn = self._conn = self._connect()
                self._on_first()
            batch = self._batch
            # The batch's first write needs no savepoint: if it fails, the transaction
            # holds nothing else and is rolled back whole. So a write alone (a quiet
            # server) costs nothing more than before, and under load only the others pay
            # for the savepoint's sub-journal.
            savepoint = batch is not None
            if batch is None:
                batch = self._open(conn)
            else:
                self._run(batch.dbapi, "SAVEPOINT w")
            tx = WriteTx(InlineConn(conn))
            try:
                yield tx
                await tx.run_before_commit()
                if savepoint:
                    self._run(batch.dbapi, "RELEASE w")
            except BaseException:
                tx.close()
                if savepoint:
                    self._undo(batch)
                else:
                    self._end(batch, commit=False)
                raise
            done = asyncio.get_running_loop().create_future()
            batch.writes.append((tx, done))
        await done

    def _open(self, conn: Connection) -> _Batch:
        dbapi: Any = conn.connection.dbapi_connection
        batch = _Batch(conn.begin(), dbapi)
        # pysqlite begins a transaction only before an INSERT, UPDATE or DELETE; a
        # SAVEPOINT outside one would begin one of its own, which its RELEASE would commit.
        if not dbapi.in_transaction:
            try:
                self._run(dbapi, "BEGIN")
            except BaseException:
                batch.transaction.rollback()
                raise
        self._batch = batch
        flush = asyncio.get_running_loop().create_task(self._flush(batch))
        self._flushes.add(flush)
        flush.add_done_callback(self._flushes.discard)
        return batch

    @staticmethod
    def _run(dbapi: Any, sql: str) -> None:
        try:
            dbapi.execute(sql)
        except sqlite3.Error as exc:
            raise _driver_error(sql, exc) from exc

    def _undo(self, batch: _Batch) -> None:
        """A write failed: undo its statements only. If SQLite already rolled the whole
        transaction back (some errors do: a full disk, an I/O error), the batch's earlier
        writes are gone with it: they fail too."""
        try:
            batch.dbapi.execute("ROLLBACK TO w")
            batch.dbapi.execute("RELEASE w")
        except sqlite3.Error as exc:
            log.warning("a write's savepoint could not be rolled back: %s", exc)
            batch.failed = _driver_error("ROLLBACK TO w", exc)
            self._end(batch, commit=False)

    def _end(self, batch: _Batch, *, commit: bool) -> None:
        if self._batch is batch:
            self._batch = None
        batch.ended = True
        try:
            if commit:
                batch.transaction.commit()
                return
        except Exception as exc:
            batch.failed = exc
        try:
            batch.transaction.rollback()
            # A COMMIT that failed (a deferred constraint) leaves SQLite's transaction
            # open, and SQLAlchemy's rollback of a failed commit does not reach it.
            if batch.dbapi.in_transaction:
                batch.dbapi.rollback()
        except Exception:
            log.exception("rolling back a failed batch of writes failed")

    async def _flush(self, batch: _Batch) -> None:
        async with self._lock:  # a write in progress (one that awaits) finishes first
            if not batch.ended:
                self._end(batch, commit=True)
            try:
                for tx, done in batch.writes:
                    self._finish(tx, done, await self._publish(batch, tx))
            finally:
                # Only if this task was cancelled mid-way (the server stopping): a caller
                # must not wait forever. Its write is committed; a retry finds it.
                for tx, done in batch.writes:
                    tx.close()
                    if not done.done():
                        done.set_exception(RuntimeError("stopped before its publication"))

    @staticmethod
    async def _publish(batch: _Batch, tx: WriteTx) -> BaseException | None:
        if batch.failed is not None:
            return batch.failed
        try:
            await tx.run_after_commit()
            for send in tx.sends:
                send()
        except Exception as exc:
            return exc
        return None

    @staticmethod
    def _finish(tx: WriteTx, done: asyncio.Future[None], outcome: BaseException | None) -> None:
        tx.close()
        if done.done():  # its caller was cancelled; the write stands
            return
        if outcome is None:
            done.set_result(None)
        else:
            done.set_exception(outcome)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
