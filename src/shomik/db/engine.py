"""The database: one engine switch between SQLite (default) and PostgreSQL, and the only
way to write.

Every write goes through `Database.write()`. Event ids (the `seq` clients resume from) are
published in their order: a client that saw seq 11 can never later miss seq 10. On
PostgreSQL, writes to different chats run at the same time (db/gate.py); one process's
commits run side by side and publish in id order (db/turns.py), a cluster's event inserts
and commits take turns; on SQLite writers take turns whole, and those of one turn of the
event loop share a COMMIT (db/groupcommit.py).

On SQLite the write transaction runs on one dedicated connection, synchronously on the
event loop's thread. SQLite has a single writer anyway, its statements take microseconds,
and a commit in WAL mode with synchronous=NORMAL does not wait for the disk; what costs is
handing every statement to aiosqlite's thread and back (measured: 2.6 ms of CPU per send
through aiosqlite, 0.9 ms in-line). The one slow step, the WAL checkpoint that does reach
the disk, is taken off the loop: the writer never checkpoints, a background thread does.
Reads keep going through aiosqlite's threads, so a long history query never blocks the loop;
only `quick_read()`, for a few indexed look-ups that every request or socket makes, runs them
in-line too (measured: 250 us of CPU per read through aiosqlite, 25 us in-line).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shomik.db import lanes
from shomik.db.eventids import EventIds, OrderedIds
from shomik.db.gate import WriteGate, WriteKey
from shomik.db.groupcommit import GroupCommit
from shomik.db.sendbatch import SendBatches
from shomik.db.turns import Turns

# Re-exported: repositories take them from here.
from shomik.db.tx import AfterCommit, BeforeCommit, Conn, InlineConn, WriteTx
from shomik.settings import Settings

__all__ = ["AfterCommit", "BeforeCommit", "Conn", "Database", "InlineConn", "WriteTx"]

log = logging.getLogger(__name__)

# How often the background thread folds the WAL back into the database file.
CHECKPOINT_EVERY_SECONDS = 1.0


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
    # No pool_pre_ping: with asyncpg it costs three round trips (BEGIN, a ping, ROLLBACK) on
    # every checkout: a sixth of the server's samples on the send path (py-spy during the
    # PostgreSQL benchmark). A connection that died with the server fails its first
    # statement instead; SQLAlchemy then drops every pooled connection made before the
    # failure, and that one request is answered 503 `unavailable` (errors.database_down),
    # which clients retry.
    # NOTICEs always reach the client, whatever the role or database sets: a cluster's
    # event inserts tell their ids in one (db/eventids.py `OrderedIds`).
    notices = {"server_settings": {"client_min_messages": "notice"}}
    return create_async_engine(url, pool_size=10, max_overflow=10, connect_args=notices)


def _make_inline_writer(settings: Settings) -> Engine:
    url = settings.resolved_database_url.replace("sqlite+aiosqlite", "sqlite+pysqlite", 1)
    engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    event.listen(engine, "connect", _sqlite_pragmas(settings.sqlite_synchronous, False))
    return engine


def _make_inline_reader(settings: Settings) -> Engine:
    # A pool, not one shared connection: two quick reads may interleave at an await. Each
    # statement outside a write is its own snapshot in WAL mode, as through aiosqlite.
    url = settings.resolved_database_url.replace("sqlite+aiosqlite", "sqlite+pysqlite", 1)
    engine = sa.create_engine(url, pool_size=2, max_overflow=8)
    event.listen(engine, "connect", _sqlite_pragmas(settings.sqlite_synchronous, True))
    return engine


# PostgreSQL advisory lock keys of a cluster ("shomik" in ASCII, and its first four bytes
# as the namespace of the per-chat keys). Transaction-level: a commit or a dead connection
# releases them.
_GATE_KEY = 0x73686F6D696B
_ORDER_KEY = _GATE_KEY + 1
_NAMESPACES = {"chat": 0x73686F6D, "user": 0x73686F6E}
_ALONE = f"SELECT pg_advisory_xact_lock({_GATE_KEY})"
# Read only: REPEATABLE READ takes one snapshot at the first statement and keeps it.
_SNAPSHOT_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


def _beside_others(space: str, *ids: int) -> str:
    """The gate's shared side and the keys of `ids` (a batch of sends takes several, sorted:
    PostgreSQL takes them left to right, so two batches never wait for each other in a
    circle). Sent with the BEGIN in one round trip, so without parameters: integers only."""
    namespace = _NAMESPACES[space]
    keys = ", ".join(f"pg_advisory_xact_lock({namespace}::integer, {int(i)}::integer)" for i in ids)
    return f"SELECT pg_advisory_xact_lock_shared({_GATE_KEY}), {keys}"


def _chats_beside_others(chat_ids: Sequence[int]) -> str:
    return _beside_others("chat", *chat_ids)


# PostgreSQL connections kept checked out for quick reads and writes (db/lanes.py): of the
# pool's 10, the rest stay for reads, migrations and bursts.
LANES = 6


class Database:
    def __init__(self, engine: AsyncEngine, settings: Settings | None = None) -> None:
        self.engine = engine
        self._write_lock = asyncio.Lock()
        self._gate = WriteGate()
        self._turns = Turns()
        self.clustered = settings is not None and settings.clustered
        self._event_ids = OrderedIds(_ORDER_KEY) if self.clustered else EventIds()
        self.writer: Engine | None = None
        self.reader: Engine | None = None
        self._batches: GroupCommit | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        # Reads run in autocommit (on PostgreSQL on a lane): every statement is its own
        # snapshot, on both engines. A read whose statements must agree with each other
        # (a page and its totals) takes `snapshot()`.
        self._postgres = engine.dialect.name == "postgresql"
        self._lanes = lanes.Lanes(engine, LANES)
        # PostgreSQL: plain-text sends share transactions (db/sendbatch.py), a cluster's
        # behind the advisory locks of its write gate.
        self.send_batches: SendBatches | None = None
        if self._postgres:
            self.send_batches = SendBatches(
                self._lanes,
                self._gate,
                self._write_lock,
                self._event_ids,
                self._turns,
                _chats_beside_others if self.clustered else None,
            )
        if settings is not None and settings.is_sqlite:
            self.writer = _make_inline_writer(settings)
            self.reader = _make_inline_reader(settings)
            self._batches = GroupCommit(self.writer.connect, self._start_checkpoints)

    @property
    def concurrent(self) -> bool:
        """Writes to different chats run side by side (PostgreSQL)."""
        return self.writer is None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        if self._postgres:
            async with self._lanes.take() as lane:
                yield lane
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        """A read whose statements all see the database as of one moment: a page of the
        chat list and the totals beside it, or counts that add up to one another. Costs a
        BEGIN and a COMMIT more than `read()`."""
        if self._postgres:
            async with self._lanes.transaction(begin=_SNAPSHOT_BEGIN) as lane:
                yield lane
            return
        async with self.engine.connect() as conn:
            # pysqlite begins no transaction for a SELECT: an explicit BEGIN holds the WAL
            # snapshot of the first read until the end.
            await conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                await conn.exec_driver_sql("ROLLBACK")

    @asynccontextmanager
    async def quick_read(self) -> AsyncIterator[Conn]:
        """Reads for short indexed look-ups only (a token's session, the log's head): on
        SQLite in-line on the loop's thread, which blocks it for their few microseconds but
        saves the round trips to aiosqlite's thread; elsewhere the same as `read()`."""
        if self.reader is None:
            async with self.read() as conn:
                yield conn
            return
        with self.reader.connect() as sync_conn:
            yield InlineConn(sync_conn)

    @asynccontextmanager
    async def write(
        self, chat_id: int | None = None, *, user_id: int | None = None
    ) -> AsyncIterator[WriteTx]:
        """A write transaction. Event ids (the `seq` clients resume from) are taken, committed
        and published in one order: a client that saw seq 11 can never later miss seq 10.

        `chat_id`: everything this write changes belongs to that chat (and its members'
        rows in it); `user_id`: it changes only that user's own row. On PostgreSQL it then
        runs beside writes with other keys, and only the publication takes turns (in a
        cluster the event-log insert and the commit too); a write without a key runs alone
        (db/gate.py). SQLite has one writer anyway: its writes take turns whole."""
        if self._batches is not None:
            async with self._batches.write() as tx:
                yield tx
            return
        key: WriteKey | None = None
        if chat_id is not None:
            key = ("chat", chat_id)
        elif user_id is not None:
            key = ("user", user_id)
        if self.clustered:
            # Other processes write too: the gate is PostgreSQL's advisory locks.
            async with self._postgres_write(key) as tx:
                yield tx
            return
        async with self._gate.enter(key), self._postgres_write(key) as tx:
            yield tx

    @asynccontextmanager
    async def _postgres_write(self, key: WriteKey | None) -> AsyncIterator[WriteTx]:
        """One process: the commits run side by side, and what they publish goes out in
        the order of their event ids (db/turns.py). In this process an asyncio lock hands
        out the ids and the turns in one order; nothing waits on another write's round
        trip but the block of ids fetched every hundred events."""
        if self.clustered:
            async with self._cluster_write(key) as tx:
                yield tx
            return
        async with self._lanes.transaction() as conn:
            tx = WriteTx(conn, self._event_ids)
            handed_over = False
            try:
                yield tx
                if not tx.ordered:  # no event: nothing to send either
                    await lanes.run(conn, "COMMIT")
                    await tx.run_after_commit()
                    return
                async with self._write_lock:
                    await tx.run_before_commit()  # the ids (db/eventids.py)
                    turn = self._turns.take(tx.first_id)
                try:
                    await lanes.run(conn, "; ".join([*tx.with_commit, "COMMIT"]))
                except BaseException:
                    self._turns.pass_over(turn)
                    raise
                # Committed: published in its turn, by a task of its own if this one is
                # cancelled meanwhile (`publish` ends the write then).
                handed_over = True
                await self._turns.run(turn, tx.publish)
            finally:
                if not handed_over:
                    tx.close()

    @asynccontextmanager
    async def _cluster_write(self, key: WriteKey | None) -> AsyncIterator[WriteTx]:
        """The event-order section of a cluster: an advisory lock taken by the event insert
        as it draws the ids, sent with the commit that releases it (db/eventids.py), so ids
        commit in the order they were taken across processes. Publication (the Redis
        publish, after the commit, still under this process's lock) then leaves this
        process in id order, and the frames to this process's sockets follow in the same
        order after the lock; the bus mends the rare case of two processes' publications
        crossing (cluster/redis_bus.py)."""
        first = _ALONE if key is None else _beside_others(*key)
        async with self._lanes.transaction(first) as conn:
            tx = WriteTx(conn, self._event_ids)
            try:
                yield tx
                if not tx.ordered:
                    await lanes.run(conn, "COMMIT")
                    await tx.run_after_commit()
                    return
                assert isinstance(self._event_ids, OrderedIds)
                async with self._write_lock:
                    await tx.run_before_commit()
                    tx.drawn(iter(await self._event_ids.commit(conn, tx.with_commit)))
                    await tx.run_after_commit()
                    turn = self._turns.take()
            finally:
                tx.close()
        await self._turns.run(turn, tx.send_frames)

    def settled(self, head: int) -> int:
        """The log's `head` as a reader may be told it: below every event id still on its
        way to the sockets (db/turns.py). A `ready` seq past one would skip it."""
        return self._turns.settled(head)

    def _start_checkpoints(self) -> None:
        self._checkpointer = asyncio.get_running_loop().create_task(self._checkpoint_forever())

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
        if self._batches is not None:
            self._batches.close()
        if self.writer is not None:
            self.writer.dispose()
        if self.reader is not None:
            self.reader.dispose()
        await self._lanes.close()
        await self.engine.dispose()
