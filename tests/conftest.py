from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.engines import ENGINES, people_on
from tests.engines import engine_server as start_engine_server
from tests.harness import ServerProcess, User, register

PG_ADMIN_URL = os.environ.get("SHOMIK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One SQLite-backed server shared by the tests that do not restart it."""
    proc = ServerProcess(tmp_path_factory.mktemp("server"))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Servers of a test's own (to kill, restart, or configure differently)."""
    started: list[ServerProcess] = []

    def make(env: dict[str, str] | None = None, data_dir: Path | None = None) -> ServerProcess:
        proc = ServerProcess(data_dir or tmp_path / f"server{len(started)}", env)
        proc.start()
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture
async def users(server: ServerProcess) -> AsyncIterator[Callable[..., Any]]:
    """`await users(n)`: n freshly registered users on the shared server."""
    created: list[User] = []

    async def make(n: int = 1, on: ServerProcess | None = None) -> list[User]:
        batch = [await register(on or server) for _ in range(n)]
        created.extend(batch)
        return batch

    yield make
    for user in created:
        await user.aclose()


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_run(sql: str) -> None:
    """Run an admin statement to completion from sync code, also when the caller is inside
    a running event loop (a session fixture first asked for by an async test): then in a
    thread of its own, since asyncio.run() refuses to nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_pg_admin(sql))
        return
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _pg_admin(sql)).result()


def _pg_reachable() -> bool:
    try:
        _pg_run("SELECT 1")
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run; its asyncpg URL. In CI an unreachable
    server is a failure, not a skip: those tests must run there."""
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable in CI")
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    name = f"shomik_test_{os.getpid()}"
    _pg_run(f"DROP DATABASE IF EXISTS {name}")
    _pg_run(f"CREATE DATABASE {name}")
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    _pg_run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module", params=ENGINES)
def engine_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server per database engine for the tests of one module, so they run on SQLite and
    on PostgreSQL alike (PostgreSQL is required in CI)."""
    with start_engine_server(request, tmp_path_factory) as proc:
        yield proc


@pytest.fixture
async def people(engine_server: ServerProcess) -> AsyncIterator[Any]:
    """`await people(n)`: n people registered on this module's engine server."""
    async with people_on(engine_server) as make:
        yield make
