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
from shomik.settings import Settings


async def _diff(url: str) -> list[Any]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), metadata
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
