"""uvicorn's server, woken once a second instead of ten times while nothing happens.

uvicorn's main loop sleeps 0.1 s at a time to notice a signal to stop (and to renew the
`Date` header each tenth turn): ten wake-ups a second in every idle process, two thirds of
an idle server's (`strace` of one `shomik serve` on PostgreSQL, 2026-11-28: 14.7 a second,
3.8 ms of CPU). Here the loop waits a second for the `Date` header's turn, and a signal to
stop ends the wait at once, so a SIGTERM takes effect as soon as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

# uvicorn's ticks per second: `on_tick` renews the Date header when its counter is a
# multiple of this.
_TICKS = 10


class QuietServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + _TICKS) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._stop.wait()
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # A signal handler runs between the loop's steps: wake the loop from its wait.
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)


def run(app: Any, **options: Any) -> None:
    """`uvicorn.run` for one process serving an application object (no reload, no
    workers), on `QuietServer`."""
    config = uvicorn.Config(app, **options)
    server = QuietServer(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
