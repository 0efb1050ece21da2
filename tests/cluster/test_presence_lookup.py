"""Who is connected anywhere, as a push asks it after each message (presence/cluster.py):
one Redis command for any number of users, the same answer as asking one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from shomik.presence.cluster import ClusterPresence
from tests.cluster.proxies import RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(Path(tmp_path_factory.mktemp("presence_redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def processes(redis_server: RedisServer) -> AsyncIterator[list[ClusterPresence]]:
    both = [ClusterPresence(redis_server.url, "lookup", name) for name in ("p1", "p2")]
    yield both
    client = redis.from_url(redis_server.url)
    await client.flushdb()
    await client.aclose()


async def test_connected_counts_a_socket_on_any_process_in_one_command(
    processes: list[ClusterPresence], redis_server: RedisServer
) -> None:
    p1, p2 = processes
    await p1.set_local(1, "online")
    await p2.set_local(2, "away")
    await p2.set_local(3, "online")
    await p2.set_local(3, "offline")
    monitor = redis.from_url(redis_server.url, decode_responses=True)
    await p1.connected([5])  # a first call loads the script and opens the connection
    before = await monitor.info("commandstats")
    assert await p1.connected([1, 2, 3, 4]) == {1, 2}
    after = await monitor.info("commandstats")

    def calls(stats: dict[str, dict[str, int]], name: str) -> int:
        return int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))

    # One command from this process (the EXISTS run inside the script are counted too,
    # but they cost no round trip and no packing on our side).
    assert calls(after, "evalsha") - calls(before, "evalsha") == 1
    assert calls(after, "exists") - calls(before, "exists") == 4
    assert await p2.connected(list(range(100, 160))) == set()
    assert await p2.connected([]) == set()
    await monitor.aclose()
