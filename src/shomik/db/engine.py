"""The database: one engine switch between SQLite (default) and PostgreSQL, and the only
way to write.

Every write goes through `Database.write()`. It serializes writers in this process, so
that event ids (the `seq` clients resume from) are committed in the order they are
published: a client that saw seq 11 can never later miss seq 10.

On SQLite the write transaction runs on one dedicated connection, synchronously on the
event loop's thread. SQLite has a single writer anyway, its statements take microseconds,
and a commit in WAL mode with synchronous=NORMAL does not wait for the disk; what costs is
handing every statement to aiosqlite's thread and back (measured: 2.6 ms of CPU per send
through aiosqlite, 0.9 ms in-line). The one slow step, the WAL checkpoint that does reach
the disk, is taken off the loop: the writer never checkpoints, a background thread does.
Reads keep going through aiosqlite's threads, so a long history query never blocks the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql.base import Executable

from shomik.settings import Settings

log = logging.getLogger(__name__)

# How often the background thread folds the WAL back into the database file.
CHECKPOINT_EVERY_SECONDS = 1.0


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


def _sqlite_pragmas(synchronous: str, checkpoint: bool) -> Callable[[Any, Any], None]:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if not checkpoint:
            cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    return apply


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        pragmas = _sqlite_pragmas(settings.sqlite_synchronous, checkpoint=True)
        event.listen(engine.sync_engine, "connect", pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _make_inline_writer(settings: Settings) -> Engine:
    url = settings.resolved_database_url.replace("sqlite+aiosqlite", "sqlite+pysqlite", 1)
    engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    event.listen(engine, "connect", _sqlite_pragmas(settings.sqlite_synchronous, False))
    return engine


AfterCommit = Callable[[], Awaitable[None]]

# The cluster's write lock (PostgreSQL advisory lock key: "shomik" in ASCII).
_CLUSTER_LOCK_KEY = 0x73686F6D696B
_LOCK = sa.text(f"SELECT pg_advisory_lock({_CLUSTER_LOCK_KEY})")
_UNLOCK = sa.text(f"SELECT pg_advisory_unlock({_CLUSTER_LOCK_KEY})")


class WriteTx:
    """One write transaction; callbacks registered here run after the commit."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self._after: list[AfterCommit] = []

    def after_commit(self, callback: AfterCommit) -> None:
        self._after.append(callback)


class Database:
    def __init__(self, engine: AsyncEngine, settings: Settings | None = None) -> None:
        self.engine = engine
        self._write_lock = asyncio.Lock()
        self.writer: Engine | None = None
        self._writer_conn: Connection | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        self.clustered = settings is not None and settings.clustered
        if settings is not None and settings.is_sqlite:
            self.writer = _make_inline_writer(settings)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        """A serialized transaction. After-commit callbacks (event publication) run while the
        lock is still held, so live events leave in the order of their ids."""
        async with self._write_lock:
            if self.writer is not None:
                if self._writer_conn is None:
                    self._writer_conn = self.writer.connect()
                    self._checkpointer = asyncio.create_task(self._checkpoint_forever())
                with self._writer_conn.begin():
                    tx = WriteTx(InlineConn(self._writer_conn))
                    yield tx
            elif self.clustered:
                async with self._cluster_write() as tx:
                    yield tx
                return
            else:
                async with self.engine.begin() as conn:
                    tx = WriteTx(conn)
                    yield tx
            for callback in tx._after:
                await callback()

    @asynccontextmanager
    async def _cluster_write(self) -> AsyncIterator[WriteTx]:
        """Several processes: a session-level advisory lock, taken before the transaction
        and released only after its after-commit callbacks have published its events, makes
        commit-and-publish one step cluster-wide (cluster/redis_bus.py). Ids of concurrent
        writers can then never commit, or be published, out of order. The lock dies with
        the connection if the process does."""
        async with self.engine.connect() as conn:
            await conn.execute(_LOCK)
            await conn.commit()  # a session lock: it outlives this autobegun transaction
            try:
                async with conn.begin():
                    tx = WriteTx(conn)
                    yield tx
                for callback in tx._after:
                    await callback()
            finally:
                try:
                    await conn.execute(_UNLOCK)
                    await conn.commit()
                except Exception:
                    # Never back to the pool still holding the lock: closing it frees it.
                    await conn.invalidate()
                    raise

    async def _checkpoint_forever(self) -> None:
        assert self.writer is not None
        # Its own connections, in worker threads: PASSIVE never blocks the writer.
        engine = sa.create_engine(self.writer.url, poolclass=sa.pool.NullPool)

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
        if self._writer_conn is not None:
            self._writer_conn.close()
        if self.writer is not None:
            self.writer.dispose()
        await self.engine.dispose()
