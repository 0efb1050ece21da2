"""The migrations build exactly the schema of `shomik.db.tables`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from shomik.db.migrate import upgrade
from shomik.db.tables import metadata
from shomik.db.unmanaged import include_name
from shomik.settings import Settings


async def _diff(url: str) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(
                    sync, opts={"compare_type": True, "include_name": include_name}
                ),
                metadata,
            )
        )
    await engine.dispose()
    return list(diff)


async def test_sqlite_migrations_match_the_tables(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    await asyncio.to_thread(upgrade, settings)
    await asyncio.to_thread(upgrade, settings)  # idempotent
    assert await _diff(settings.resolved_database_url) == []


@pytest.mark.postgres
async def test_postgres_migrations_match_the_tables(pg_database: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_database)
    await asyncio.to_thread(upgrade, settings)
    assert await _diff(pg_database) == []


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    await asyncio.to_thread(upgrade, settings)
    from shomik.db.engine import make_engine

    engine = make_engine(settings)
    async with engine.connect() as conn:
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        sync = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar()
    await engine.dispose()
    assert mode == "wal" and sync == 1  # 1 = NORMAL


async def test_the_wal_is_checkpointed_off_the_writer(tmp_path: Path) -> None:
    """The in-line writer never checkpoints; the background checkpointer does, so the WAL is
    reused from its start instead of growing with every write."""
    from shomik.db.engine import Database, make_engine
    from shomik.db.tables import server_state

    settings = Settings(data_dir=tmp_path)
    await asyncio.to_thread(upgrade, settings)
    db = Database(make_engine(settings), settings)
    wal = tmp_path / "shomik.db-wal"

    async def batch(name: str) -> int:
        for i in range(300):
            async with db.write() as tx:
                await tx.conn.execute(
                    server_state.insert().values(key=f"{name}{i}", value="x" * 4000)
                )
        return wal.stat().st_size

    first = await batch("a")
    await asyncio.sleep(1.5)  # one checkpoint interval and a bit
    second = await batch("b")
    await db.dispose()
    assert first > 300 * 4000
    assert second < 1.5 * first, (first, second)


def test_migrations_from_0005_on_only_expand() -> None:
    """Expand/contract (docs/deployment.md §6): while `shomik migrate` runs, processes of
    the previous release keep serving, so a migration's upgrade may add but not drop, rename
    or retype what that release reads. (A later release contracts, with a reason given.)"""
    import ast

    from shomik.db.migrate import MIGRATIONS_DIR

    contracting = ("drop_column", "drop_table", "alter_column", "rename_table", "drop_index")
    # Contractions the release before survives, each with why. A non-unique index dropped
    # changes no answer of that release, only how fast it finds it.
    survived = {
        # the release before walks it for `othersReadSeq`: one chat's member rows instead
        "0009_read_positions_on_chats.py": ["drop_index"],
    }
    for path in sorted((MIGRATIONS_DIR / "versions").glob("0*.py")):
        if path.name < "0005":
            continue
        source = path.read_text()
        upgrade = next(
            node
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef) and node.name == "upgrade"
        )
        body = ast.get_source_segment(source, upgrade) or ""
        found = [op for op in contracting if op in body and op not in survived.get(path.name, [])]
        assert not found, f"{path.name} contracts in its upgrade: {found}"


async def test_0009_fills_each_chats_two_furthest_readers(tmp_path: Path) -> None:
    """Chats that exist before 0009 get their pair from their members' rows: the furthest
    reader (ties: the smaller id), and how far the furthest of the others read."""
    import sqlite3

    from alembic import command

    from shomik.db.migrate import alembic_config

    settings = Settings(data_dir=tmp_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(command.upgrade, alembic_config(settings), "0008")
    db = sqlite3.connect(tmp_path / "shomik.db")
    now = "2026-11-27 00:00:00"
    for uid in (1, 2, 3):
        db.execute(
            "INSERT INTO users (id, username, username_lower, display_name, password_hash,"
            " params, created_at) VALUES (?, ?, ?, 'U', 'x', '{}', ?)",
            (uid, f"u{uid}", f"u{uid}", now),
        )
    for chat_id in (1, 2, 3):
        db.execute(
            "INSERT INTO chats (id, type, created_at, last_seq) VALUES (?, 'group', ?, 9)",
            (chat_id, now),
        )
    # chat 1: user 2 furthest (7), then 5; chat 2: a tie at 4 and one alone behind;
    # chat 3: no members left.
    for chat_id, uid, seq in [(1, 1, 5), (1, 2, 7), (1, 3, 2), (2, 3, 4), (2, 2, 4), (2, 1, 0)]:
        db.execute(
            "INSERT INTO chat_members (chat_id, user_id, role, joined_at, last_read_seq)"
            " VALUES (?, ?, 'member', ?, ?)",
            (chat_id, uid, now, seq),
        )
    db.commit()
    await asyncio.to_thread(upgrade, settings)
    rows = db.execute(
        "SELECT id, read_top_user, read_top_seq, read_next_seq FROM chats ORDER BY id"
    ).fetchall()
    indexes = {r[1] for r in db.execute("PRAGMA index_list('chat_members')").fetchall()}
    db.close()
    assert rows == [(1, 2, 7, 5), (2, 2, 4, 4), (3, None, 0, 0)]
    assert "ix_chat_members_chat_id_last_read_seq" not in indexes


async def test_0010_starts_the_index_position_at_the_newest_message(tmp_path: Path) -> None:
    """Messages that exist before 0010 were indexed by its triggers: the position starts at
    the newest, and later ones wait for the indexer. Down again, what was waiting is indexed
    and the insert trigger is back."""
    import sqlite3

    from alembic import command

    from shomik.db.migrate import alembic_config

    settings = Settings(data_dir=tmp_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = alembic_config(settings)
    await asyncio.to_thread(command.upgrade, config, "0009")
    db = sqlite3.connect(tmp_path / "shomik.db", isolation_level=None)
    now = "2026-11-27 00:00:00"
    db.execute(
        "INSERT INTO users (id, username, username_lower, display_name, password_hash, params,"
        " created_at) VALUES (1, 'u1', 'u1', 'U', 'x', '{}', ?)",
        (now,),
    )
    db.execute("INSERT INTO chats (id, type, created_at) VALUES (1, 'group', ?)", (now,))

    def post(seq: int, text: str) -> None:
        db.execute(
            "INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at)"
            " VALUES (1, ?, 1, 'text', ?, ?)",
            (seq, text, now),
        )

    def indexed(word: str) -> list[int]:
        match = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY 1"
        return [r[0] for r in db.execute(match, (word,)).fetchall()]

    post(1, "before upgrade")
    post(2, "before too")
    await asyncio.to_thread(command.upgrade, config, "0010")
    through = "SELECT value FROM server_state WHERE key = 'fts_indexed_through'"
    assert db.execute(through).fetchall() == [("2",)]
    post(3, "after upgrade")
    assert indexed("before") == [1, 2] and indexed("after") == []
    await asyncio.to_thread(command.downgrade, config, "0009")
    assert indexed("after") == [3] and db.execute(through).fetchall() == []
    post(4, "after downgrade")
    assert indexed("after") == [3, 4]
    db.close()


@pytest.mark.postgres
async def test_0011_keeps_the_pending_list_small(pg_database: str, tmp_path: Path) -> None:
    """GIN's pending list of 4 MB made one insert in tens of thousands merge it all (0011's
    docstring). After 0011 the list is at most 64 kB: what was pending is merged by the
    migration, inserts past the limit merge it again, and search finds old and new
    messages alike; down again, the default is back."""
    import asyncpg
    from alembic import command

    from shomik.db.migrate import alembic_config
    from tests.conftest import _pg_run

    name = f"{pg_database.rsplit('/', 1)[1]}_gin"
    _pg_run(f"DROP DATABASE IF EXISTS {name}")
    _pg_run(f"CREATE DATABASE {name}")
    url = f"{pg_database.rsplit('/', 1)[0]}/{name}"
    config = alembic_config(Settings(data_dir=tmp_path, database_url=url))
    db = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await asyncio.to_thread(command.upgrade, config, "0010")
        await db.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        await db.execute(
            "INSERT INTO users (id, username, username_lower, display_name, password_hash,"
            " params, created_at) VALUES (1, 'u1', 'u1', 'U', 'x', '{}', now())"
        )
        await db.execute("INSERT INTO chats (id, type, created_at) VALUES (1, 'group', now())")
        post = (
            "INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at)"
            " VALUES (1, $1, 1, 'text', $2, now())"
        )

        async def send(first: int, count: int, word: str) -> None:
            texts = [(seq, f"{word} {seq} w{seq % 997} v{seq % 991}") for seq in range(count)]
            await db.executemany(post, [(first + seq, text) for seq, text in texts])

        pending = "SELECT pending_pages FROM pgstatginindex('ix_messages_content_fts')"
        options = "SELECT reloptions FROM pg_class WHERE relname = 'ix_messages_content_fts'"
        await send(1, 3000, "before")
        assert await db.fetchval(pending) > 8  # the default list: 3,000 rows' words wait
        await asyncio.to_thread(command.upgrade, config, "0011")
        assert await db.fetchval(options) == ["gin_pending_list_limit=64"]
        assert await db.fetchval(pending) == 0
        await send(3001, 3000, "after")
        assert await db.fetchval(pending) <= 8  # 64 kB: 8 pages of 8 kB (it was > 8 before)
        found = (
            "SELECT count(*) FROM messages"
            " WHERE to_tsvector('simple', content) @@ to_tsquery('simple', $1)"
        )
        assert await db.fetchval(found, "before") == 3000
        assert await db.fetchval(found, "after") == 3000
        await asyncio.to_thread(command.downgrade, config, "0010")
        assert await db.fetchval(options) is None
    finally:
        await db.close()
        _pg_run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
