"""PostgreSQL's lanes (db/lanes.py): connections kept checked out for quick reads and writes.
A lane is reused without the pool, never carries a transaction into its next use, and a
lane whose connection died is replaced without an error for whoever comes next."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa

from shomik.db import engine as engine_module
from shomik.db import fast
from shomik.db.engine import Database
from shomik.db.tables import server_state

pytestmark = pytest.mark.postgres

_PID = fast.Hot(sa.select(sa.func.pg_backend_pid()))
_GET = fast.Hot(sa.select(server_state.c.value).where(server_state.c.key == sa.bindparam("k")))


class Boom(Exception):
    pass


@pytest.fixture
async def db(pg_db: Database) -> Database:
    async with pg_db.write() as tx:
        await tx.conn.execute(sa.delete(server_state).where(server_state.c.key == "lane"))
        await tx.conn.execute(sa.insert(server_state).values(key="lane", value="before"))
    return pg_db


@pytest.fixture
async def admin(pg_database: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_database.replace("+asyncpg", ""))
    yield conn
    await conn.close()


async def _pid(db: Database) -> int:
    async with db.quick_read() as conn:
        return int((await fast.fetch_one(conn, _PID, {}))[0])


async def _open_transactions(admin: asyncpg.Connection) -> int:
    return int(
        await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state LIKE 'idle in transaction%'"
        )
    )


async def test_a_quick_read_takes_the_lane_the_last_one_left(db: Database) -> None:
    first = await _pid(db)
    assert await _pid(db) == first
    # Two at once cannot share one.
    held = db.quick_read()
    conn = await held.__aenter__()
    try:
        assert (await fast.fetch_one(conn, _PID, {}))[0] == first
        assert await _pid(db) != first
    finally:
        await held.__aexit__(None, None, None)


async def test_a_write_that_fails_is_rolled_back_and_leaves_no_transaction_behind(
    db: Database, admin: asyncpg.Connection
) -> None:
    set_value = sa.update(server_state).where(server_state.c.key == "lane")
    with pytest.raises(Boom):
        async with db.write(chat_id=1) as tx:
            # One statement through SQLAlchemy, one straight through asyncpg: one transaction.
            await tx.conn.execute(set_value.values(value="through sqlalchemy"))
            assert (await fast.fetch_one(tx.conn, _GET, {"k": "lane"}))[0] == "through sqlalchemy"
            raise Boom
    assert await _open_transactions(admin) == 0
    async with db.quick_read() as conn:
        assert (await fast.fetch_one(conn, _GET, {"k": "lane"}))[0] == "before"
    async with db.write(chat_id=1) as tx:
        await tx.conn.execute(set_value.values(value="after"))
    assert await _open_transactions(admin) == 0
    async with db.read() as conn:  # another connection: it was committed
        assert (await fast.fetch_one(conn, _GET, {"k": "lane"}))[0] == "after"


async def _hold_at_once(db: Database, count: int, started: asyncio.Event) -> list[int]:
    """`count` quick reads, each holding its lane until `started`: their backends."""

    async def hold() -> int:
        async with db.quick_read() as conn:
            await started.wait()
            return int((await fast.fetch_one(conn, _PID, {}))[0])

    holders = [asyncio.create_task(hold()) for _ in range(count)]
    await asyncio.sleep(0.2)
    started.set()
    return list(await asyncio.gather(*holders))


async def test_a_bursts_connections_stay_for_the_next_one(db: Database) -> None:
    assert engine_module.LANES == engine_module.POOL_SIZE  # every one the pool opens
    first = set(await _hold_at_once(db, 9, asyncio.Event()))
    assert len(first) == 9
    assert len(db._lanes._idle) >= 9  # none given back to the pool, none closed
    assert set(await _hold_at_once(db, 9, asyncio.Event())) <= first  # none opened
    kept = {await _pid(db) for _ in range(6)}
    assert kept <= first and len(kept) == 1  # one at a time: always the last one back


async def test_past_the_bound_takers_wait_for_a_lane_in_turn(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db._lanes.close()
    monkeypatch.setattr(db._lanes, "_size", 3)
    pids = await _hold_at_once(db, 7, asyncio.Event())
    assert len(pids) == 7 and len(set(pids)) <= 3  # the last four ran on lanes handed over
    assert db._lanes._open == len(db._lanes._idle) <= 3


async def test_a_taker_that_waits_too_long_is_refused_and_loses_no_lane(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db._lanes.close()
    monkeypatch.setattr(db._lanes, "_size", 1)
    monkeypatch.setattr(db._lanes, "_timeout", 0.2)
    release = asyncio.Event()

    async def hold() -> None:
        async with db.quick_read():
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0.05)
    with pytest.raises(sa.exc.TimeoutError):
        await _pid(db)
    late = asyncio.create_task(_pid(db))
    await asyncio.sleep(0.05)
    late.cancel()  # gives up while waiting
    release.set()
    await holder
    assert await _pid(db) > 0  # the one lane is still there
    assert db._lanes._open == 1 and not db._lanes._waiters


async def test_a_lane_whose_connection_died_is_replaced_without_an_error(
    db: Database, admin: asyncpg.Connection
) -> None:
    before = await _pid(db)
    await admin.execute("SELECT pg_terminate_backend($1)", before)
    await asyncio.sleep(0.5)  # the lane's socket sees the end
    after = await _pid(db)
    assert after != before
    async with db.write(chat_id=1) as tx:
        await tx.conn.execute(sa.update(server_state).values(value="still writing"))
    async with db.quick_read() as conn:
        assert (await fast.fetch_one(conn, _GET, {"k": "lane"}))[0] == "still writing"


async def test_a_lost_connection_whose_error_was_caught_is_not_kept(
    db: Database, admin: asyncpg.Connection
) -> None:
    async with db.quick_read() as conn:
        (pid,) = await fast.fetch_one(conn, _PID, {})
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        with pytest.raises(sa.exc.OperationalError):
            await fast.fetch(conn, _GET, {"k": "lane"})
    assert await _pid(db) != pid


async def test_a_use_cancelled_while_its_lane_goes_back_keeps_the_count(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db._lanes.close()
    monkeypatch.setattr(db._lanes, "_size", 1)
    inside = asyncio.Event()

    async def fail_and_hang() -> None:
        async with db.quick_read():
            inside.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(fail_and_hang())
    await inside.wait()
    task.cancel()  # the lane is discarded: rolled back and given back to the pool
    with pytest.raises(asyncio.CancelledError):
        await task
    assert db._lanes._open == 0
    assert await _pid(db) > 0  # the one lane can be opened again
