"""Servers per database engine, for the tests that must pass on SQLite and on PostgreSQL
alike (PostgreSQL is required in CI): the engine list to parametrize a fixture with, a
server started for one engine, and a factory of registered people."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from tests.harness import ServerProcess, User, register

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def engine_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """A server on the engine a fixture parametrized with ENGINES is running for."""
    settings = dict(env or {})
    if request.param == "postgres":
        settings["SHOMIK_DATABASE_URL"] = request.getfixturevalue("pg_database")
    proc = ServerProcess(Path(tmp_path_factory.mktemp(request.param)), env=settings)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@asynccontextmanager
async def people_on(server: ServerProcess) -> AsyncIterator[Callable[[int], Awaitable[list[User]]]]:
    """`await make(n)`: n people registered on the server, their clients closed at the end."""
    made: list[User] = []

    async def make(n: int) -> list[User]:
        batch = [await register(server) for _ in range(n)]
        made.extend(batch)
        return batch

    try:
        yield make
    finally:
        for user in made:
            await user.aclose()
