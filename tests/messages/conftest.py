"""Fixtures of the messages tests: a server per database engine, so the everyday-messaging
tests run on SQLite and on PostgreSQL alike (PostgreSQL is required in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ServerProcess, User, register

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=ENGINES)
def engine_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {}
    if request.param == "postgres":
        env["SHOMIK_DATABASE_URL"] = request.getfixturevalue("pg_database")
    proc = ServerProcess(Path(tmp_path_factory.mktemp(request.param)), env=env)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def people(engine_server: ServerProcess) -> AsyncIterator[Any]:
    made: list[User] = []

    async def make(n: int) -> list[User]:
        batch = [await register(engine_server) for _ in range(n)]
        made.extend(batch)
        return batch

    yield make
    for user in made:
        await user.aclose()
