"""Admission of new sockets before they authenticate (the `/ws` endpoint's first step)."""

from __future__ import annotations

import asyncio


class Admission:
    """At most `limit` sockets of this process still to say who they are: each is an
    accepted socket with its buffers (and zlib streams), and a flood of them must not pile
    up. Past the limit a handshake waits for a slot, before it is accepted, for up to
    `wait` seconds: when every client of the process reconnects at once, the loop takes all
    the handshakes before the first auth frame, and refusing them would send most back to
    their backoff (docs/benchmarks.md, the reconnect storm). More than `QUEUE_FACTOR` times
    the limit waiting is a flood: refused at once."""

    QUEUE_FACTOR = 20

    def __init__(self, limit: int, wait: float) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._wait = wait
        self._max_waiting = limit * self.QUEUE_FACTOR
        self._waiting = 0

    async def enter(self) -> bool:
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: returns at once
            return True
        if self._waiting >= self._max_waiting or self._wait <= 0:
            return False
        self._waiting += 1
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
            return True
        except TimeoutError:
            return False
        finally:
            self._waiting -= 1

    def leave(self) -> None:
        self._slots.release()
