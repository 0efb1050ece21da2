"""PostgreSQL's plain-text sends share transactions (group commit), as SQLite's writes do
(db/groupcommit.py).

Each send on PostgreSQL was a transaction of its own: three round trips (BEGIN, the send
gate's statement, the event insert with the COMMIT) and a COMMIT that flushes the WAL to
disk. At 1,000 sends/s PostgreSQL's own processes took 0.45 of a core, a fifth of it in the
commits' flushes, and every send's frames went to the sockets in a turn of their own
(docs/benchmarks.md, "Eighteenth session"). Now sends form batches: one BEGIN, all their
gate statements in one round trip (asyncpg's `fetchmany`, a pipeline of Bind/Execute with
one Sync), one COMMIT with all their events, and their publication in one turn, so that a
socket gets one write for all of it (realtime/corked.py).

Batches run on `LINES` lines, a chat always on the same one (its id modulo `LINES`). A line
runs one batch at a time, and its next batch takes every send that arrives meanwhile: the
busier the server, the larger the batches. Sends to chats on different lines never wait for
each other, and their batches run on different PostgreSQL connections side by side.

Only the send gate's one-statement store takes part (messages/service.py `_send_batched`):
a statement that writes only when the send goes through as it is, after which a send runs no
statement that can refuse it. A statement that does not write leaves its send free to go on
alone, in a transaction of its own. Without savepoints (a round trip each) nothing undoes
one send of a batch, so anything that fails a send that wrote (a statement refused, a bug,
its caller cancelled before it could emit) fails the whole batch: rolled back, every send of
it refused and none acknowledged, as a lost connection does. Users cannot cause that: what
could refuse a plain text after its store (the rate limit, the length, a secret chat's
ciphertext) is checked before the batch or keeps the statement from writing.

Order: a batch takes the write gate's shared side and its chats' keys (sorted, so two
batches never wait for each other in a circle) before its statements run, and holds them
until its events are published, as a single write does (db/gate.py); its event ids are
taken in one block under the process's id lock and published in one turn (db/turns.py), in
the order the sends joined. Statements that a send runs after its store (the rare first
message of a private chat, members brought back from the archive) run on the batch's
connection one at a time.

A cluster's processes batch too. There the gate is PostgreSQL's advisory locks, sent with
the batch's BEGIN (its chats' keys in sorted order); the batch's event inserts draw their
ids under the cluster's order lock in the string sent with its one COMMIT, which releases
it (db/eventids.py `OrderedIds`); and its events go to the bus in id order under the
process's id lock, as a single write's do (db/engine.py `_cluster_write`). Every cluster
write held that lock, which all processes share, for a round trip and a commit: sending one
by one, two processes on one core fell seconds behind at 600 sends/s, and in batches kept
up at 900; a rate search passed 566 sends/s against 308 (docs/benchmarks.md, "Nineteenth
session").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

from shomik.db import lanes
from shomik.db.eventids import EventIds, OrderedIds
from shomik.db.gate import WriteGate
from shomik.db.turns import Turns
from shomik.db.tx import WriteTx
from shomik.errors import Busy

if TYPE_CHECKING:  # db/fast.py imports db/engine.py, which imports this
    from shomik.db.fast import Hot

log = logging.getLogger(__name__)

# At most this many sends in one batch: PostgreSQL's statement pipeline and the latency of
# the batch's first send stay bounded.
MAX_BATCH = 64
# Batches in flight at once, each on a connection of its own (of the pool's 10). On 2
# cores, at 1,200-1,600 sends/s (docs/benchmarks.md, "Eighteenth session"): one line cost
# the server 0.71-0.74 of its core and failed 1,400 sends/s (p99 66-85 ms), four lines
# 0.89-0.90 (more, smaller batches) with p99 57-58 ms, two lines 0.83-0.84 with p99 47-53 ms.
LINES = 2


class BatchFailed(Busy):
    """Another send of the batch failed after it wrote: this one was rolled back with it,
    unacknowledged, and may be sent again (its clientId makes the retry safe)."""

    def __init__(self) -> None:
        super().__init__("Your message was not saved: send it again.", retry_after=1)


class _Shared:
    """The batch's connection as a send's statements see it after the store: one at a time,
    since several sends' code runs at once and asyncpg runs one operation per connection."""

    def __init__(self, conn: AsyncConnection, lock: asyncio.Lock) -> None:
        self._conn = conn
        self._lock = lock

    async def execute(self, statement: Executable, parameters: Any = None) -> Any:
        async with self._lock:
            return await self._conn.execute(statement, parameters)


class _Entry:
    __slots__ = ("ended", "params", "published", "rows", "tx", "wrote")

    def __init__(self, params: Mapping[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        self.params = params
        self.rows: asyncio.Future[list[Any]] = loop.create_future()
        # The send's code after its store is over: None (done) or how it failed.
        self.ended: asyncio.Future[BaseException | None] = loop.create_future()
        self.published: asyncio.Future[None] = loop.create_future()
        self.wrote = False
        self.tx: WriteTx | None = None


Wrote = Callable[[list[Any]], bool]  # whether a send's rows say its statement wrote
# A cluster's: what a batch sends with its BEGIN to take the write gate's shared side and
# its chats' keys (PostgreSQL advisory locks, db/engine.py), given the chats in sorted order.
ClusterGate = Callable[[Sequence[int]], str]


class _Batch:
    def __init__(self, hot: Hot, wrote: Wrote, after: asyncio.Future[None] | None) -> None:
        self.hot = hot
        self.wrote = wrote
        self.entries: list[tuple[int, _Entry]] = []  # (chat id, entry) in joining order
        self.open = True
        self.after = after  # the batch before this one: done when it is over
        self.over: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def sends(self) -> list[_Entry]:
        return [entry for _, entry in self.entries]


class _Line:
    """The batches of the chats whose id is this line's number modulo LINES."""

    def __init__(self) -> None:
        self.open: _Batch | None = None  # taking sends
        self.last: asyncio.Future[None] | None = None  # the newest batch's `over`


class SendBatches:
    def __init__(
        self,
        pool: lanes.Lanes,
        gate: WriteGate,
        write_lock: asyncio.Lock,
        event_ids: EventIds | OrderedIds,
        turns: Turns,
        cluster_gate: ClusterGate | None = None,
    ) -> None:
        """`cluster_gate`: several processes write (db/engine.py); `event_ids` are then the
        cluster's `OrderedIds`."""
        self._lanes = pool
        self._gate = gate
        self._write_lock = write_lock
        self._event_ids = event_ids
        self._turns = turns
        self._cluster_gate = cluster_gate
        self._lines = [_Line() for _ in range(LINES)]
        self._runners: set[asyncio.Task[None]] = set()  # held: the loop keeps weak ones only
        # Batches run and sends that joined them, since the start (tests, benchmarks).
        self.batches = 0
        self.sends = 0

    @contextlib.asynccontextmanager
    async def store(
        self, chat_id: int, hot: Hot, params: Mapping[str, Any], wrote: Wrote
    ) -> AsyncIterator[tuple[list[Any], WriteTx]]:
        """Run `hot` (whose last column is `entry`, given here) in the open batch of the
        chat's line; yields its rows and the write to go on in. `wrote(rows)`: whether the
        statement wrote. The caller's code runs as in `Database.write`; the block returns
        when the send is committed and published (or at once if it wrote nothing)."""
        line = self._lines[chat_id % LINES]
        batch = line.open
        if batch is None or not batch.open or batch.hot is not hot:
            batch = self._start(line, hot, wrote)
        entry = _Entry({**params, "entry": len(batch.entries)})
        self.sends += 1
        batch.entries.append((chat_id, entry))
        if len(batch.entries) >= MAX_BATCH:
            batch.open = False
        try:
            rows = await asyncio.shield(entry.rows)
        except BaseException as exc:
            if not entry.rows.done():  # cancelled while the statement runs
                entry.ended.set_result(exc)
            raise
        assert entry.tx is not None
        try:
            yield rows, entry.tx
        except BaseException as exc:
            entry.ended.set_result(exc)
            raise
        entry.ended.set_result(None)
        if entry.wrote:
            await asyncio.shield(entry.published)

    def _start(self, line: _Line, hot: Hot, wrote: Wrote) -> _Batch:
        self.batches += 1
        batch = line.open = _Batch(hot, wrote, line.last)
        line.last = batch.over
        runner = asyncio.get_running_loop().create_task(self._run_after(line, batch))
        self._runners.add(runner)
        runner.add_done_callback(self._runners.discard)
        runner.add_done_callback(lambda _: self._over(line, batch))
        return batch

    def _over(self, line: _Line, batch: _Batch) -> None:
        """The runner ended, however (even cancelled before it began: the server stopping):
        no send of it and no later batch may wait for it."""
        for entry in batch.sends:
            _fail(entry, BatchFailed())
        batch.over.set_result(None)
        if line.last is batch.over:
            line.last = None

    async def _run_after(self, line: _Line, batch: _Batch) -> None:
        # Sends join until the line's batch before this one is over (one turn's sends at
        # least): the busier the server, the more each batch holds.
        await asyncio.sleep(0)
        if batch.after is not None:
            await batch.after
        batch.open = False
        if line.open is batch:
            line.open = None
        entries = batch.sends
        chats = sorted({c for c, _ in batch.entries})
        try:
            async with contextlib.AsyncExitStack() as held:
                if self._cluster_gate is None:
                    await held.enter_async_context(self._gate.shared())
                    for chat_id in chats:
                        await held.enter_async_context(self._gate.key(("chat", chat_id)))
                    conn = await held.enter_async_context(self._lanes.transaction())
                else:  # the same gate, as other processes see it: with the BEGIN
                    locks = self._cluster_gate(chats)
                    conn = await held.enter_async_context(self._lanes.transaction(locks))
                await self._write(batch, conn)
        except BaseException as exc:
            for entry in entries:
                _fail(entry, exc)
            if not isinstance(exc, Exception):
                raise
            if not isinstance(exc, BatchFailed):
                log.warning("a batch of %d sends failed: %r", len(entries), exc)

    async def _write(self, batch: _Batch, conn: AsyncConnection) -> None:
        entries = batch.sends
        hot = batch.hot
        args = [hot.args(e.params) for e in entries]
        try:
            records = await lanes.driver_of(conn).fetchmany(hot.sql, args)
        except lanes.KNOWN as exc:
            await lanes.failed(conn, hot.sql, exc)
        split: list[list[Any]] = [[] for _ in entries]
        for record in records:
            split[record[-1]].append(record)
        shared = _Shared(conn, asyncio.Lock())
        for entry, rows in zip(entries, split, strict=True):
            entry.tx = WriteTx(shared, self._event_ids)
            entry.wrote = batch.wrote(rows)
            if not entry.rows.done():
                entry.rows.set_result(rows)
        failure: BaseException | None = None
        for entry in entries:
            ended = await asyncio.shield(entry.ended)
            if ended is not None and entry.wrote and failure is None:
                failure = ended
        if failure is not None:
            raise BatchFailed() from failure
        writes = [e for e in entries if e.wrote]
        if writes:  # otherwise the lane's COMMIT ends an empty transaction
            await self._commit(conn, writes)

    async def _commit(self, conn: AsyncConnection, writes: Sequence[_Entry]) -> None:
        if self._cluster_gate is not None:
            await self._commit_in_cluster(conn, writes)
            return
        txs = [e.tx for e in writes if e.tx is not None]
        async with self._write_lock:
            for tx in txs:
                tx.conn = conn  # the ids' round trip, if any, on the batch's own connection
                await tx.run_before_commit()
            turn = self._turns.take(next((t.first_id for t in txs if t.first_id), None))
        try:
            await lanes.run(conn, "; ".join([*(s for tx in txs for s in tx.with_commit), "COMMIT"]))
        except BaseException:
            self._turns.pass_over(turn)
            raise

        async def publish() -> None:
            for entry in await _each_committed(writes, WriteTx.publish):
                if not entry.published.done():
                    entry.published.set_result(None)

        await self._turns.run(turn, publish)

    async def _commit_in_cluster(self, conn: AsyncConnection, writes: Sequence[_Entry]) -> None:
        """As a cluster's single write commits (db/engine.py `_cluster_write`), for all the
        batch's sends at once: one string of their inserts, which draw their ids under the
        cluster's order lock, and the COMMIT, which releases it; then the publication to the
        bus in id order, all under this process's id lock; then the frames in a turn."""
        assert isinstance(self._event_ids, OrderedIds)
        async with self._write_lock:
            for entry in writes:
                assert entry.tx is not None
                entry.tx.conn = conn
                await entry.tx.run_before_commit()
            statements = [s for e in writes if e.tx is not None for s in e.tx.with_commit]
            drawn = iter(await self._event_ids.commit(conn, statements))
            for entry in writes:
                assert entry.tx is not None
                entry.tx.drawn(drawn)
            published = await _each_committed(writes, WriteTx.run_after_commit)
            turn = self._turns.take()

        async def send_frames() -> None:
            for entry in published:
                assert entry.tx is not None
                try:
                    await entry.tx.send_frames()
                finally:
                    entry.tx.close()
                if not entry.published.done():
                    entry.published.set_result(None)

        await self._turns.run(turn, send_frames)


async def _each_committed(
    writes: Sequence[_Entry], step: Callable[[WriteTx], Awaitable[None]]
) -> list[_Entry]:
    """`step` for each committed send in order; those it went through for. A send whose step
    fails committed all the same: its caller hears of the failure, the others go on."""
    done = []
    for entry in writes:
        assert entry.tx is not None
        try:
            await step(entry.tx)
        except Exception as exc:
            _fail(entry, exc)
            continue
        done.append(entry)
    return done


def _fail(entry: _Entry, exc: BaseException) -> None:
    if entry.tx is not None:
        entry.tx.close()
    for future in (entry.rows, entry.published):
        if not future.done():
            future.set_exception(exc if isinstance(exc, Exception) else BatchFailed())
            future.exception()  # retrieved: a send that left needs neither
