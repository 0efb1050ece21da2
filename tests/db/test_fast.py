"""The hot statements run straight through asyncpg on PostgreSQL (db/fast.py): inside the
write's transaction, with SQLAlchemy's errors, and the same rows on both engines."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from shomik.db import fast
from shomik.db.engine import Database, make_engine
from shomik.db.migrate import upgrade
from shomik.db.tables import events, server_state
from shomik.errors import database_down
from shomik.settings import Settings

_SET = fast.Hot(
    sa.update(server_state)
    .where(server_state.c.key == sa.bindparam("k"))
    .values(value=sa.bindparam("v"))
    .returning(server_state.c.value)
)
_GET = fast.Hot(sa.select(server_state.c.value).where(server_state.c.key == sa.bindparam("k")))
_PID = fast.Hot(sa.select(sa.func.pg_backend_pid()))


class Boom(Exception):
    pass


async def _database(settings: Settings) -> Database:
    await asyncio.to_thread(upgrade, settings)
    db = Database(make_engine(settings), settings)
    async with db.write() as tx:
        await tx.conn.execute(sa.delete(server_state).where(server_state.c.key == "fast"))
        await tx.conn.execute(sa.insert(server_state).values(key="fast", value="before"))
    return db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    settings = Settings(data_dir=tmp_path)
    if request.param == "postgres":
        settings = Settings(data_dir=tmp_path, database_url=request.getfixturevalue("pg_database"))
    database = await _database(settings)
    yield database
    await database.dispose()


async def test_a_hot_statement_first_in_a_write_is_in_its_transaction(db: Database) -> None:
    # The asyncpg adapter sends BEGIN lazily: a statement sent past it before that would
    # commit on its own and survive the rollback.
    with pytest.raises(Boom):
        async with db.write() as tx:
            assert (await fast.fetch(tx.conn, _SET, {"k": "fast", "v": "during"}))[0][0] == "during"
            raise Boom
    async with db.read() as conn:
        assert [tuple(r) for r in await fast.fetch(conn, _GET, {"k": "fast"})] == [("before",)]
    async with db.write() as tx:
        await fast.fetch_one(tx.conn, _SET, {"k": "fast", "v": "after"})
    async with db.quick_read() as conn:
        assert (await fast.fetch_one(conn, _GET, {"k": "fast"}))[0] == "after"
        with pytest.raises(sa.exc.NoResultFound):
            await fast.fetch_one(conn, _GET, {"k": "absent"})


@pytest.mark.postgres
async def test_a_lost_connection_is_sqlalchemys_and_the_database_is_down(
    pg_database: str, tmp_path: Path
) -> None:
    db = await _database(Settings(data_dir=tmp_path, database_url=pg_database))
    admin = await asyncpg.connect(pg_database.replace("+asyncpg", ""))
    try:
        with pytest.raises(sa.exc.OperationalError) as lost:
            async with db.read() as conn:
                (pid,) = await fast.fetch_one(conn, _PID, {})
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
                await fast.fetch(conn, _GET, {"k": "fast"})
        assert database_down(lost.value)
        # The dead connection left the pool: the next read gets a live one.
        async with db.read() as conn:
            assert (await fast.fetch_one(conn, _GET, {"k": "fast"}))[0] == "before"
    finally:
        await admin.close()
        await db.dispose()


def test_a_result_asyncpg_gives_differently_is_refused() -> None:
    table = sa.table("t", sa.column("pickled", sa.PickleType), sa.column("n", sa.Numeric))
    with pytest.raises(ValueError, match="pickled"):
        fast.Hot(sa.select(table.c.pickled))
    with pytest.raises(ValueError, match="n"):
        fast.Hot(sa.select(table.c.n))


_ADD = fast.Hot(sa.insert(server_state).values(key=sa.bindparam("k"), value=sa.bindparam("v")))
_EVENT_TIME = fast.Hot(
    sa.select(events.c.id, events.c.created_at).where(events.c.id == sa.bindparam("id"))
)


async def test_rows_and_errors_are_sqlalchemys_on_both_engines(db: Database) -> None:
    """Through the pysqlite connection on SQLite: results through SQLAlchemy's processors
    (a timestamp stored as text comes back a datetime), errors as SQLAlchemy's."""
    async with db.write() as tx:
        row = await tx.conn.execute(
            sa.insert(events)
            .values(type="t", data="{}", created_at=sa.func.now())
            .returning(events.c.id)
        )
        event_id = row.scalar_one()
        expected = (await tx.conn.execute(_EVENT_TIME.statement, {"id": event_id})).one()
        got = await fast.fetch_one(tx.conn, _EVENT_TIME, {"id": event_id})
        assert tuple(got) == tuple(expected)
        assert isinstance(got[1], dt.datetime)
    with pytest.raises(sa.exc.IntegrityError):
        async with db.write() as tx:
            await fast.fetch(tx.conn, _ADD, {"k": "fast", "v": "twice"})
    async with db.quick_read() as conn:
        assert (await fast.fetch_one(conn, _GET, {"k": "fast"}))[0] == "before"
