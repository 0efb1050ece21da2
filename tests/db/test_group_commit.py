"""SQLite's writes of one turn of the event loop share one COMMIT (db/groupcommit.py), and
each still stands or falls alone: a failed one changes nothing, nothing is reported done
before its COMMIT, and the after-commit steps run in the writes' order."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from shomik.db.engine import Database, WriteTx
from shomik.db.tables import events


class Boom(Exception):
    pass


def _commits(db: Database) -> list[int]:
    assert db.writer is not None
    seen: list[int] = []
    event.listen(db.writer, "commit", lambda _conn: seen.append(1))
    return seen


def _committed_types(db: Database) -> list[str]:
    """What another connection sees: only what was committed."""
    assert db.writer is not None
    with sqlite3.connect(db.writer.url.database or "") as other:
        return [r[0] for r in other.execute("SELECT type FROM events ORDER BY id")]


async def _insert(tx: WriteTx, type_: str) -> int:
    result = await tx.conn.execute(
        sa.insert(events).values(type=type_, data="{}", created_at=sa.func.now())
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def _write(db: Database, type_: str, *, fail: bool = False) -> str:
    async with db.write(chat_id=1) as tx:
        await _insert(tx, type_)
        if fail:
            raise Boom(type_)
    return type_


async def test_writes_of_one_turn_share_a_commit(sqlite_db: Database) -> None:
    commits = _commits(sqlite_db)
    done = await asyncio.gather(*(_write(sqlite_db, f"w{i}") for i in range(5)))
    assert done == [f"w{i}" for i in range(5)]
    assert len(commits) == 1
    assert _committed_types(sqlite_db) == [f"w{i}" for i in range(5)]
    # A write on its own still commits, in a batch of one.
    await _write(sqlite_db, "alone")
    assert len(commits) == 2
    assert _committed_types(sqlite_db)[-1] == "alone"


@pytest.mark.parametrize("failing", [0, 1, 2])
async def test_a_failed_write_changes_nothing_and_the_others_stand(
    sqlite_db: Database, failing: int
) -> None:
    """The first write of a batch runs without a savepoint, the others in one each."""
    names = ["a", "b", "c"]
    results = await asyncio.gather(
        *(_write(sqlite_db, n, fail=i == failing) for i, n in enumerate(names)),
        return_exceptions=True,
    )
    assert isinstance(results[failing], Boom)
    kept = [n for i, n in enumerate(names) if i != failing]
    assert [r for i, r in enumerate(results) if i != failing] == kept
    assert _committed_types(sqlite_db) == kept


async def test_nothing_is_done_before_its_commit_and_steps_run_in_order(
    sqlite_db: Database,
) -> None:
    seen: list[tuple[str, list[str]]] = []
    returned: list[str] = []

    async def write(type_: str) -> None:
        async with sqlite_db.write(chat_id=1) as tx:
            await _insert(tx, type_)

            async def publish() -> None:
                seen.append((type_, _committed_types(sqlite_db)))

            tx.after_commit(publish)
            tx.sends.append(lambda: seen.append((f"{type_} sent", [])))
        # By now its own COMMIT happened: another connection sees the row.
        assert type_ in _committed_types(sqlite_db)
        returned.append(type_)

    await asyncio.gather(*(write(t) for t in ("x", "y", "z")))
    assert [s[0] for s in seen] == ["x", "x sent", "y", "y sent", "z", "z sent"]
    # Each after-commit step saw every write of the batch committed.
    assert all(s[1] == ["x", "y", "z"] for s in seen if not s[0].endswith("sent"))
    assert sorted(returned) == ["x", "y", "z"]


async def test_a_failed_commit_fails_every_write_of_its_batch(sqlite_db: Database) -> None:
    async def dangling(tx: WriteTx) -> None:
        # A foreign key checked at COMMIT: the batch's COMMIT fails.
        await tx.conn.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
        await tx.conn.execute(
            sa.text(
                "INSERT INTO chat_members (chat_id, user_id, role, joined_at) "
                "VALUES (999999, 999999, 'member', '2026-01-01')"
            )
        )

    published: list[str] = []

    async def write(type_: str, bad: bool) -> str:
        async with sqlite_db.write(chat_id=1) as tx:
            await _insert(tx, type_)
            if bad:
                await dangling(tx)

            async def publish() -> None:
                published.append(type_)

            tx.after_commit(publish)
        return type_

    results = await asyncio.gather(
        write("p", False), write("q", True), write("r", False), return_exceptions=True
    )
    assert all(isinstance(r, sa.exc.IntegrityError) for r in results), results
    assert published == []
    assert _committed_types(sqlite_db) == []
    # The next batch is a new transaction and commits.
    assert await _write(sqlite_db, "after") == "after"
    assert _committed_types(sqlite_db) == ["after"]


async def test_a_cancelled_caller_leaves_its_write_standing(sqlite_db: Database) -> None:
    published: list[str] = []
    release = asyncio.Event()

    async def write(type_: str, hold: bool = False) -> None:
        async with sqlite_db.write(chat_id=1) as tx:
            await _insert(tx, type_)

            async def publish() -> None:
                published.append(type_)

            tx.after_commit(publish)
            if hold:  # keeps the batch from being flushed until released
                await release.wait()

    first = asyncio.create_task(write("kept"))
    holder = asyncio.create_task(write("held", hold=True))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not first.done()  # waiting for the batch's COMMIT
    first.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, holder, return_exceptions=True)
    assert first.cancelled()
    assert _committed_types(sqlite_db) == ["kept", "held"]
    assert published == ["kept", "held"]


@pytest.mark.parametrize("when", ["body", "before_commit"])
async def test_a_write_failing_late_rolls_back_only_itself(sqlite_db: Database, when: str) -> None:
    async def failing() -> Any:
        async with sqlite_db.write(chat_id=1) as tx:
            await _insert(tx, "gone")

            async def insert_then_fail() -> None:
                await _insert(tx, "gone too")
                raise Boom("late")

            if when == "body":
                raise Boom("body")
            tx.before_commit(insert_then_fail)

    results = await asyncio.gather(
        _write(sqlite_db, "before"), failing(), _write(sqlite_db, "after"), return_exceptions=True
    )
    assert isinstance(results[1], Boom)
    assert _committed_types(sqlite_db) == ["before", "after"]


async def test_a_stopped_flush_leaves_no_caller_waiting(sqlite_db: Database) -> None:
    """The server stopping mid-publication: the writes are committed, and their callers
    get an error rather than waiting forever (a client's retry finds its message)."""

    async def write(type_: str, hang: bool) -> None:
        async with sqlite_db.write(chat_id=1) as tx:
            await _insert(tx, type_)

            async def publish() -> None:
                if hang:
                    await asyncio.Event().wait()

            tx.after_commit(publish)

    writes = [asyncio.create_task(write("a", True)), asyncio.create_task(write("b", False))]
    for _ in range(5):
        await asyncio.sleep(0)
    assert sqlite_db._batches is not None
    (flush,) = sqlite_db._batches._flushes
    flush.cancel()
    results = await asyncio.wait_for(asyncio.gather(*writes, return_exceptions=True), 5)
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert _committed_types(sqlite_db) == ["a", "b"]
