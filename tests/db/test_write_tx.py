"""A write transaction is freed as soon as its write is over, by reference counting: its
callbacks hold it (realtime/events.py `emit` does), and left in place that cycle waited for
the garbage collector's full collections, which it made large under load
(docs/benchmarks.md, seventh session)."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
import sqlalchemy as sa

from shomik.db.engine import Database, WriteTx
from shomik.db.tables import events


async def _write_with_callbacks(db: Database) -> weakref.ref[WriteTx]:
    async with db.write(chat_id=1) as tx:

        async def insert() -> None:
            await tx.conn.execute(
                sa.insert(events).values(type="t", data="{}", created_at=sa.func.now())
            )

        async def publish() -> None:
            tx.sends.append(lambda: None)

        tx.before_commit(insert)
        tx.after_commit(publish)
        ref = weakref.ref(tx)
    return ref


async def _freed_without_collection(db: Database) -> bool:
    gc.collect()
    gc.disable()
    try:
        ref = await _write_with_callbacks(db)
        await asyncio.sleep(0)
        return ref() is None
    finally:
        gc.enable()


async def test_sqlite_frees_a_write_without_the_collector(sqlite_db: Database) -> None:
    assert await _freed_without_collection(sqlite_db)


@pytest.mark.postgres
async def test_postgres_frees_a_write_without_the_collector(pg_db: Database) -> None:
    assert await _freed_without_collection(pg_db)
