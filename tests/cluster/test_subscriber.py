"""The bus's subscription (cluster/subscriber.py) against a real redis-server: messages of
both channels in publication order, handed over in batches; a password as the URL gives
it; a refused one; backpressure that loses nothing; a lost connection reported once what
came before it is taken."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import redis.asyncio as redis
import uvloop
from redis.exceptions import AuthenticationError, ConnectionError

from shomik.cluster import subscriber as subscriber_module
from shomik.cluster.publisher import Publisher
from shomik.cluster.subscriber import Subscription, subscribe
from tests.cluster.proxies import RedisServer

Run = Callable[[Coroutine[Any, Any, None]], None]
# Each test on both loops: the server runs on uvloop, whose transports are not asyncio's
# classes.
both_loops = pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])


async def take(subscription: Subscription, n: int) -> tuple[list[bytes | dict[str, Any]], int]:
    """n messages' data, and in how many batches they came."""
    got: list[bytes | dict[str, Any]] = []
    batches = 0
    async with asyncio.timeout(10):
        while len(got) < n:
            batch = await subscription.next_batch(1)
            batches += bool(batch)
            got += batch
    return got, batches


@both_loops
def test_both_channels_in_publication_order_in_batches(run: Run, redis_server: RedisServer) -> None:
    run(_both_channels_in_publication_order_in_batches(redis_server))


async def _both_channels_in_publication_order_in_batches(redis_server: RedisServer) -> None:
    subscription = await subscribe(redis_server.url, ["bus", "inbox"], 5)
    client = redis.from_url(redis_server.url)
    sent = [(("bus", "inbox")[i % 3 == 0], f"m{i}".encode()) for i in range(2000)]
    async with client.pipeline(transaction=False) as pipe:
        for channel, body in sent:
            pipe.publish(channel, body)
        await pipe.execute()
    await client.publish("elsewhere", b"not ours")
    got, batches = await take(subscription, len(sent))
    assert got == [body for _, body in sent]
    assert batches < len(sent) / 10  # many to a wake-up, not one each
    assert await subscription.next_batch(0.2) == []  # nothing from other channels
    subscription.close()
    await client.aclose()


@both_loops
def test_a_password_in_the_url_is_used(run: Run, redis_server: RedisServer) -> None:
    run(_a_password_in_the_url_is_used(redis_server))


async def _a_password_in_the_url_is_used(redis_server: RedisServer) -> None:
    admin = redis.from_url(redis_server.url)
    await admin.config_set("requirepass", "s3cret")
    with pytest.raises(ConnectionError):  # no password: NOAUTH on SUBSCRIBE
        await subscribe(redis_server.url, ["bus"], 5)
    with pytest.raises(AuthenticationError):
        await subscribe(redis_server.url.replace("//", "//:wrong@"), ["bus"], 5)
    url = redis_server.url.replace("//", "//:s3cret@")
    subscription = await subscribe(url, ["bus"], 5)
    publisher = Publisher(url)  # the bus's other connection (cluster/resp.py) too
    await publisher.publish("bus", b"hello")
    assert (await take(subscription, 1))[0] == [b"hello"]

    # A user that may publish but not set CLIENT REPLY: publishing works, and the replies
    # it then gets are dropped as they come.
    await admin.execute_command("ACL", "SETUSER", "pub", "on", ">pw", "~*", "&*", "+publish")  # type: ignore[no-untyped-call]
    limited = Publisher(redis_server.url.replace("//", "//pub:pw@"))
    for i in range(100):
        await limited.publish("bus", b"%d" % i)
    assert (await take(subscription, 100))[0] == [b"%d" % i for i in range(100)]
    assert limited._conn is not None and not limited._conn._replies
    subscription.close()
    await publisher.close()
    await limited.close()
    await admin.aclose()


@both_loops
def test_a_slow_reader_pauses_the_socket_and_loses_nothing(
    run: Run, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(_a_slow_reader_pauses_the_socket_and_loses_nothing(redis_server, monkeypatch))


async def _a_slow_reader_pauses_the_socket_and_loses_nothing(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscriber_module, "MAX_PENDING", 50)
    subscription = await subscribe(redis_server.url, ["bus"], 5)
    client = redis.from_url(redis_server.url)
    bodies = [f"{i:05}".encode() * 20 for i in range(3000)]
    async with client.pipeline(transaction=False) as pipe:
        for body in bodies:
            pipe.publish("bus", body)
        await pipe.execute()
    await asyncio.sleep(0.3)  # everything sent; the reader has not taken any
    assert subscription._paused
    assert len(subscription._replies) < len(bodies)
    got, _ = await take(subscription, len(bodies))
    assert got == bodies
    assert not subscription._paused
    subscription.close()
    await client.aclose()


@both_loops
def test_a_lost_connection_is_reported_after_what_came_before(
    run: Run,
    redis_server: RedisServer,
) -> None:
    run(_a_lost_connection_is_reported_after_what_came_before(redis_server))


async def _a_lost_connection_is_reported_after_what_came_before(
    redis_server: RedisServer,
) -> None:
    subscription = await subscribe(redis_server.url, ["bus"], 5)
    client = redis.from_url(redis_server.url)
    await client.publish("bus", b"last words")
    await client.aclose()
    await asyncio.to_thread(redis_server.stop)
    await asyncio.sleep(0.2)
    assert await subscription.next_batch(1) == [b"last words"]
    with pytest.raises(ConnectionError):
        await subscription.next_batch(1)


@both_loops
def test_a_redis_that_does_not_answer_fails_the_subscription_in_time(
    run: Run,
    redis_server: RedisServer,
) -> None:
    run(_a_redis_that_does_not_answer_fails_the_subscription_in_time(redis_server))


async def _a_redis_that_does_not_answer_fails_the_subscription_in_time(
    redis_server: RedisServer,
) -> None:
    assert redis_server.proc is not None
    redis_server.proc.send_signal(signal.SIGSTOP)
    with pytest.raises(TimeoutError):
        await subscribe(redis_server.url, ["bus"], 0.5)
