"""Fixtures of the messages tests: a server per database engine, so the everyday-messaging
tests run on SQLite and on PostgreSQL alike (PostgreSQL is required in CI)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.engines import ENGINES, people_on
from tests.engines import engine_server as start_engine_server
from tests.harness import ServerProcess


@pytest.fixture(scope="module", params=ENGINES)
def engine_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with start_engine_server(request, tmp_path_factory) as proc:
        yield proc


@pytest.fixture
async def people(engine_server: ServerProcess) -> AsyncIterator[Any]:
    async with people_on(engine_server) as make:
        yield make
