"""A process's durable events (cluster/redis_bus.py, cluster/peers.py): published to the
other processes' inboxes and handed to its own reader, never back through Redis, except one
at most every SAMPLE_SECONDS that also goes to its own inbox for
shomik_redis_publish_lag_seconds, observed once when it comes back and never for another
process's events."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Histogram

from shomik.cluster import peers, redis_bus
from shomik.cluster.redis_bus import RedisBus
from shomik.cluster.subscriber import Subscription


def observed(registry: CollectorRegistry) -> float:
    value = registry.get_sample_value("lag_seconds_count")
    return 0.0 if value is None else value


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> tuple[RedisBus, list[tuple[str, bytes]]]:
    bus = RedisBus(None, "redis://127.0.0.1:1/0", None, "test", "p1")  # type: ignore[arg-type]
    bus.connected = True
    bus._subscription = Subscription()
    bus.delivered_through = 9
    published: list[tuple[str, bytes]] = []

    async def publish(channel: str, body: bytes) -> None:
        published.append((channel, body))

    async def deliver(*_args: Any) -> None:
        return None

    monkeypatch.setattr(bus._publisher, "publish", publish)
    monkeypatch.setattr(redis_bus, "deliver_durable", deliver)
    return bus, published


async def test_own_events_go_to_the_others_and_to_the_own_reader(
    bus: tuple[RedisBus, list[tuple[str, bytes]]],
) -> None:
    b, published = bus
    assert b._peers.heard({"k": "hello", "from": "p2"}) == "test:proc:p2"  # answered there
    assert b._peers.heard({"k": "hello", "from": "p3", "answer": True}) is None
    assert b._peers.heard({"k": "hello", "from": "p1"}) is None  # its own, back: not a peer
    await b.durable(10, None, 1, "{}")
    assert sorted(channel for channel, _ in published) == ["test:proc:p2", "test:proc:p3"]
    assert b._subscription is not None
    assert await b._subscription.next_batch(0) == [
        {"k": "d", "s": 10, "u": None, "c": 1, "t": "{}"}
    ]


async def test_the_lag_of_sampled_own_publications_only(
    bus: tuple[RedisBus, list[tuple[str, bytes]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    b, published = bus
    registry = CollectorRegistry()
    b.lag.histogram = Histogram("lag_seconds", "test", registry=registry)
    monkeypatch.setattr(peers, "SAMPLE_SECONDS", 0.0)  # every event sampled
    await b.durable(10, None, 1, "{}")
    await b.durable(12, None, 1, "{}")
    assert [channel for channel, _ in published] == ["test:proc:p1"] * 2
    assert observed(registry) == 0  # not back yet

    await b._apply({"k": "d", "s": 10, "u": None, "c": 1, "t": "{}"})
    assert observed(registry) == 1
    await b._apply({"k": "d", "s": 11, "u": None, "c": 1, "t": "{}"})  # another's
    await b._apply({"k": "d", "s": 10, "u": None, "c": 1, "t": "{}"})  # again
    assert observed(registry) == 1
    await b._apply({"k": "d", "s": 12, "u": None, "c": 1, "t": "{}"})
    assert observed(registry) == 2
    assert b.delivered_through == 12

    monkeypatch.setattr(peers, "SAMPLE_SECONDS", 3600.0)
    published.clear()
    await b.durable(13, None, 1, "{}")
    assert published == [], "no peers and no sample: nothing goes to Redis"
