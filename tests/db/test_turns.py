"""Turns (db/turns.py): publications run in the order turns were taken, whatever order their
writers come back in; a writer cancelled while it waits neither loses its publication nor
holds up the ones after it; and the settled head stays below every id still in flight."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from shomik.db.turns import Turns


def adding(sent: list[object], item: object) -> Callable[[], Awaitable[None]]:
    async def publish() -> None:
        sent.append(item)

    return publish


async def test_sends_run_in_the_order_turns_were_taken() -> None:
    turns, sent = Turns(), list[object]()
    taken = [turns.take() for _ in range(5)]

    # Writers come back in reverse order: each waits for the turns before its own.
    tasks = [asyncio.create_task(turns.run(t, adding(sent, t))) for t in reversed(taken)]
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert sent == [0, 1, 2, 3, 4]


async def test_a_writer_cancelled_in_the_line_still_sends_in_its_turn() -> None:
    turns, sent = Turns(), list[object]()
    first, second, third = turns.take(), turns.take(), turns.take()
    waiting = asyncio.create_task(turns.run(second, adding(sent, "second")))
    last = asyncio.create_task(turns.run(third, adding(sent, "third")))
    for _ in range(5):
        await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert sent == []
    await turns.run(first, adding(sent, "first"))
    await asyncio.wait_for(last, 5)
    assert sent == ["first", "second", "third"]


async def test_a_send_that_raises_does_not_stop_the_line() -> None:
    turns, sent = Turns(), list[object]()

    async def boom() -> None:
        raise RuntimeError("a socket's send failed")

    first, second = turns.take(), turns.take()
    later = asyncio.create_task(turns.run(second, adding(sent, "second")))
    with pytest.raises(RuntimeError):
        await turns.run(first, boom)
    await asyncio.wait_for(later, 5)
    assert sent == ["second"]


async def test_a_turn_passed_over_lets_the_next_one_run() -> None:
    turns, sent = Turns(), list[object]()
    failed, after = turns.take(10), turns.take(11)
    later = asyncio.create_task(turns.run(after, adding(sent, "after")))
    turns.pass_over(failed)  # its commit failed: nothing of it goes out
    await asyncio.wait_for(later, 5)
    assert sent == ["after"]


async def test_the_settled_head_stays_below_the_lowest_id_in_flight() -> None:
    turns = Turns()
    assert turns.settled(7) == 7  # nothing in flight
    first, second = turns.take(10), turns.take(12)
    # 12 committed before 10: the log's head is 13, yet 10 and 11 are still on their way.
    assert turns.settled(13) == 9
    second_done = asyncio.create_task(turns.run(second, adding([], "second")))
    await asyncio.sleep(0)
    assert turns.settled(13) == 9
    await turns.run(first, adding([], "first"))
    await asyncio.wait_for(second_done, 5)
    assert turns.settled(13) == 13
    # A cluster's turns carry no id of this process's: they cap nothing.
    turns.take()
    assert turns.settled(20) == 20
