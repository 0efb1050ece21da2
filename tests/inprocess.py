"""The services of `shomik serve` built in-process on a migrated data dir, on SQLite or on
this machine's PostgreSQL, for tests that call the domain functions directly (no sockets)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from shomik.app import build_services
from shomik.auth import service as auth
from shomik.auth.schemas import RegisterRequest
from shomik.auth.sessions import Device
from shomik.db.migrate import upgrade
from shomik.services import Services
from shomik.settings import Settings
from tests.harness import FAST_ENV, PASSWORD

ENGINE_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def engine_services(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    **settings: Any,
) -> AsyncIterator[Services]:
    """Services on the engine `request.param` names (a fixture parametrized with
    ENGINE_PARAMS); `settings` override the test defaults."""
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)
    url = ""
    if request.param in ("postgres", "postgres+cluster"):
        url = request.getfixturevalue("pg_database")
    if request.param == "postgres+cluster":
        # A process of a cluster as the database sees it: advisory locks, ordered ids. Its
        # bus is never started, so nothing is published and no Redis is asked.
        settings.setdefault("redis_url", "redis://127.0.0.1:9/0")
    built_settings = Settings(data_dir=tmp_path, database_url=url, secret_key="k" * 32, **settings)
    await asyncio.to_thread(upgrade, built_settings)
    built = build_services(built_settings)
    try:
        yield built
    finally:
        await built.db.dispose()


@pytest.fixture(params=ENGINE_PARAMS)
async def quiet_services(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Services]:
    """Services on each engine without link previews: their background fetches would query
    the database while a test counts or interleaves statements (previews are tested where
    they run: tests/previews). Import it into a test module to use it."""
    async with engine_services(request, tmp_path, monkeypatch, link_previews=False) as built:
        yield built


async def new_user(services: Services) -> int:
    """A registered user's id."""
    name = f"q{uuid.uuid4().hex[:10]}"
    token = await auth.register(
        services, RegisterRequest(username=name, password=PASSWORD), Device("test", "127.0.0.1")
    )
    return token.user.id
