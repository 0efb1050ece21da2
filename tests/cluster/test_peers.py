"""Where a process publishes its durable events (cluster/peers.py): once to each other
process's inbox, never on the shared channel, and not back to itself but for the rare
sample that times the lag; and a process that starts is published to at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import orjson
import redis.asyncio as redis

from shomik.cluster.peers import Peers
from shomik.cluster.subscriber import subscribe
from tests.cluster.harness import Cluster
from tests.cluster.proxies import RedisServer
from tests.cluster.test_delivery import Users, messages_of, send_on


class Publications:
    """Every message published on the cluster's channels from entering the block on, by
    channel: Redis keeps them on the connection until `collect` reads them."""

    def __init__(self, cluster: Cluster) -> None:
        self._client = redis.Redis.from_url(cluster.redis.url)
        self._pubsub = self._client.pubsub()

    async def __aenter__(self) -> Publications:
        await self._pubsub.psubscribe("shomik:*")  # subscribed once it returns
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._client.aclose()

    async def collect(self, grace: float = 0.5) -> list[tuple[str, dict[str, Any]]]:
        """What came so far, and for `grace` seconds more."""
        seen: list[tuple[str, dict[str, Any]]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while (left := deadline - loop.time()) > 0:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message["type"] == "pmessage":
                seen.append((message["channel"].decode(), orjson.loads(message["data"])))
        return seen


def pid_of(cluster: Cluster, index: int) -> int:
    """The OS pid of a process, which its inbox's name holds (`<host>:<pid>:<random>`)."""
    proc = cluster.processes[index].proc
    assert proc is not None
    return proc.pid


async def test_a_durable_event_goes_once_to_each_other_process_and_not_back(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob, carol = await cluster_users(3)
    chat = await alice.group("Inboxes", bob, carol)
    sockets = [await cluster.ws_on(bob, 1), await cluster.ws_on(carol, 2)]
    own = await cluster.ws_on(alice, 0)
    async with Publications(cluster) as watch:
        await send_on(cluster, alice, 0, chat["id"], "through the inboxes")
        for ws in [*sockets, own]:
            (got,) = await messages_of(ws, 1)
            assert got["data"]["content"] == "through the inboxes"
        published = await watch.collect()
    seq = got["seq"]

    by_channel = Counter(channel for channel, m in published if m["k"] == "d" and m["s"] == seq)
    inboxes = {
        index: [c for c in by_channel if f":{pid_of(cluster, index)}:" in c] for index in range(3)
    }
    assert "shomik:bus" not in by_channel, published
    assert [by_channel[c] for c in inboxes[1] + inboxes[2]] == [1, 1], by_channel
    assert sum(by_channel[c] for c in inboxes[0]) <= 1, "its own: only a lag sample"
    assert sum(by_channel.values()) <= 3


async def test_a_restarted_process_is_published_to_at_once(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob = await cluster_users(2)
    chat = await alice.private_chat(bob)
    cluster.restart(2)  # a new process id, a new inbox
    ws = await cluster.ws_on(bob, 2)
    async with Publications(cluster) as watch:
        await send_on(cluster, alice, 0, chat["id"], "to the newcomer")
        (got,) = await messages_of(ws, 1)
        assert got["data"]["content"] == "to the newcomer"
        published = await watch.collect()
    newcomer = f":{pid_of(cluster, 2)}:"
    assert any(
        newcomer in channel and m["k"] == "d" and m["s"] == got["seq"] for channel, m in published
    ), "sent to its inbox, not read from the log"


async def test_peers_are_the_inboxes_redis_has_subscribers_for(redis_server: RedisServer) -> None:
    """A prefix with glob characters matches only itself; a process's own inbox is left
    out; a Redis user whose ACL refuses PUBSUB keeps the processes known by hello."""
    admin = redis.Redis.from_url(redis_server.url)
    prefix = "ins[t]*"
    subscription = await subscribe(
        redis_server.url,
        [f"{prefix}:proc:me", f"{prefix}:proc:p2", f"{prefix}:proc:p3", "inst:proc:other"],
        5,
    )
    try:
        peers = Peers(admin, prefix, "me")
        await peers.refresh()
        assert peers.targets == (f"{prefix}:proc:p2", f"{prefix}:proc:p3")

        await admin.execute_command(  # type: ignore[no-untyped-call]
            "ACL", "SETUSER", "bus", "on", ">pw", "~*", "&*", "+publish", "+subscribe"
        )
        limited = redis.Redis.from_url(redis_server.url.replace("//", "//bus:pw@"))
        peers = Peers(limited, prefix, "me")
        assert peers.heard({"k": "hello", "from": "p9"}) == f"{prefix}:proc:p9"
        await peers.refresh()  # refused: logged, and what hellos said stays
        assert peers.targets == (f"{prefix}:proc:p9",)
        await limited.aclose()
    finally:
        subscription.close()
        await admin.aclose()
