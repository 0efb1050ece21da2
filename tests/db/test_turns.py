"""Turns (db/turns.py): sends run in the order turns were taken, whatever order their
writers come back in, and a writer cancelled while it waits neither loses its sends nor
holds up the ones after it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from shomik.db.turns import Turns


async def test_sends_run_in_the_order_turns_were_taken() -> None:
    turns, sent = Turns(), []
    taken = [turns.take() for _ in range(5)]

    def send_of(turn: int) -> Callable[[], None]:
        return lambda: sent.append(turn)

    # Writers come back in reverse order: each waits for the turns before its own.
    tasks = [asyncio.create_task(turns.run(t, [send_of(t)])) for t in reversed(taken)]
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert sent == [0, 1, 2, 3, 4]


async def test_a_writer_cancelled_in_the_line_still_sends_in_its_turn() -> None:
    turns, sent = Turns(), []
    first, second, third = turns.take(), turns.take(), turns.take()
    waiting = asyncio.create_task(turns.run(second, [lambda: sent.append("second")]))
    last = asyncio.create_task(turns.run(third, [lambda: sent.append("third")]))
    for _ in range(5):
        await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert sent == []
    await turns.run(first, [lambda: sent.append("first")])
    await asyncio.wait_for(last, 5)
    assert sent == ["first", "second", "third"]


async def test_a_send_that_raises_does_not_stop_the_line() -> None:
    turns, sent = Turns(), []

    def boom() -> None:
        raise RuntimeError("a socket's send failed")

    first, second = turns.take(), turns.take()
    later = asyncio.create_task(turns.run(second, [lambda: sent.append("second")]))
    with pytest.raises(RuntimeError):
        await turns.run(first, [boom])
    await asyncio.wait_for(later, 5)
    assert sent == ["second"]
