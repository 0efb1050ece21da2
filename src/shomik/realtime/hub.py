"""Who is connected, and fan-out to them.

The hub is the live path only: the database is the record (see events.py). A chat's member
set is cached for fan-out and dropped whenever membership changes, inside the write
transaction's after-commit step, so a removed member stops receiving at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator

from shomik.cluster.bus import Bus
from shomik.metrics.registry import Metrics
from shomik.realtime.connection import Connection
from shomik.realtime.frames import text_frame

MemberLoader = Callable[[int], Awaitable[frozenset[int]]]


class MemberCache:
    def __init__(self, load: MemberLoader) -> None:
        self._load = load
        self._cache: dict[int, frozenset[int]] = {}
        # Bumped by invalidations (per chat; every chat on clear): a load that raced a
        # membership change of its chat is read again, never kept nor returned.
        self._versions: dict[int, int] = {}
        self._cleared = 0

    def _version(self, chat_id: int) -> tuple[int, int]:
        return self._cleared, self._versions.get(chat_id, 0)

    async def get(self, chat_id: int) -> frozenset[int]:
        """The members as of the latest invalidation seen: the call check of a member who
        is being removed (calls/service.py) must not pass on a set read before the
        removal committed, once the removal has been announced here."""
        while True:
            cached = self._cache.get(chat_id)
            if cached is not None:
                return cached
            version = self._version(chat_id)
            members = await self._load(chat_id)
            if version == self._version(chat_id):
                self._cache[chat_id] = members
                return members

    def invalidate(self, chat_id: int) -> None:
        self._versions[chat_id] = self._versions.get(chat_id, 0) + 1
        self._cache.pop(chat_id, None)

    def clear(self) -> None:
        self._cleared += 1
        self._versions.clear()
        self._cache.clear()


class Hub:
    def __init__(self, load_members: MemberLoader, metrics: Metrics) -> None:
        self._by_user: dict[int, set[Connection]] = defaultdict(set)
        self._by_cid: dict[int, Connection] = {}
        self.members = MemberCache(load_members)
        # Carried here because every emit already has the hub (realtime/events.py).
        self.metrics = metrics
        # Where emits go: this hub (one process), or Redis (cluster/redis_bus.py).
        self.bus: Bus = Bus(self)

    def add(self, conn: Connection) -> bool:
        """Register; True if this is the user's first connection (they came online)."""
        conns = self._by_user[conn.user_id]
        conns.add(conn)
        self._by_cid[conn.cid] = conn
        return len(conns) == 1

    def remove(self, conn: Connection) -> bool:
        """Unregister; True if it was the user's last connection (they went offline)."""
        conns = self._by_user.get(conn.user_id)
        if conns is None or conn not in conns:
            return False
        conns.discard(conn)
        self._by_cid.pop(conn.cid, None)
        if not conns:
            del self._by_user[conn.user_id]
            return True
        return False

    def connection(self, cid: int) -> Connection | None:
        return self._by_cid.get(cid)

    def connections_of(self, user_id: int) -> frozenset[Connection]:
        return frozenset(self._by_user.get(user_id, ()))

    def is_online(self, user_id: int) -> bool:
        return user_id in self._by_user

    def connection_count(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    def all_connections(self) -> list[Connection]:
        return [conn for conns in self._by_user.values() for conn in conns]

    def send_durable(self, user_ids: Iterable[int], seq: int, text: str) -> None:
        # The frame is built once for all its sockets (realtime/frames.py), and only when a
        # socket that takes it is found: compressing sockets (browsers) frame each event
        # themselves, so a fan-out to them alone never pays for it.
        frame: bytes | None = None
        for conn in self._sockets_of(user_ids):
            if frame is None and conn.takes_frames:
                frame = text_frame(text)
            conn.send_durable(seq, text, frame)

    def send_ephemeral(self, user_ids: Iterable[int], text: str) -> None:
        frame: bytes | None = None
        for conn in self._sockets_of(user_ids):
            if frame is None and conn.takes_frames:
                frame = text_frame(text)
            conn.send_ephemeral(text, frame)

    def _sockets_of(self, user_ids: Iterable[int]) -> Iterator[Connection]:
        for user_id in user_ids:
            yield from tuple(self._by_user.get(user_id, ()))

    def disconnect_user(self, user_id: int, code: int, reason: str) -> None:
        for conn in tuple(self._by_user.get(user_id, ())):
            conn.close(code, reason)

    def disconnect_session(self, user_id: int, session_id: str, code: int, reason: str) -> None:
        for conn in tuple(self._by_user.get(user_id, ())):
            if conn.session_id == session_id:
                conn.close(code, reason)

    def session_connected(self, user_id: int, session_id: str) -> bool:
        return any(c.session_id == session_id for c in self._by_user.get(user_id, ()))
