"""shomik_redis_publish_lag_seconds (cluster/redis_bus.py): observed when one of this
process's own publications comes back on its subscription, once each, and never for
another process's events."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Histogram

from shomik.cluster import redis_bus
from shomik.cluster.redis_bus import RedisBus


def observed(registry: CollectorRegistry) -> float:
    value = registry.get_sample_value("lag_seconds_count")
    return 0.0 if value is None else value


async def test_the_lag_of_own_publications_only(monkeypatch: pytest.MonkeyPatch) -> None:
    bus = RedisBus(None, "redis://127.0.0.1:1/0", None, "test", "p1")  # type: ignore[arg-type]
    registry = CollectorRegistry()
    bus.publish_lag = Histogram("lag_seconds", "test", registry=registry)
    bus.connected = True
    bus.delivered_through = 9
    published: list[bytes] = []

    async def publish(_channel: str, body: bytes) -> None:
        published.append(body)

    async def deliver(*_args: Any) -> None:
        return None

    monkeypatch.setattr(bus._publisher, "publish", publish)
    monkeypatch.setattr(redis_bus, "deliver_durable", deliver)

    await bus.durable(10, None, 1, "{}")
    await bus.durable(12, None, 1, "{}")
    assert len(published) == 2 and observed(registry) == 0  # not back yet

    await bus._apply({"k": "d", "s": 10, "u": None, "c": 1, "t": "{}"})
    assert observed(registry) == 1
    await bus._apply({"k": "d", "s": 11, "u": None, "c": 1, "t": "{}"})  # another's
    await bus._apply({"k": "d", "s": 10, "u": None, "c": 1, "t": "{}"})  # again
    assert observed(registry) == 1
    await bus._apply({"k": "d", "s": 12, "u": None, "c": 1, "t": "{}"})
    assert observed(registry) == 2
    assert bus.delivered_through == 12
