"""The database: one engine switch between SQLite (default) and PostgreSQL, and the only
way to write.

Every write goes through `Database.write()`. It serializes writers in this process, so
that event ids (the `seq` clients resume from) are committed in the order they are
published: a client that saw seq 11 can never later miss seq 10. SQLite has a single
writer anyway, so the lock costs nothing there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from shomik.settings import Settings


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        synchronous = settings.sqlite_synchronous

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


AfterCommit = Callable[[], Awaitable[None]]


class WriteTx:
    """One write transaction; callbacks registered here run after the commit."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._after: list[AfterCommit] = []

    def after_commit(self, callback: AfterCommit) -> None:
        self._after.append(callback)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[WriteTx]:
        """A serialized transaction. After-commit callbacks (event publication) run while the
        lock is still held, so live events leave in the order of their ids."""
        async with self._write_lock:
            async with self.engine.begin() as conn:
                tx = WriteTx(conn)
                yield tx
            for callback in tx._after:
                await callback()

    async def dispose(self) -> None:
        await self.engine.dispose()
