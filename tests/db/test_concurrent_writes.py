"""Writes to different chats run side by side on PostgreSQL, and event ids still commit
and leave in one order (db/gate.py, db/engine.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from shomik.db.engine import Database, WriteTx
from shomik.db.eventids import EventIds, insert_sql
from shomik.db.gate import WriteGate, WriteKey
from shomik.db.tables import events, server_state
from shomik.schemas import utcnow

# Generous: only reached when the behaviour under test is broken (a waiter never let in).
NEVER = 10.0


async def _settle() -> None:
    """Let every runnable task run until it blocks."""
    for _ in range(20):
        await asyncio.sleep(0)


class Holder:
    """A task that enters the gate with a key and stays until released."""

    def __init__(self, gate: WriteGate, key: WriteKey | None) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.task = asyncio.create_task(self._run(gate, key))

    async def _run(self, gate: WriteGate, key: WriteKey | None) -> None:
        async with gate.enter(key):
            self.entered.set()
            await self.release.wait()

    async def done(self) -> None:
        self.release.set()
        await asyncio.wait_for(self.task, NEVER)


async def test_other_chats_enter_while_one_is_held() -> None:
    gate = WriteGate()
    first = Holder(gate, ("chat", 1))
    await asyncio.wait_for(first.entered.wait(), NEVER)
    other_chat, a_user = Holder(gate, ("chat", 2)), Holder(gate, ("user", 1))
    await asyncio.wait_for(other_chat.entered.wait(), NEVER)
    await asyncio.wait_for(a_user.entered.wait(), NEVER)
    for holder in (first, other_chat, a_user):
        await holder.done()


async def test_the_same_chat_waits_for_the_one_before() -> None:
    gate = WriteGate()
    first = Holder(gate, ("chat", 1))
    await asyncio.wait_for(first.entered.wait(), NEVER)
    second = Holder(gate, ("chat", 1))
    await _settle()
    assert not second.entered.is_set()
    await first.done()
    await asyncio.wait_for(second.entered.wait(), NEVER)
    await second.done()
    assert gate._keys == {}  # nothing kept for a chat nobody writes to


async def test_a_write_without_a_key_runs_alone_and_goes_before_later_ones() -> None:
    gate = WriteGate()
    keyed = Holder(gate, ("chat", 1))
    await asyncio.wait_for(keyed.entered.wait(), NEVER)
    alone = Holder(gate, None)
    await _settle()
    assert not alone.entered.is_set()  # waits for the write in progress
    later = Holder(gate, ("chat", 2))
    await _settle()
    assert not later.entered.is_set()  # waits behind it: a stream cannot starve it
    await keyed.done()
    await asyncio.wait_for(alone.entered.wait(), NEVER)
    await _settle()
    assert not later.entered.is_set()
    await alone.done()
    await asyncio.wait_for(later.entered.wait(), NEVER)
    await later.done()


@pytest.fixture
async def pg(pg_db: Database) -> Database:
    async with pg_db.write() as tx:
        await tx.conn.execute(sa.delete(events))
    return pg_db


async def _log(tx: WriteTx, tag: str) -> None:
    """An event-log row, as realtime/events.py `emit` adds one."""

    async def insert() -> None:
        await tx.conn.execute(
            sa.insert(events).values(type=tag, data="{}", created_at=sa.func.now())
        )

    tx.before_commit(insert)


@pytest.mark.postgres
async def test_writes_to_different_chats_overlap_and_ids_follow_commits(pg: Database) -> None:
    """Chat 1's write starts first and stays open; chat 2's write runs and commits in the
    meantime. Chat 1's event, committed last, has the greater id: ids are taken in the
    ordered section right before the commit, not when a write starts."""
    inside = asyncio.Event()
    finish = asyncio.Event()

    async def slow() -> None:
        async with pg.write(chat_id=1) as tx:
            await tx.conn.execute(sa.insert(server_state).values(key="slow", value="1"))
            await _log(tx, "slow")
            inside.set()
            await finish.wait()

    task = asyncio.create_task(slow())
    await asyncio.wait_for(inside.wait(), NEVER)

    async def fast() -> None:
        async with pg.write(chat_id=2) as tx:
            await _log(tx, "fast")

    try:  # not blocked by the open write of chat 1
        await asyncio.wait_for(fast(), NEVER)
    finally:
        finish.set()
    await asyncio.wait_for(task, NEVER)
    async with pg.read() as conn:
        rows = (await conn.execute(sa.select(events.c.type).order_by(events.c.id))).all()
    assert [r.type for r in rows] == ["fast", "slow"]


@pytest.mark.postgres
async def test_a_write_without_a_key_waits_for_chat_writes(pg: Database) -> None:
    inside = asyncio.Event()
    finish = asyncio.Event()
    order: list[str] = []

    async def chat_write() -> None:
        async with pg.write(chat_id=1) as tx:
            await _log(tx, "chat")
            inside.set()
            await finish.wait()
            order.append("chat")

    async def alone() -> None:
        async with pg.write() as tx:
            await _log(tx, "alone")
            order.append("alone")

    first = asyncio.create_task(chat_write())
    await asyncio.wait_for(inside.wait(), NEVER)
    second = asyncio.create_task(alone())
    await _settle()
    assert order == []
    finish.set()
    await asyncio.wait_for(asyncio.gather(first, second), NEVER)
    assert order == ["chat", "alone"]


async def _eighty_writes(pg: Database, published: Callable[[WriteTx, int], None]) -> None:
    """8 chats x 10 writes at once, each logging one event and sleeping 0-2 ms in its
    transaction; `published(tx, id)` is called by each after-commit callback."""

    async def write(chat: int, n: int) -> None:
        async with pg.write(chat_id=chat) as tx:
            result: list[int] = []

            async def insert() -> None:
                row = await tx.conn.execute(
                    sa.insert(events)
                    .values(type=f"c{chat}-{n}", data="{}", created_at=sa.func.now())
                    .returning(events.c.id)
                )
                result.append(int(row.scalar_one()))

            async def publish() -> None:
                published(tx, result[0])

            tx.before_commit(insert)
            tx.after_commit(publish)
            await tx.conn.execute(sa.select(sa.func.pg_sleep(0.001 * (n % 3))))

    await asyncio.gather(*(write(chat, n) for chat in range(8) for n in range(10)))


@pytest.mark.postgres
async def test_many_concurrent_chat_writes_commit_gapless_in_id_order(pg: Database) -> None:
    """Ids are published in commit order: what the after-commit callbacks see, in the
    order they run, is the log's order, with no id skipped."""
    published: list[int] = []
    await _eighty_writes(pg, lambda _tx, seq: published.append(seq))
    assert len(published) == 80
    assert published == sorted(published)
    assert published == list(range(published[0], published[0] + 80))


@pytest.mark.postgres
async def test_sends_after_the_ordered_section_still_go_in_commit_order(pg: Database) -> None:
    """The frames of a write go to the sockets after the section (db/turns.py), while the
    next writes insert and commit: they still leave in the log's order."""
    sent: list[int] = []
    committed: list[int] = []

    def published(tx: WriteTx, seq: int) -> None:
        committed.append(seq)
        tx.sends.append(lambda: sent.append(seq))

    await _eighty_writes(pg, published)
    assert sent == committed == sorted(sent)
    assert len(sent) == 80


async def _log_with_id(tx: WriteTx, tag: str, taken: list[int]) -> None:
    """An event-log row the way realtime/events.py `emit` adds one on PostgreSQL: its id
    taken in the section, the insert sent with the COMMIT."""

    async def insert() -> None:
        assert isinstance(tx.ids, EventIds) and isinstance(tx.conn, AsyncConnection)
        (seq,) = await tx.ids.take(tx.conn, 1)
        tx.first_id = seq
        row = {"type": tag, "chat_id": None, "user_id": None, "data": "{}", "created_at": utcnow()}
        tx.with_commit.append(insert_sql([seq], [row]))
        taken.append(seq)

    tx.before_commit(insert)


@pytest.mark.postgres
async def test_a_slow_commit_lets_later_ones_commit_but_goes_out_first(pg: Database) -> None:
    """Chat 1's commit takes 0.4 s (a sleep sent with it); chat 2's write, whose id comes
    after, commits meanwhile instead of waiting for it. Until chat 1's is out, a reader is
    told a head below it; then both go out, in the order of their ids."""
    taken: list[int] = []
    published: list[str] = []

    async def write(chat: int, tag: str, sleep: float) -> None:
        async with pg.write(chat_id=chat) as tx:
            if sleep:
                tx.with_commit.append(f"SELECT pg_sleep({sleep})")
            await _log_with_id(tx, tag, taken)

            async def publish() -> None:
                published.append(tag)

            tx.after_commit(publish)

    slow = asyncio.create_task(write(1, "slow", 0.4))
    while not taken:
        await asyncio.sleep(0.001)
    fast = asyncio.create_task(write(2, "fast", 0))

    async def committed() -> int:
        async with pg.read() as conn:
            return int((await conn.execute(sa.select(sa.func.max(events.c.id)))).scalar() or 0)

    deadline = asyncio.get_running_loop().time() + NEVER
    while len(taken) < 2 or await committed() < taken[1]:
        assert asyncio.get_running_loop().time() < deadline, "the later write never committed"
        await asyncio.sleep(0.005)
    assert not slow.done() and not fast.done()  # committed, waiting for its turn
    assert published == []
    assert pg.settled(await committed()) == taken[0] - 1
    await asyncio.wait_for(asyncio.gather(slow, fast), NEVER)
    assert published == ["slow", "fast"]
    assert pg.settled(await committed()) == taken[1]
