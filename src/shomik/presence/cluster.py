"""Presence across processes (SHOMIK_REDIS_URL): each process keeps, per user it has sockets
of, its own combined status in a Redis hash (`presence:<user>`, one field per process); the
user's status is the best over the processes that are alive. A process proves it is alive
with a key that expires (`proc:<id>`, renewed every few seconds); one whose key has expired
died without closing its sockets, and another process takes its users' fields away and
announces them offline: within PROCESS_TTL + REAP_EVERY seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from shomik.cluster import clients
from shomik.users.schemas import Status

log = logging.getLogger(__name__)

PROCESS_TTL_SECONDS = 15
HEARTBEAT_SECONDS = 5
REAP_EVERY_SECONDS = 5
_RANK: dict[str, int] = {"online": 2, "away": 1}

Refresh = Callable[[int], Awaitable[object]]

# 1 or 0 for each key, in order (EXISTS of several keys only counts them).
_EXIST_EACH = """
local found = {}
for i, key in ipairs(KEYS) do found[i] = redis.call('EXISTS', key) end
return found
"""


class ClusterPresence:
    def __init__(self, url: str, prefix: str, process_id: str) -> None:
        self.process_id = process_id
        # Bounded: a presence decision reads Redis inside the cluster's write lock, so a Redis
        # that stops answering (a network cut, not a refusal) must not hold every write.
        self._redis: redis.Redis = clients.client(
            url, wait=2, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
        self._prefix = prefix
        self._exist = self._redis.register_script(_EXIST_EACH)
        self._tasks: list[asyncio.Task[None]] = []
        self._local: dict[int, Status] = {}  # what this process has told Redis
        self._refresh: Refresh | None = None

    def _key(self, *parts: object) -> str:
        return ":".join((self._prefix, *map(str, parts)))

    async def start(self, refresh: Refresh) -> None:
        self._refresh = refresh
        with contextlib.suppress(RedisError, OSError):
            await self._beat()
        self._tasks = [
            asyncio.create_task(self._heartbeat_forever(), name="presence-heartbeat"),
            asyncio.create_task(self._reap_forever(refresh), name="presence-reaper"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # A clean stop: this process's users are decided by the others at once, not after
        # the TTL (the sockets closed by the shutdown already refreshed them).
        with contextlib.suppress(RedisError, OSError):
            await self._redis.delete(self._key("proc", self.process_id))
        await self._redis.aclose()

    async def set_local(self, user_id: int, status: Status) -> None:
        """This process's word on the user: their sockets here, combined."""
        try:
            if status == "offline":
                await self._redis.hdel(self._key("presence", user_id), self.process_id)
                await self._redis.srem(self._key("proc_users", self.process_id), user_id)
                self._local.pop(user_id, None)
            else:
                await self._redis.hset(self._key("presence", user_id), self.process_id, status)
                await self._redis.sadd(self._key("proc_users", self.process_id), user_id)
                self._local[user_id] = status
        except (RedisError, OSError):
            log.warning("could not record presence in Redis", exc_info=True)

    async def status(self, user_id: int) -> Status | None:
        """The best status over the live processes holding sockets of the user; None if
        Redis cannot say (then nothing is decided until it can)."""
        try:
            return await self._status(user_id)
        except (RedisError, OSError):
            log.warning("could not read presence from Redis", exc_info=True)
            return None

    async def _status(self, user_id: int) -> Status:
        fields = cast(dict[str, str], await self._redis.hgetall(self._key("presence", user_id)))
        if not fields:
            return "offline"
        pids = list(fields)
        alive = await self._redis.mget([self._key("proc", pid) for pid in pids])
        best = max(
            (fields[pid] for pid, live in zip(pids, alive, strict=True) if live is not None),
            key=lambda s: _RANK.get(s, 0),
            default=None,
        )
        return "offline" if best is None else ("online" if best == "online" else "away")

    async def connected(self, user_ids: list[int]) -> set[int]:
        """Those of the users with a socket on some process (a process that died counts
        until it is reaped)."""
        if not user_ids:
            return set()
        # One command for them all: a push after each message asks this of every member
        # not on this process, and a pipeline of EXISTS cost one packed command (and one
        # Redis call) per member: 25 per message at 2 processes and groups of 50, most of
        # the cluster's Redis traffic (docs/benchmarks.md).
        keys = [self._key("presence", user_id) for user_id in user_ids]
        found = await self._exist(keys=keys)
        return {user_id for user_id, n in zip(user_ids, found, strict=True) if n}

    async def _beat(self) -> None:
        key = self._key("proc", self.process_id)
        existed = await self._redis.set(key, "1", ex=PROCESS_TTL_SECONDS, get=True)
        await self._redis.sadd(self._key("procs"), self.process_id)
        if existed is None and self._local:
            # Redis lost our fields (restarted empty) or this is the first beat: say again
            # what this process holds.
            for user_id, status in list(self._local.items()):
                await self.set_local(user_id, status)
            # ...and decide again what was left undecided while Redis was away.
            if self._refresh is not None:
                for user_id in list(self._local):
                    await self._refresh(user_id)

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self._beat()
            except (RedisError, OSError):
                log.warning("presence heartbeat failed", exc_info=True)

    async def _reap_forever(self, refresh: Refresh) -> None:
        while True:
            await asyncio.sleep(REAP_EVERY_SECONDS)
            try:
                await self._reap(refresh)
            except (RedisError, OSError):
                log.warning("presence reaping failed", exc_info=True)
            except Exception:
                log.exception("presence reaping failed")

    async def _reap(self, refresh: Refresh) -> None:
        """Processes that died without a word: their users' fields go, and each of those
        users' status is decided again (and announced if it changed)."""
        for pid in await self._redis.smembers(self._key("procs")):
            if pid == self.process_id or await self._redis.exists(self._key("proc", pid)):
                continue
            if not await self._redis.srem(self._key("procs"), pid):
                continue  # another process is reaping it
            users_key = self._key("proc_users", pid)
            user_ids = [int(u) for u in await self._redis.smembers(users_key)]
            for user_id in user_ids:
                await self._redis.hdel(self._key("presence", user_id), pid)
            await self._redis.delete(users_key)
            log.info("process %s is gone: %d of its users decided again", pid, len(user_ids))
            for user_id in user_ids:
                await refresh(user_id)
