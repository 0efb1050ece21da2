"""A burst of a process's Redis calls, more at once than its pools hold connections
(cluster/clients.py), waits for connections instead of failing: the calls leader is found,
presence is read, and a rate limit counts every attempt instead of letting the burst
through. And a socket that never took part in a call does not ask the calls leader
anything when it closes."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from shomik.calls import front
from shomik.cluster.clients import CONNECTIONS
from shomik.cluster.redis_bus import RedisBus
from shomik.errors import RateLimited
from shomik.presence.cluster import ClusterPresence
from shomik.ratelimit import RateLimiter
from shomik.settings import Settings
from tests.cluster.proxies import RedisServer

BURST = 10 * CONNECTIONS + 100  # past redis-py's own default of 100 as well


async def test_a_burst_of_calls_leader_lookups_all_find_it(redis_server: RedisServer) -> None:
    bus = RedisBus(None, redis_server.url, None, "burst", "p1")  # type: ignore[arg-type]
    leaders = await asyncio.gather(*(bus.calls_leader() for _ in range(BURST)))
    assert set(leaders) == {"p1"}
    await bus._redis.aclose()


async def test_a_burst_of_presence_reads_all_answer(redis_server: RedisServer) -> None:
    presence = ClusterPresence(redis_server.url, "burst", "p1")
    found = await asyncio.gather(*(presence.connected([1, 2, 3]) for _ in range(BURST)))
    assert found == [set()] * BURST
    await presence._redis.aclose()


async def test_a_burst_of_logins_is_counted_not_let_through(redis_server: RedisServer) -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",  # not connected to
        redis_url=redis_server.url,
        redis_prefix="burst",
        rate_limits_enabled=True,
        rate_login="10/minute",
    )
    limiter = RateLimiter(settings)
    outcomes = await asyncio.gather(
        *(limiter.hit("login", "203.0.113.9") for _ in range(BURST)), return_exceptions=True
    )
    assert sum(outcome is None for outcome in outcomes) == 10
    assert all(isinstance(o, RateLimited) for o in outcomes if o is not None)


def test_a_socket_never_in_a_call_does_not_ask_the_leader(monkeypatch: pytest.MonkeyPatch) -> None:
    spawned: list[Any] = []

    def spawn(coro: Any) -> None:
        spawned.append(coro)
        coro.close()

    services: Any = SimpleNamespace(
        settings=SimpleNamespace(clustered=True),
        hub=SimpleNamespace(bus=SimpleNamespace(process_id="p1")),
        calls=SimpleNamespace(spawn=spawn),
    )
    conn: Any = SimpleNamespace(cid=1, user_id=7, in_call=False)
    front.connection_closed(services, conn)
    assert spawned == []
    conn.in_call = True
    front.connection_closed(services, conn)
    assert len(spawned) == 1
