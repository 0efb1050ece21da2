"""shomik_redis_events_from_log (cluster/redis_bus.py): the events a process had to take from
the event log because the channel did not bring them, counted by why, and only when the log
had any."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter

from shomik.cluster import redis_bus
from shomik.cluster.redis_bus import RedisBus
from shomik.realtime import events


class Log:
    """The event log as `_catch_up` reads it: rows after an id, below `before`."""

    def __init__(self, *ids: int) -> None:
        self.ids = ids

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[None]:
        yield None

    async def after(self, _conn: Any, since: int, limit: int, before: int | None) -> list[Any]:
        rows = [i for i in self.ids if i > since and (before is None or i < before)]
        return [
            SimpleNamespace(id=i, type="message:new", user_id=None, chat_id=1, data="{}")
            for i in rows[:limit]
        ]


def counted(registry: CollectorRegistry, reason: str) -> float:
    return registry.get_sample_value("from_log_total", {"reason": reason}) or 0.0


async def test_events_taken_from_the_log_are_counted_by_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = Log(10, 11, 14)
    bus = RedisBus(None, "redis://127.0.0.1:1/0", log, "test", "p1")  # type: ignore[arg-type]
    bus.hub = SimpleNamespace(members=SimpleNamespace(clear=lambda: None))  # type: ignore[assignment]
    registry = CollectorRegistry()
    bus.from_log = Counter("from_log", "test", ["reason"], registry=registry)
    delivered: list[int] = []

    async def deliver(_hub: Any, seq: int, *_rest: Any) -> None:
        delivered.append(seq)

    monkeypatch.setattr(redis_bus, "deliver_durable", deliver)
    monkeypatch.setattr(events, "after", log.after)
    bus.delivered_through = 9

    await bus._catch_up(reason="reconnect")  # Redis was away while 10, 11 and 14 committed
    assert delivered == [10, 11, 14]
    assert counted(registry, "reconnect") == 3
    await bus._catch_up(reason="quiet")  # nothing new: nothing counted
    assert counted(registry, "quiet") == 0

    log.ids = (10, 11, 14, 15, 17)
    bus._held = {17: {"k": "d", "s": 17, "u": None, "c": 1, "t": "{}"}}
    await bus._fill_hole()  # 15's publication never came; 16 rolled back
    assert delivered == [10, 11, 14, 15, 17]
    assert counted(registry, "hole") == 1
