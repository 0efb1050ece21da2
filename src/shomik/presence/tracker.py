"""Per-process presence bookkeeping (see service.py)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from shomik.presence.cluster import ClusterPresence
from shomik.presence.schemas import UserStatus
from shomik.schemas import utcnow


class PresenceTracker:
    """What was last recorded per user, and one lock per user so that the record and the
    announcements follow the connections in order (two tabs changing at once cannot leave
    the older status as the last word). Users whose last socket closed wait out the offline
    grace here (`leave_later`); a socket of theirs coming back first cancels it (`stay`)."""

    def __init__(self) -> None:
        self.recorded: dict[int, UserStatus] = {}
        self.locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Several processes: the statuses of all of them, in Redis (cluster.py).
        self.cluster: ClusterPresence | None = None
        self._leaving: dict[int, tuple[asyncio.TimerHandle, datetime]] = {}
        self._settling: set[asyncio.Task[Any]] = set()  # strong references until done

    def leave_later(
        self, user_id: int, delay: float, settle: Callable[[datetime], Coroutine[Any, Any, Any]]
    ) -> None:
        """Run `settle(gone_at)` after `delay` unless the user comes back first; `gone_at`
        is the first closing moment (their last seen)."""
        pending = self._leaving.get(user_id)
        gone_at = pending[1] if pending else utcnow()
        if pending:
            pending[0].cancel()

        def fire() -> None:
            self._leaving.pop(user_id, None)
            task = asyncio.get_running_loop().create_task(settle(gone_at), name="presence-settle")
            self._settling.add(task)
            task.add_done_callback(self._settling.discard)

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._leaving[user_id] = (handle, gone_at)

    def stay(self, user_id: int) -> None:
        """A socket of the user is back: no offline to announce."""
        pending = self._leaving.pop(user_id, None)
        if pending:
            pending[0].cancel()

    def close(self) -> None:
        for handle, _ in self._leaving.values():
            handle.cancel()
        self._leaving.clear()
        for task in self._settling:
            task.cancel()
