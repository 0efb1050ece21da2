"""A server per database engine that may push to the tests' local push service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ServerProcess, User, free_port, register
from tests.push.pushservice import PushService

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def push_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
async def push_service(push_port: int) -> AsyncIterator[PushService]:
    service = PushService()
    await service.start(push_port)
    yield service
    await service.stop()


@pytest.fixture(scope="module", params=ENGINES)
def push_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, push_port: int
) -> Iterator[ServerProcess]:
    env = {
        "SHOMIK_PUSH_EXTRA_HOSTS": f"127.0.0.1:{push_port}",
        "SHOMIK_PUSH_ALLOW_HTTP": "true",
    }
    if request.param == "postgres":
        env["SHOMIK_DATABASE_URL"] = request.getfixturevalue("pg_database")
    proc = ServerProcess(Path(tmp_path_factory.mktemp(request.param)), env=env)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def people(push_server: ServerProcess) -> AsyncIterator[Any]:
    made: list[User] = []

    async def make(n: int) -> list[User]:
        batch = [await register(push_server) for _ in range(n)]
        made.extend(batch)
        return batch

    yield make
    for user in made:
        await user.aclose()
