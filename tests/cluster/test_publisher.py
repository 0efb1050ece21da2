"""The bus's publisher (cluster/publisher.py): publications written without replies still
reach subscribers in call order, Redis writes nothing back for them, a Redis that went away
is reconnected to, and one that stops reading fails publishes within a bound instead of
holding the event-order section."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis
from redis.exceptions import RedisError

from shomik.cluster.publisher import Publisher
from tests.cluster.proxies import RedisServer


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


async def output_bytes(client: redis.Redis) -> int:
    """What Redis has written to all its clients so far (an INFO reply adds its own)."""
    return int((await client.info("stats"))["total_net_output_bytes"])


async def test_publications_arrive_in_call_order_and_ask_for_no_reply(
    redis_server: RedisServer, subscriber: redis.client.PubSub
) -> None:
    publisher = Publisher(redis_server.url)
    bodies = [f"m{i}".encode() for i in range(500)]
    for body in bodies:
        await publisher.publish("ch", body)
    assert await received(subscriber, len(bodies)) == bodies

    # 5,000 publications to a channel nobody reads: with replies, Redis would write
    # ":0\r\n" for each (20,000 bytes); without, only the INFO replies around them.
    client = redis.from_url(redis_server.url)
    first = await output_bytes(client)
    info_reply = await output_bytes(client) - first
    for _ in range(5000):
        await publisher.publish("nobody", b"x")
    await client.ping()  # Redis reads one connection's commands in order: wait for all
    await asyncio.sleep(0.2)
    written = await output_bytes(client) - first - info_reply
    assert written < 2000, written
    await client.aclose()
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


async def test_a_redis_that_stops_reading_fails_publishes_within_a_bound(
    redis_server: RedisServer,
) -> None:
    publisher = Publisher(redis_server.url)
    await publisher.publish("ch", b"warm")
    assert redis_server.proc is not None
    redis_server.proc.send_signal(signal.SIGSTOP)
    # Writes go into the socket's buffers until they are full; then one waits to drain,
    # for at most PUBLISH_TIMEOUT.
    body = b"x" * 65536
    with pytest.raises((RedisError, TimeoutError)):
        async with asyncio.timeout(20):
            for _ in range(10_000):
                await publisher.publish("ch", body)
    started = time.monotonic()
    with pytest.raises((RedisError, OSError, TimeoutError)):
        for _ in range(10_000):  # a new connection, stuck the same way
            await publisher.publish("ch", body)
    assert time.monotonic() - started < 10
    redis_server.proc.send_signal(signal.SIGCONT)
    await publisher.publish("ch", b"back")  # a new connection
    await publisher.close()


async def test_a_quiet_publisher_keeps_its_connection(redis_server: RedisServer) -> None:
    """No reply ever comes, so waiting for one must not time out and reconnect."""
    client = redis.from_url(redis_server.url)
    publisher = Publisher(redis_server.url)
    await publisher.publish("ch", b"first")
    before = (await client.info("stats"))["total_connections_received"]
    await asyncio.sleep(6)  # past every timeout the connection has (redis-py: 5 s)
    await publisher.publish("ch", b"second")
    await client.ping()
    assert (await client.info("stats"))["total_connections_received"] == before
    await client.aclose()
    await publisher.close()
