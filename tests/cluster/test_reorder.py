"""Durable events reach a process in publication order, which crosses seq order when two
processes publish at once (cluster/redis_bus.py): the later one waits a moment for the
earlier one instead of reading the log, and the log is read only when the hole stays."""

from __future__ import annotations

from typing import Any

import pytest

from shomik.cluster import redis_bus
from shomik.cluster.redis_bus import RedisBus


class Recorder:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, bus: RedisBus) -> None:
        self.delivered: list[int] = []
        self.catch_ups: list[int | None] = []
        self.log: dict[int, str] = {}  # what the event log holds beyond the publications

        async def deliver(_hub: Any, seq: int, *_rest: Any) -> None:
            self.delivered.append(seq)

        async def catch_up(before: int | None = None, *, reason: str) -> None:
            assert before is None or reason == "hole"
            self.catch_ups.append(before)
            for seq in sorted(self.log):
                if seq > bus.delivered_through and (before is None or seq < before):
                    await deliver(None, seq)
                    bus.delivered_through = seq

        monkeypatch.setattr(redis_bus, "deliver_durable", deliver)
        monkeypatch.setattr(bus, "_catch_up", catch_up)


def durable(seq: int) -> dict[str, Any]:
    return {"k": "d", "s": seq, "u": None, "c": 1, "t": f'{{"seq":{seq}}}'}


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch) -> tuple[RedisBus, Recorder]:
    bus = RedisBus(None, "redis://127.0.0.1:1/0", None, "test", "p1")  # type: ignore[arg-type]
    bus.delivered_through = 9
    return bus, Recorder(monkeypatch, bus)


async def test_crossed_publications_go_out_in_seq_order_without_the_log(
    bus: tuple[RedisBus, Recorder],
) -> None:
    b, rec = bus
    for seq in (10, 12, 13, 11, 11, 14):
        await b._apply(durable(seq))
    assert rec.delivered == [10, 11, 12, 13, 14]
    assert rec.catch_ups == []
    assert b.delivered_through == 14


async def test_a_hole_that_stays_is_filled_from_the_log(bus: tuple[RedisBus, Recorder]) -> None:
    b, rec = bus
    rec.log = {10: "committed, its publication lost"}
    await b._apply(durable(12))  # 11: an id rolled back, never published
    await b._apply(durable(13))
    assert rec.delivered == []
    await b._fill_hole()  # what _read does once HOLE_WAIT_SECONDS have passed
    assert rec.catch_ups == [12]
    assert rec.delivered == [10, 12, 13]
    await b._apply(durable(12))  # late after all: not twice
    assert rec.delivered == [10, 12, 13]


async def test_too_much_held_asks_the_log_at_once(
    bus: tuple[RedisBus, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    b, rec = bus
    monkeypatch.setattr(redis_bus, "HELD_MAX", 3)
    for seq in (11, 12, 13, 14):
        await b._apply(durable(seq))
    assert rec.catch_ups == [11]
    assert rec.delivered == [11, 12, 13, 14]
