"""PUBLISH to Redis without waiting for replies: there are none.

Every durable event of a cluster is published from the event-order section (one process's
events enter the channel in the order of their ids). Through redis-py's `publish` each one
took a connection from the pool, waited for Redis's reply, and went through `wait_for`
twice (its socket timeout and ours): about 100 µs of the caller's CPU per message on the
slow machine of docs/benchmarks.md, against 16 µs for the same bytes written to a socket.
Here the commands are written in call order to one connection, so Redis takes them in that
order, and the connection asks for no replies (`CLIENT REPLY OFF`): a reply would only
wake this process and cost Redis a write per message, and what it said, that Redis took
the message, the bus sees anyway when the message comes back on its own subscription
(cluster/redis_bus.py measures the publish lag there). A Redis that refuses `CLIENT REPLY`
(an ACL) keeps answering, and the replies are read and dropped.

A publish that was written but never reached the subscribers (Redis died, the network was
cut) is lost like one that failed: every subscriber catches up from the event log when it
is back. A Redis that stops reading is not waited for longer than PUBLISH_TIMEOUT per
write: the connection is dropped and the next publish opens a new one. A task reads the
connection only to notice it closing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import cast

import redis.asyncio as redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 0.5


class Publisher:
    def __init__(self, url: str) -> None:
        # The pool only builds the connection (TLS, a socket path, credentials, as the URL
        # says); it is never used as a pool. No socket timeout: a write is bounded here.
        self._pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=PUBLISH_TIMEOUT)
        self._conn: AbstractConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        # One connection at a time, or two callers' publications could cross.
        self._connecting = asyncio.Lock()

    async def publish(self, channel: str, body: bytes) -> None:
        """Written now, in call order; raises RedisError, OSError or TimeoutError when it
        cannot be (nothing is retried: the subscribers catch up from the log)."""
        conn = self._conn
        if conn is None:
            async with self._connecting:
                conn = self._conn or await self._connect()
        if not conn.is_connected:
            # Dropped meanwhile (its socket closed): redis-py would quietly open it again,
            # without `CLIENT REPLY OFF` and with nobody reading it. The next publish opens a
            # new one.
            await self._drop(conn)
            raise redis.ConnectionError("the publishing connection to Redis was lost")
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
                await conn.send_packed_command(
                    conn.pack_command("CLIENT", "REPLY", "OFF"), check_health=False
                )
        except BaseException:
            with contextlib.suppress(RedisError, OSError):
                await conn.disconnect(nowait=True)
            raise
        self._conn = conn
        self._reader = asyncio.create_task(self._read_replies(conn), name="bus-publish-replies")
        return conn

    async def _read_replies(self, conn: AbstractConnection) -> None:
        while True:
            try:
                # No reply may come for hours: no read timeout (redis-py's sign for it).
                await conn.read_response(timeout=math.inf, disconnect_on_error=False)
            except ResponseError:
                # CLIENT REPLY refused (an ACL), or a publish refused.
                log.warning("Redis refused a command", exc_info=True)
            except (RedisError, OSError):
                if self._conn is conn:
                    log.warning("lost the publishing connection to Redis")
                    self._conn = None
                    with contextlib.suppress(RedisError, OSError):
                        await conn.disconnect(nowait=True)
                return

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
