"""What the database tests share: a migrated PostgreSQL `Database` of the run's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shomik.db.engine import Database, make_engine
from shomik.db.migrate import upgrade
from shomik.settings import Settings


@pytest.fixture
async def pg_db(pg_database: str, tmp_path: Path) -> AsyncIterator[Database]:
    """The test's PostgreSQL database, migrated, as the server opens it; disposed after."""
    settings = Settings(data_dir=tmp_path, database_url=pg_database)
    await asyncio.to_thread(upgrade, settings)
    db = Database(make_engine(settings), settings)
    yield db
    await db.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite `Database` in the test's own directory, as the server opens it."""
    settings = Settings(data_dir=tmp_path)
    await asyncio.to_thread(upgrade, settings)
    db = Database(make_engine(settings), settings)
    yield db
    await db.dispose()
