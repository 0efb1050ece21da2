"""Per-process presence bookkeeping (see service.py)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from shomik.presence.cluster import ClusterPresence
from shomik.presence.schemas import UserStatus


class PresenceTracker:
    """What was last recorded per user, and one lock per user so that the record and the
    announcements follow the connections in order (two tabs changing at once cannot leave
    the older status as the last word)."""

    def __init__(self) -> None:
        self.recorded: dict[int, UserStatus] = {}
        self.locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Several processes: the statuses of all of them, in Redis (cluster.py).
        self.cluster: ClusterPresence | None = None
