"""The image as an operator runs it (`podman run`, host network, on a free port): one process
on SQLite in its volume, as a non-root user, healthy, serving the web client; and several
containers on one PostgreSQL database and one Redis, after a one-shot `shomik migrate`."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.cluster.harness import vapid_key
from tests.cluster.proxies import RedisServer
from tests.conftest import _pg_run
from tests.container.flows import message_round_trip
from tests.container.podman import ContainerServer, health_status, podman
from tests.harness import User

_names = itertools.count()


def _name(what: str) -> str:
    return f"shomik-test-{os.getpid()}-{what}{next(_names)}"


@pytest.fixture
def containers(shomik_image: str, tmp_path: Path) -> Iterator[Callable[..., ContainerServer]]:
    """`containers(env=..., volume=...)`: a container of the run's image, not started;
    removed at the end of the test."""
    made: list[ContainerServer] = []

    def make(env: dict[str, str] | None = None, volume: str | None = None) -> ContainerServer:
        server = ContainerServer(shomik_image, _name("c"), tmp_path, env, volume)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def volume() -> Iterator[str]:
    name = _name("data")
    podman("volume", "create", name)
    yield name
    podman("volume", "rm", "--force", name, check=False)


async def close(*users: User) -> None:
    for user in users:
        await user.aclose()


async def test_one_process_on_sqlite_in_its_volume(
    containers: Callable[..., ContainerServer], volume: str
) -> None:
    server = containers(volume=volume)
    server.start()

    # Not root: the server process, and the files it made in the volume.
    assert server.exec("id", "-un").strip() == "shomik"
    assert set(podman("top", server.name, "user").split()[1:]) == {"shomik"}
    owners = server.exec("stat", "-c", "%U %n", "shomik.db", "vapid_private_key").split("\n")
    assert [line.split()[0] for line in owners if line] == ["shomik", "shomik"]
    # The image's HEALTHCHECK, run as podman runs it.
    assert health_status(server.name) == "healthy"

    # The web client built in the image's first stage, served by the server.
    page = httpx.get(f"{server.url}/", timeout=10)
    assert page.status_code == 200
    assert '<div id="app"></div>' in page.text
    script = re.search(r'src="(/assets/index-[^"]+\.js)"', page.text)
    assert script is not None, page.text
    assert httpx.get(f"{server.url}{script.group(1)}", timeout=10).status_code == 200

    alice, bob, sent = await message_round_trip(server, server, "hello from the image")
    await close(alice, bob)
    # An operator's commands inside the container find the data by the image's settings.
    listed = server.exec("shomik", "admin", "list-users")
    assert alice.username in listed and bob.username in listed
    server.exec("shomik", "backup", "/var/lib/shomik/backup.db")
    assert server.exec("stat", "-c", "%U", "/var/lib/shomik/backup.db").strip() == "shomik"

    # The data lives in the volume: a new container on it has the message.
    server.stop()
    again = containers(volume=volume)
    again.start()
    client = httpx.AsyncClient(base_url=again.url, timeout=20)
    reader = User(again, client, {"access_token": bob.token, "user": bob.me})
    try:
        history = await reader.http.get(f"/api/chats/{sent['chatId']}/messages")
        assert history.status_code == 200, history.text
        assert [m["content"] for m in history.json()["messages"]] == ["hello from the image"]
    finally:
        await reader.aclose()


async def test_containers_on_postgresql_and_redis_serve_together(
    containers: Callable[..., ContainerServer],
    volume: str,
    pg_database: str,
    tmp_path: Path,
) -> None:
    """Two containers on a fresh database of their own and a Redis of their own, migrated
    once beforehand as the compose file's `migrate` does: a message sent to one reaches a
    socket on the other, and an upload received by one is served by the other from the
    volume they share."""
    name = f"{pg_database.rsplit('/', 1)[1]}_image{next(_names)}"
    database_url = f"{pg_database.rsplit('/', 1)[0]}/{name}"
    _pg_run(f"DROP DATABASE IF EXISTS {name}")
    _pg_run(f"CREATE DATABASE {name}")
    redis = RedisServer(tmp_path / "redis")
    try:
        redis.start()
        env = {
            "SHOMIK_DATABASE_URL": database_url,
            "SHOMIK_REDIS_URL": redis.url,
            "SHOMIK_VAPID_PRIVATE_KEY": vapid_key(),
        }
        first = containers(env=env, volume=volume)
        second = containers(env=env, volume=volume)
        first.run_once("shomik", "migrate")
        assert await _alembic_version(database_url) is not None
        first.start()
        second.start()
        assert "Running upgrade" not in first.logs() + second.logs()  # migrated already

        alice, bob, _ = await message_round_trip(first, second, "across two containers")
        on_second = httpx.AsyncClient(
            base_url=second.url, headers={"Authorization": f"Bearer {alice.token}"}, timeout=20
        )
        try:
            r = await alice.http.post(
                "/api/upload", files={"file": ("note.txt", b"in the volume", "text/plain")}
            )
            assert r.status_code == 201, r.text
            got = await on_second.get(f"/api/files/{r.json()['id']}")
            assert got.status_code == 200, got.text
            assert got.content == b"in the volume"
        finally:
            await on_second.aclose()
            await close(alice, bob)
    finally:
        redis.stop()
        _pg_run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _alembic_version(database_url: str) -> str | None:
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""), timeout=5)
    try:
        value = await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()
    return None if value is None else str(value)
