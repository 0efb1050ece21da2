"""A server per database engine that may push to the tests' local push service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.engines import ENGINES, engine_server, people_on
from tests.harness import ServerProcess, free_port
from tests.push.pushservice import PushService


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
    with engine_server(request, tmp_path_factory, env) as proc:
        yield proc


@pytest.fixture
async def people(push_server: ServerProcess) -> AsyncIterator[Any]:
    async with people_on(push_server) as make:
        yield make
