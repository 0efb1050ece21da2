"""One server per database engine for the privacy tests; an unanswered call rings for 1 s
here (SHOMIK_CALL_RING_SECONDS), so a call no one hears is missed soon."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.engines import ENGINES, engine_server, people_on
from tests.harness import ServerProcess


@pytest.fixture(scope="module", params=ENGINES)
def privacy_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with engine_server(request, tmp_path_factory, {"SHOMIK_CALL_RING_SECONDS": "1"}) as proc:
        yield proc


@pytest.fixture
async def people(privacy_server: ServerProcess) -> AsyncIterator[Any]:
    async with people_on(privacy_server) as make:
        yield make
