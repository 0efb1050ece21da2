"""The counters a socket moves without a server: sheds and slow-consumer cut-offs, with a
WebSocket whose peer never reads."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from shomik.metrics.registry import Metrics
from shomik.realtime.connection import CLOSE_SLOW_CONSUMER, Connection


class StalledSocket:
    """A WebSocket whose every send waits forever, as one whose reader stopped reading."""

    def __init__(self) -> None:
        self.closed_with: int | None = None

    async def send_text(self, _text: str) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int, _reason: str = "") -> None:
        self.closed_with = code


def sample(metrics: Metrics, name: str) -> float:
    text = metrics.exposition().decode()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                return s.value
    raise AssertionError(f"{name} not exposed")


async def test_a_full_queue_sheds_then_disconnects_and_both_are_counted() -> None:
    metrics = Metrics()
    ws: Any = StalledSocket()
    conn = Connection(ws, user_id=1, session_id="s", queue_size=4, metrics=metrics)
    conn.start()
    conn.finish_replay(0)
    for i in range(3):  # one in flight, two queued: the queue is half full
        conn.send_direct(f"frame {i}")
    conn.send_ephemeral("typing")
    conn.send_ephemeral("typing")
    assert sample(metrics, "shomik_ws_shed_events_total") == 2
    assert sample(metrics, "shomik_ws_slow_consumer_disconnects_total") == 0
    for i in range(3):
        conn.send_direct(f"more {i}")
    assert conn.close_code == CLOSE_SLOW_CONSUMER
    assert sample(metrics, "shomik_ws_slow_consumer_disconnects_total") == 1
    conn.close(CLOSE_SLOW_CONSUMER)  # closing again counts nothing more
    assert sample(metrics, "shomik_ws_slow_consumer_disconnects_total") == 1
    await conn.drain_and_stop()


def test_two_apps_keep_their_own_counts() -> None:
    first, second = Metrics(), Metrics()
    first.command("message:send")
    first.command("message:send")
    second.command("message:send")
    assert sample(first, "shomik_ws_commands_total") == 2
    assert sample(second, "shomik_ws_commands_total") == 1
