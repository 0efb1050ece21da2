"""SQLite's one writer, with group commit.

SQLite has a single writer, so writes take turns whole, synchronously on the event loop's
thread (db/engine.py says why). What a send costs there is mostly its commit: in WAL mode
every commit appends each page it changed to the WAL (the messages and events tables'
leaves and their indexes, the chat's row), about a fifth of a send's CPU (py-spy during
benchmarks.run). Consecutive sends change the same pages, so writes that queue behind one
another share one commit: each runs in a SAVEPOINT of its own (a failing one is rolled
back alone), and the write that finds nobody queued behind it (or the batch full) commits
the batch, then runs every write's after-commit callbacks in the order their events were
numbered, under the lock, and only then does any of them return. Nothing is acknowledged
before its commit; an idle server commits each write at once, as before.

The writer's pysqlite connection runs with `isolation_level=None` and an explicit BEGIN
(SQLAlchemy's recipe for SAVEPOINT on pysqlite): left to itself, pysqlite begins only
before DML, and a SAVEPOINT outside a transaction would start one that its RELEASE commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, RootTransaction

from shomik.db.write_tx import InlineConn, WriteTx

log = logging.getLogger(__name__)

# More than this many writes in one commit would hold the first one's answer too long.
BATCH_MAX = 64
CHECKPOINT_EVERY_SECONDS = 1.0


def explicit_begin(engine: Engine) -> None:
    """SQLAlchemy's pysqlite recipe: no implicit BEGIN by the driver, ours instead."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


class _Batch:
    def __init__(self, trans: RootTransaction) -> None:
        self.trans = trans
        self.writes: list[WriteTx] = []
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # An after-commit callback's error goes to its own write's caller.
        self.errors: dict[int, BaseException] = {}


class SqliteWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = asyncio.Lock()
        self._queued = 0
        self._conn: Connection | None = None
        self._batch: _Batch | None = None
        self._checkpointer: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1
        try:
            batch = self._join_batch()
        except BaseException:
            self._lock.release()
            raise
        assert self._conn is not None
        tx = WriteTx(InlineConn(self._conn))
        savepoint = self._conn.begin_nested()
        joined = False
        try:
            yield tx
            await tx.run_before_commit()
            savepoint.commit()
            batch.writes.append(tx)
            joined = True
        finally:
            if savepoint.is_active:
                savepoint.rollback()
            await self._pass_on_or_commit(batch)
        if joined:
            await asyncio.shield(batch.committed)  # raises the commit's error, if any
            error = batch.errors.get(id(tx))
            if error is not None:
                raise error

    def _join_batch(self) -> _Batch:
        if self._conn is None:
            self._conn = self.engine.connect()
            self._checkpointer = asyncio.create_task(self._checkpoint_forever())
        if self._batch is None:
            self._batch = _Batch(self._conn.begin())
        return self._batch

    async def _pass_on_or_commit(self, batch: _Batch) -> None:
        """Called by the lock's holder at the end of its write, whatever became of it."""
        if self._queued and len(batch.writes) < BATCH_MAX and batch.trans.is_active:
            self._lock.release()  # the next writer joins this transaction
            return
        self._batch = None
        try:
            try:
                if batch.writes:
                    batch.trans.commit()
                else:
                    batch.trans.rollback()
            except BaseException as exc:
                if batch.trans.is_active:
                    batch.trans.rollback()
                batch.committed.set_exception(exc)
                batch.committed.exception()  # retrieved: a caller may be gone
                return
            cancelled: asyncio.CancelledError | None = None
            for tx in batch.writes:  # publication in the order the seqs were taken
                try:
                    await tx.run_after_commit()
                except asyncio.CancelledError as exc:
                    # This task's caller went away; the batch's other writes still publish.
                    cancelled = exc
                except Exception as exc:
                    batch.errors[id(tx)] = exc
            batch.committed.set_result(None)
            if cancelled is not None:
                raise cancelled
        finally:
            self._lock.release()

    async def _checkpoint_forever(self) -> None:
        # Its own connections, in worker threads: PASSIVE never blocks the writer.
        engine = sa.create_engine(self.engine.url, poolclass=sa.pool.NullPool)

        def checkpoint() -> None:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

        try:
            while True:
                await asyncio.sleep(CHECKPOINT_EVERY_SECONDS)
                try:
                    await asyncio.to_thread(checkpoint)
                except Exception:
                    log.exception("WAL checkpoint failed")
        finally:
            engine.dispose()

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
        if self._conn is not None:
            self._conn.close()
        self.engine.dispose()
