"""SQLite's writes that queue behind one another share a commit (db/sqlite_writer.py): each
still succeeds or fails alone, none returns before its commit, and publication keeps the
event log's order."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from shomik.db.engine import Database, make_engine
from shomik.db.migrate import upgrade
from shomik.db.tables import events
from shomik.settings import Settings


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 32)
    await asyncio.to_thread(upgrade, settings)
    database = Database(make_engine(settings), settings)
    yield database
    await database.dispose()


def commits(db: Database) -> list[int]:
    """Counts the writer connection's commits."""
    assert db.writer is not None
    counted = [0]

    def on_commit(_conn: Any) -> None:
        counted[0] += 1

    event.listen(db.writer.engine, "commit", on_commit)
    return counted


def committed_types(db: Database) -> list[str]:
    """What another connection sees: only what is committed."""
    path = db.engine.url.database
    assert path is not None
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT type FROM events ORDER BY id")]


async def write_event(
    db: Database, tag: str, published: list[tuple[str, int]], fail: str = ""
) -> int:
    async with db.write() as tx:
        seq: list[int] = []

        async def insert() -> None:
            row = await tx.conn.execute(
                sa.insert(events)
                .values(type=tag, data="{}", created_at=sa.func.now())
                .returning(events.c.id)
            )
            seq.append(int(row.scalar_one()))
            if fail == "before":
                raise ValueError(tag)

        async def publish() -> None:
            # Nothing is published before its commit.
            assert tag in committed_types(db)
            published.append((tag, seq[0]))
            if fail == "after":
                raise KeyError(tag)

        tx.before_commit(insert)
        tx.after_commit(publish)
        await asyncio.sleep(0)  # the others queue behind this one
    return seq[0]


async def test_queued_writes_share_commits_and_publish_in_seq_order(db: Database) -> None:
    await write_event(db, "warm-up", [])
    counted = commits(db)
    published: list[tuple[str, int]] = []
    seqs = await asyncio.gather(*(write_event(db, f"w{n}", published) for n in range(40)))
    assert sorted(tag for tag, _ in published) == sorted(f"w{n}" for n in range(40))
    assert [seq for _, seq in published] == sorted(seqs)  # publication in the log's order
    assert committed_types(db)[1:] == [tag for tag, _ in published]
    assert 1 <= counted[0] < 40, counted[0]  # batched, or the test proves nothing


async def test_a_failing_write_is_rolled_back_alone(db: Database) -> None:
    published: list[tuple[str, int]] = []
    results = await asyncio.gather(
        write_event(db, "a", published),
        write_event(db, "bad", published, fail="before"),
        write_event(db, "c", published),
        return_exceptions=True,
    )
    assert isinstance(results[1], ValueError)
    assert [tag for tag, _ in published] == ["a", "c"]
    assert committed_types(db) == ["a", "c"]


async def test_an_after_commit_error_reaches_only_its_own_writer(db: Database) -> None:
    published: list[tuple[str, int]] = []
    results = await asyncio.gather(
        write_event(db, "a", published),
        write_event(db, "loud", published, fail="after"),
        write_event(db, "c", published),
        return_exceptions=True,
    )
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], KeyError)
    assert [tag for tag, _ in published] == ["a", "loud", "c"]
    assert committed_types(db) == ["a", "loud", "c"]


async def test_a_write_alone_commits_at_once(db: Database) -> None:
    counted = commits(db)
    for n in range(3):
        await write_event(db, f"s{n}", [])
        assert counted[0] == n + 1
        assert committed_types(db)[-1] == f"s{n}"


async def test_a_write_in_a_savepoint_sees_the_batch_before_it(db: Database) -> None:
    """A retry queued behind its original (same clientId) finds it: the batch's writes read
    through the same transaction."""
    seen: list[int] = []

    async def first() -> None:
        async with db.write() as tx:
            await tx.conn.execute(
                sa.insert(events).values(type="orig", data="{}", created_at=sa.func.now())
            )
            await asyncio.sleep(0)

    async def second() -> None:
        async with db.write() as tx:
            count = await tx.conn.execute(
                sa.select(sa.func.count()).select_from(events).where(events.c.type == "orig")
            )
            seen.append(int(count.scalar_one()))

    await asyncio.gather(first(), second())
    assert seen == [1]

