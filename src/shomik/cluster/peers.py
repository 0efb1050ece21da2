"""The other processes of the cluster: where a process publishes its durable events.

Every process reads an inbox of its own, the channel `proc:<id>`. A durable event is
published to the inbox of every other process and handed to the process's own reader
directly (cluster/redis_bus.py), rather than published once on the shared channel, which
Redis then wrote back to the process that published it: a wake-up of that process, a read
and a parse per event it sent, and a write of Redis's, for an event it had in memory
(docs/benchmarks.md, "Twentieth session").

Who the others are: the inboxes Redis has subscribers for (`PUBSUB CHANNELS`), asked when
the process subscribes and every `REFRESH_SECONDS`, and a process that subscribes says so
on the shared channel (`hello`), so the others add it at once, and each answers with a
hello of its own to the newcomer's inbox (where an ACL refuses `PUBSUB`, that is how the
processes know each other, and one that stops stays listed). A process missing from this
list for a moment (it just started, or the list is stale) misses nothing: the event's seq
is ahead of what it delivered, and it reads the hole from the event log, as for a lost
publication. A process that died stays listed until the next refresh; Redis drops what is
published to a channel nobody reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Any

import redis.asyncio as redis
from prometheus_client import Histogram
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
# One of the process's own events at most this often goes to its own inbox too.
SAMPLE_SECONDS = 0.1
SAMPLES_MAX = 100  # on their way at once; more are lost publications (the oldest goes)
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


class Peers:
    def __init__(self, client: redis.Redis, prefix: str, process_id: str) -> None:
        self._redis = client
        self._prefix = f"{prefix}:proc:"
        self.process_id = process_id
        self._others: set[str] = set()
        self._heard: set[str] = set()  # since the refresh in progress asked Redis
        self._refused = False  # PUBSUB, by an ACL: said once
        self.targets: tuple[str, ...] = ()  # the others' inboxes

    def inbox(self, process_id: str) -> str:
        return f"{self._prefix}{process_id}"

    def hello(self, *, answer: bool = False) -> dict[str, Any]:
        """Said on the shared channel once subscribed: publish to me from now on; and as an
        answer, to the inbox of a process that said it."""
        return {"k": "hello", "from": self.process_id, "answer": answer}

    def heard(self, message: dict[str, Any]) -> str | None:
        """A hello: its process is published to from now on. The inbox to answer it at,
        unless it was an answer or this process's own."""
        process_id = str(message["from"])
        if process_id == self.process_id:
            return None
        self._heard.add(process_id)
        if process_id not in self._others:
            self._set({*self._others, process_id})
        return None if message.get("answer") else self.inbox(process_id)

    async def refresh(self) -> None:
        """The inboxes Redis has a subscriber for, this process's own left out."""
        pattern = _GLOB_SPECIAL.sub(r"\\\1", self._prefix) + "*"
        self._heard = set()
        try:
            channels = await self._redis.pubsub_channels(pattern)
        except ResponseError as exc:  # an ACL without PUBSUB: the hellos must do
            if not self._refused:
                self._refused = True
                log.warning("Redis refused PUBSUB CHANNELS (%s): peers known by hello only", exc)
            return
        ids = {(c.decode() if isinstance(c, bytes) else c)[len(self._prefix) :] for c in channels}
        ids.discard(self.process_id)
        self._set(ids | self._heard)  # a hello may have overtaken the answer

    async def refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            with contextlib.suppress(RedisError, OSError):
                await self.refresh()

    def _set(self, ids: set[str]) -> None:
        self._others = ids
        self.targets = tuple(sorted(self.inbox(i) for i in ids))


class LagProbe:
    """shomik_redis_publish_lag_seconds: with its own events no longer coming back from
    Redis, one at most every SAMPLE_SECONDS is published to the process's own inbox as
    well (and dropped there as delivered already); the time from its commit until it is
    read back is the lag through Redis."""

    def __init__(self) -> None:
        self.histogram: Histogram | None = None  # set by the app (metrics/registry.py)
        self._sent: dict[int, float] = {}
        self._last = 0.0

    def sample(self, seq: int) -> bool:
        """Whether this event, committed just now, is one to time."""
        if self.histogram is None:
            return False
        now = time.perf_counter()
        if now - self._last < SAMPLE_SECONDS:
            return False
        self._last = now
        if len(self._sent) >= SAMPLES_MAX:
            del self._sent[next(iter(self._sent))]
        self._sent[seq] = now
        return True

    def read_back(self, seq: int) -> None:
        if self._sent:
            sent = self._sent.pop(seq, None)
            if sent is not None and self.histogram is not None:
                self.histogram.observe(time.perf_counter() - sent)
