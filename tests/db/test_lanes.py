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


async def test_no_more_lanes_are_kept_than_the_bound(db: Database) -> None:
    started = asyncio.Event()

    async def hold() -> int:
        async with db.quick_read() as conn:
            await started.wait()
            return int((await fast.fetch_one(conn, _PID, {}))[0])

    holders = [asyncio.create_task(hold()) for _ in range(engine_module.LANES + 3)]
    await asyncio.sleep(0.2)
    started.set()
    pids = set(await asyncio.gather(*holders))
    assert len(pids) == engine_module.LANES + 3
    kept = {await _pid(db) for _ in range(engine_module.LANES * 2)}
    assert kept <= pids and len(kept) == 1  # one at a time: always the last one back
    assert len(db._lanes._idle) == engine_module.LANES


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
