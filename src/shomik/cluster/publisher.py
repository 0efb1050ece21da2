"""PUBLISH to Redis without waiting for each reply.

Every durable event of a cluster is published from the event-order section (one process's
events enter the channel in the order of their ids). Through redis-py's `publish` each one
took a connection from the pool, waited for Redis's reply, and went through `wait_for`
twice (its socket timeout and ours): about 100 µs of the caller's CPU per message on the
slow machine of docs/benchmarks.md, against 16 µs for the same bytes written to a socket
and their replies read later. Here the commands are written in call order to one
connection, so Redis takes them in that order, and a task of their own reads the replies.

A publish that was written but whose reply never comes (Redis died, the network was cut)
is lost like one that failed: every subscriber catches up from the event log when it is
back (cluster/redis_bus.py). A Redis that stops reading is not waited for longer than
PUBLISH_TIMEOUT, nor for more than MAX_UNANSWERED replies: the connection is dropped and
the next publish opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import cast

import redis.asyncio as redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 0.5
MAX_UNANSWERED = 1000


class Publisher:
    def __init__(self, url: str, on_reply: Callable[[float], None] | None = None) -> None:
        # The pool only builds the connection (TLS, a socket path, credentials, as the URL
        # says); it is never used as a pool. No socket timeout: a write is bounded here.
        self._pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=PUBLISH_TIMEOUT)
        self._conn: AbstractConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        # For each publish not answered yet, when what it says happened (perf_counter), or
        # None: `on_reply` gets the seconds from then until Redis's reply.
        self._since: deque[float | None] = deque()
        self._on_reply = on_reply
        # One connection at a time, or two callers' publications could cross.
        self._connecting = asyncio.Lock()

    async def publish(self, channel: str, body: bytes, since: float | None = None) -> None:
        """Written now, in call order; raises RedisError, OSError or TimeoutError when it
        cannot be (nothing is retried: the subscribers catch up from the log). `since`: a
        perf_counter time to count the publication's lag from (`on_reply`)."""
        conn = self._conn
        if conn is None:
            async with self._connecting:
                conn = self._conn or await self._connect()
        if len(self._since) >= MAX_UNANSWERED:
            await self._drop(conn)
            raise redis.ConnectionError("Redis stopped answering publishes")
        # Counted before it is written: its reply can be read while the write still waits
        # to drain, and each reply takes the oldest entry.
        self._since.append(since)
        try:
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await conn.send_packed_command(
                    conn.pack_command("PUBLISH", channel, body), check_health=False
                )
        except BaseException:
            await self._drop(conn)
            raise

    async def close(self) -> None:
        if self._conn is not None:
            await self._drop(self._conn)
        await self._pool.aclose()

    async def _connect(self) -> AbstractConnection:
        conn = cast(AbstractConnection, self._pool.make_connection())  # type: ignore[no-untyped-call]
        try:
            # Bounded like a write: the order section may be what waits for it.
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                await conn.connect()  # type: ignore[no-untyped-call]
        except BaseException:
            with contextlib.suppress(RedisError, OSError):
                await conn.disconnect(nowait=True)
            raise
        self._conn = conn
        self._since.clear()
        self._reader = asyncio.create_task(self._read_replies(conn), name="bus-publish-replies")
        return conn

    async def _read_replies(self, conn: AbstractConnection) -> None:
        while True:
            try:
                await conn.read_response(disconnect_on_error=False)
            except ResponseError:
                log.warning("Redis refused a publish", exc_info=True)
            except (RedisError, OSError):
                if self._conn is conn:
                    log.warning("lost the publishing connection to Redis")
                    self._conn = None
                    with contextlib.suppress(RedisError, OSError):
                        await conn.disconnect(nowait=True)
                return
            since = self._since.popleft() if self._since else None
            if since is not None and self._on_reply is not None:
                self._on_reply(time.perf_counter() - since)

    async def _drop(self, conn: AbstractConnection) -> None:
        # The reader is the current connection's: an older one (a publish that failed after
        # another had already reconnected) ends by itself once its socket is closed below.
        if self._conn is conn:
            self._conn = None
            reader, self._reader = self._reader, None
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        with contextlib.suppress(RedisError, OSError):
            await conn.disconnect(nowait=True)
