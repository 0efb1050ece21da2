"""Web Push in a cluster: a subscription stored through one process is known to the others
at once (push/subscribed.py keeps who may be pushed to in each process's memory), and a
member with a socket on any process gets no push."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as redis

from tests.cluster.harness import Cluster
from tests.cluster.test_delivery import send_on
from tests.harness import User
from tests.push.pushservice import Browser, PushService

Users = Callable[[int], Awaitable[list[User]]]


@pytest.fixture(scope="module")
async def push_service(cluster_push_port: int) -> AsyncIterator[PushService]:
    service = PushService()
    await service.start(cluster_push_port)
    yield service
    await service.stop()


async def two_in_a_chat(users: Users, service: PushService) -> tuple[User, User, int, Browser]:
    """Alice and Bob in a private chat, and a browser of Bob's (not subscribed yet)."""
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    return alice, bob, int(chat["id"]), service.browser()


async def subscribe_on(cluster: Cluster, user: User, index: int, browser: Browser) -> None:
    url = f"{cluster.processes[index].url}/api/push/subscriptions"
    r = await user.http.post(url, json=browser.subscription())
    assert r.status_code == 201, r.text


async def test_a_subscription_made_on_one_process_is_pushed_to_by_another(
    cluster: Cluster, cluster_users: Users, push_service: PushService
) -> None:
    alice, bob, chat_id, browser = await two_in_a_chat(cluster_users, push_service)
    await subscribe_on(cluster, bob, 1, browser)
    await send_on(cluster, alice, 0, chat_id, "from the first process")
    (received,) = await push_service.wait_for(browser)
    assert received.payload(browser)["body"] == "from the first process"


async def test_a_socket_on_another_process_means_no_push(
    cluster: Cluster, cluster_users: Users, push_service: PushService
) -> None:
    alice, bob, chat_id, browser = await two_in_a_chat(cluster_users, push_service)
    await subscribe_on(cluster, bob, 2, browser)
    ws = await cluster.ws_on(bob, 1)
    # At once: the socket was told to Redis before its `ready` (realtime/gateway.py).
    client = redis.Redis.from_url(cluster.redis.url)
    assert await client.hlen(f"shomik:presence:{bob.id}") == 1
    await client.aclose()
    await send_on(cluster, alice, 0, chat_id, "you are on process 1")
    await ws.expect("message:new")
    await ws.close()
    await asyncio.sleep(0.5)  # process 1 notices the socket is gone and tells Redis
    await send_on(cluster, alice, 0, chat_id, "and now nowhere")
    (received,) = await push_service.wait_for(browser)
    await asyncio.sleep(0.3)
    assert len(push_service.to(browser)) == 1
    assert received.payload(browser)["body"] == "and now nowhere"


async def test_a_subscription_made_while_redis_was_away_is_known_once_it_is_back(
    cluster: Cluster, cluster_users: Users, push_service: PushService
) -> None:
    """The note of a new subscription is lost with Redis; every process reads the
    subscriptions again when its bus reconnects."""
    alice, bob, chat_id, browser = await two_in_a_chat(cluster_users, push_service)
    await asyncio.to_thread(cluster.redis.stop)
    await subscribe_on(cluster, bob, 1, browser)
    await asyncio.to_thread(cluster.redis.start)
    # Process 0 is back on Redis within its reconnect delay (at most 5 s); until then it
    # may not know Bob subscribed, so it is asked until it pushes, and it must.
    for attempt in range(30):
        await send_on(cluster, alice, 0, chat_id, f"try {attempt}")
        if push_service.to(browser):
            break
        await asyncio.sleep(0.5)
    (received, *_) = await push_service.wait_for(browser)
    assert received.payload(browser)["body"].startswith("try ")
