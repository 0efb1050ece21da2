"""The push sender's queue (push/sender.py): jobs of different chats run side by side, one
chat's in the order they came, and a flood's drops are logged with their count, not one
line each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from shomik.push import sender as push_sender
from shomik.push.keys import load
from shomik.push.sender import Job, PushSender
from shomik.settings import Settings


async def _nothing_gone(_sub_id: int) -> None:
    return None


@pytest.fixture
async def sender(tmp_path: Path) -> AsyncIterator[PushSender]:
    settings = Settings(data_dir=tmp_path)
    made = PushSender(settings, load(settings), _nothing_gone)
    made.start()
    yield made
    await made.stop()


async def test_a_slow_chat_does_not_hold_up_another_and_each_keeps_its_order(
    sender: PushSender,
) -> None:
    ran: list[str] = []
    slow_chat_may_go = asyncio.Event()

    def job(name: str, wait: asyncio.Event | None = None) -> Job:
        async def run() -> None:
            if wait is not None:
                await wait.wait()
            ran.append(name)

        return run

    sender.enqueue(job("chat 1: first", slow_chat_may_go), 1)
    sender.enqueue(job("chat 1: second"), 1)
    sender.enqueue(job("chat 2"), 2)
    await asyncio.wait_for(_until(lambda: "chat 2" in ran), 5)
    assert ran == ["chat 2"]  # chat 1's first job is still waiting, and its second behind it
    slow_chat_may_go.set()
    await asyncio.wait_for(sender.idle(), 5)
    assert ran == ["chat 2", "chat 1: first", "chat 1: second"]


async def test_a_flood_is_dropped_and_logged_once_with_its_count(
    sender: PushSender, caplog: pytest.LogCaptureFixture
) -> None:
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    per_worker = push_sender.QUEUE_SIZE // push_sender.WORKERS
    with caplog.at_level(logging.WARNING, logger="shomik.push.sender"):
        # The worker of chat 0 takes one job, its queue holds per_worker more: 10 beyond.
        for _ in range(per_worker + 11):
            sender.enqueue(stuck, 0)
            await asyncio.sleep(0)
    drops = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert drops == ["push queue full: 1 notification(s) dropped"]  # then 9 more, unlogged
    never.set()


async def _until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.01)
