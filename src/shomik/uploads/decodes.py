"""The process-wide bound on image decoding. Pillow holds a whole image in memory while it
re-encodes it (4 bytes a pixel for RGB: 160 MB for 40 MP), and every `asyncio.to_thread`
call gets its own thread, so a burst of big images would otherwise decode all at once
(issue 12: 12 x 40 MP took a 2-core server to 3.4 GB). Decodes here run at most
`concurrency` at a time and within a memory budget; a bounded number wait in line (first
come, first served, so a big image is not overtaken forever), and the rest are refused with
503 `busy` and Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from shomik.errors import Busy

T = TypeVar("T")
RETRY_AFTER_SECONDS = 2


def _trimmer() -> Callable[[], None]:
    """glibc keeps freed memory in per-thread arenas; a decode's 100+ MB would stay with the
    process after the burst. malloc_trim hands it back (a no-op elsewhere)."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return lambda: None
    return lambda: trim(0) and None


_trim = _trimmer()


class DecodeGate:
    def __init__(self, budget_bytes: int, concurrency: int, queue: int) -> None:
        self.budget = budget_bytes
        self.concurrency = concurrency
        self.queue = queue
        self._running = 0
        self._used = 0
        self._waiters: deque[tuple[int, asyncio.Future[None]]] = deque()

    async def run(self, cost: int, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` in a thread once `cost` bytes (the decode's estimate) fit. An image
        bigger than the whole budget still runs, alone. The slot is held until the thread
        ends, even if the request is cancelled meanwhile: the memory is in use until then."""
        cost = min(cost, self.budget)
        await self._acquire(cost)
        try:
            thread = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        except BaseException:
            self._release(cost)
            raise
        thread.add_done_callback(lambda done: self._finished(done, cost))
        return await asyncio.shield(thread)

    def _fits(self, cost: int) -> bool:
        if self._running >= self.concurrency:
            return False
        return self._running == 0 or self._used + cost <= self.budget

    async def _acquire(self, cost: int) -> None:
        if not self._waiters and self._fits(cost):
            self._take(cost)
            return
        if len(self._waiters) >= self.queue:
            raise Busy(
                "The server is busy processing images; try again shortly.",
                retry_after=RETRY_AFTER_SECONDS,
            )
        entry = (cost, asyncio.get_running_loop().create_future())
        self._waiters.append(entry)
        try:
            await entry[1]
        except asyncio.CancelledError:
            if entry[1].done() and not entry[1].cancelled():
                self._release(cost)  # admitted, then cancelled before it could start
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(entry)
                self._admit()
            raise

    def _take(self, cost: int) -> None:
        self._running += 1
        self._used += cost

    def _finished(self, done: asyncio.Future[Any], cost: int) -> None:
        if not done.cancelled():
            done.exception()  # retrieved here too, in case the awaiting request went away
        self._release(cost)

    def _release(self, cost: int) -> None:
        self._running -= 1
        self._used -= cost
        if self._running == 0:
            _trim()
        self._admit()

    def _admit(self) -> None:
        while self._waiters and self._fits(self._waiters[0][0]):
            cost, future = self._waiters.popleft()
            if future.done():
                continue
            self._take(cost)
            future.set_result(None)
