"""Publishing committed events in the order of their ids while their commits run side by
side (PostgreSQL, one process), and the position below which nothing is still on its way.

The event-order section (db/engine.py) used to hold each write's event insert and COMMIT,
one round trip, and every write of the process queued for it: the round trip's length
bounded the process's writes per second. Under load it grew with PostgreSQL's own wait for
a core (0.4 ms at 300 msgs/s, 1.6 ms at 650 on 2 shared cores, where the section was held
97 % of the time: docs/benchmarks.md "Twelfth session"). Now a write takes its event ids and
a turn together (turns follow id order), commits beside the others, and publishes (the
audience read, the frames to the sockets) when every earlier turn has published, as
Synapse's stream ids let a writer persist out of order and readers see only up to the
lowest one still in flight.

A reader must then never be told a position past an id that is taken but not published:
`ready`'s seq is capped at `settled(head)` (the lowest such id minus one), or a client
resuming from it would skip the event when it arrives. Writes to one chat still run one at
a time (db/gate.py), so a chat's events also commit in their order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Send = Callable[[], None]
Publish = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class Turns:
    def __init__(self) -> None:
        self._issued = 0
        self._serving = 0
        self._waiting: dict[int, asyncio.Future[None]] = {}
        # The first event id of each turn not served yet, in turn order (None: a turn with
        # no id of this process's, a cluster's). Taken in id order, so the first one given
        # is the lowest in flight.
        self._firsts: deque[int | None] = deque()
        self._orphans: set[asyncio.Task[None]] = set()

    def take(self, first_id: int | None = None) -> int:
        """A turn, taken with the write's event ids (in the same order)."""
        turn = self._issued
        self._issued += 1
        self._firsts.append(first_id)
        return turn

    def settled(self, head: int) -> int:
        """`head` (the log's newest id) capped below the lowest id still in flight: every
        event at or below the result is published, or never will be."""
        for first in self._firsts:
            if first is not None:
                return min(head, first - 1)
        return head

    async def run(self, turn: int, publish: Publish) -> None:
        """Run `publish` when every earlier turn has run. A turn is never skipped: a writer
        cancelled while it waits leaves a task to publish in its turn."""
        try:
            await asyncio.sleep(0)  # the next writer sends its statements first
            while self._serving != turn:
                waiter = asyncio.get_running_loop().create_future()
                self._waiting[turn] = waiter
                await waiter
        except asyncio.CancelledError:
            self._orphan(self.run(turn, publish))
            raise
        try:
            await publish()
        finally:
            self._serving += 1
            self._firsts.popleft()
            following = self._waiting.pop(self._serving, None)
            if following is not None and not following.done():
                following.set_result(None)

    def pass_over(self, turn: int) -> None:
        """The write of this turn failed before its commit was confirmed: nothing to
        publish, but later turns still wait for it to pass, in order."""
        self._orphan(self.run(turn, _nothing))

    def _orphan(self, work: Awaitable[None]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("publishing a committed write failed")

        task = asyncio.get_running_loop().create_task(guarded())
        self._orphans.add(task)
        task.add_done_callback(self._orphans.discard)
