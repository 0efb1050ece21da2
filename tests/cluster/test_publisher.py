"""The bus's publisher (cluster/publisher.py): publications written without waiting for
each reply still reach subscribers in call order, their replies are counted, a Redis that
went away is reconnected to, and one that stops answering fails publishes within a bound
instead of holding the event-order section."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from redis.exceptions import RedisError

from shomik.cluster import publisher as publisher_module
from shomik.cluster.publisher import Publisher
from tests.cluster.proxies import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    if server.proc is not None:
        server.proc.send_signal(signal.SIGCONT)  # in case a test stopped it
    server.stop()


@pytest.fixture
async def subscriber(redis_server: RedisServer) -> AsyncIterator[redis.client.PubSub]:
    client = redis.from_url(redis_server.url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe("ch")
    yield pubsub
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    await client.aclose()


async def received(pubsub: redis.client.PubSub, n: int) -> list[bytes]:
    got: list[bytes] = []
    async with asyncio.timeout(10):
        while len(got) < n:
            message = await pubsub.get_message(timeout=1)
            if message is not None:
                got.append(message["data"])
    return got


async def test_publications_arrive_in_call_order_and_replies_are_counted(
    redis_server: RedisServer, subscriber: redis.client.PubSub
) -> None:
    lags: list[float] = []
    publisher = Publisher(redis_server.url, lags.append)
    bodies = [f"m{i}".encode() for i in range(500)]
    for i, body in enumerate(bodies):
        # Every other one counts its lag: only those are reported.
        await publisher.publish("ch", body, time.perf_counter() if i % 2 else None)
    assert await received(subscriber, len(bodies)) == bodies
    async with asyncio.timeout(5):
        while len(lags) < 250:
            await asyncio.sleep(0.01)
    assert len(lags) == 250 and all(0 <= lag < 5 for lag in lags)
    await publisher.close()


async def test_a_restarted_redis_is_published_to_again(
    redis_server: RedisServer, subscriber: redis.client.PubSub
) -> None:
    publisher = Publisher(redis_server.url)
    await publisher.publish("ch", b"before")
    assert await received(subscriber, 1) == [b"before"]
    await asyncio.to_thread(redis_server.stop)
    # The first publish after may still be written into the dead socket (and be lost, as
    # the subscribers' catch-up from the log expects); later ones fail until Redis is back.
    failed = 0
    for _ in range(5):
        try:
            await publisher.publish("ch", b"lost")
        except (RedisError, OSError, TimeoutError):
            failed += 1
        await asyncio.sleep(0.05)
    assert failed >= 4
    await asyncio.to_thread(redis_server.start)
    client = redis.from_url(redis_server.url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe("ch")
    await publisher.publish("ch", b"after")
    assert await received(pubsub, 1) == [b"after"]
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    await client.aclose()
    await publisher.close()


async def test_a_redis_that_stops_answering_fails_publishes_within_a_bound(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publisher_module, "MAX_UNANSWERED", 50)
    publisher = Publisher(redis_server.url)
    await publisher.publish("ch", b"warm")
    await asyncio.sleep(0.1)  # its reply is in
    assert redis_server.proc is not None
    redis_server.proc.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    with pytest.raises((RedisError, TimeoutError)):
        async with asyncio.timeout(10):
            for _ in range(60):
                await publisher.publish("ch", b"x" * 100)
    assert time.monotonic() - started < 5
    redis_server.proc.send_signal(signal.SIGCONT)
    await publisher.publish("ch", b"back")  # a new connection
    await publisher.close()
