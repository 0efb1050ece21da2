"""Sending committed events to this process's sockets in commit order, after the event-order
section instead of inside it (PostgreSQL).

The event-order section (db/engine.py) holds the event insert and the commit, two round
trips to PostgreSQL, and used to hold the fan-out to the sockets as well: about 1.5-2 ms of
CPU for a message to a group of 50, during which the next write could not even send its
insert. Measured at 200 msgs/s: 0.5 ms insert + 1.0 ms commit + 1.8 ms fan-out per write
in the section, so writes queued for it from about 250 msgs/s while the core was still
20 % idle. Now a write takes a turn in the section (so turns follow commit order), leaves
it, yields once so the next write can send its statements, and sends its frames when its
turn comes: the next write's round trips overlap this one's fan-out.

Who receives what is still decided in the section (the audience is read there, as before),
so a membership change committed after this write cannot change this write's audience.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

Send = Callable[[], None]


class Turns:
    def __init__(self) -> None:
        self._issued = 0
        self._serving = 0
        self._waiting: dict[int, asyncio.Future[None]] = {}

    def take(self) -> int:
        """A turn, taken in the event-order section: turns follow commit order."""
        turn = self._issued
        self._issued += 1
        return turn

    async def run(self, turn: int, sends: Sequence[Send]) -> None:
        """Run `sends` when every earlier turn has run. A turn is never skipped: a writer
        cancelled while it waits leaves a task to run its sends in its turn."""
        try:
            await asyncio.sleep(0)  # the next writer sends its statements first
            while self._serving != turn:
                waiter = asyncio.get_running_loop().create_future()
                self._waiting[turn] = waiter
                await waiter
        except asyncio.CancelledError:
            asyncio.get_running_loop().create_task(self.run(turn, sends))
            raise
        try:
            for send in sends:
                send()
        finally:
            self._serving += 1
            following = self._waiting.pop(self._serving, None)
            if following is not None and not following.done():
                following.set_result(None)
