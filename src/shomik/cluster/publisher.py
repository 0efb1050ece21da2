"""PUBLISH to Redis without waiting: no replies, and no library around each write.

Every durable event of a cluster is published from the event-order section (one process's
events enter the channel in the order of their ids). Through redis-py's `publish` each one
took a connection from the pool, waited for Redis's reply, and went through `wait_for`
twice: about 100 µs of the caller's CPU per message on the slow machine of
docs/benchmarks.md; redis-py's `send_packed_command` alone, without the reply, 42-66 µs,
against 7-12 µs for writing the same bytes to the transport. Here the commands are written
in call order to one connection of our own (cluster/resp.py), so Redis takes them in that
order, and the connection asks for no replies (`CLIENT REPLY OFF`): a reply would only
wake this process and cost Redis a write per message, and what it said, that Redis took
the message, tells nothing the event log does not (a publication that never arrives is a
hole its subscribers fill from the log; cluster/peers.py times the lag on samples). A Redis
that refuses `CLIENT REPLY` (an ACL) keeps answering, and the replies are dropped as they
come.

A publish that was written but never reached the subscribers (Redis died, the network was
cut) is lost like one that failed: every subscriber catches up from the event log when it
is back. A Redis that stops reading is waited for at most PUBLISH_TIMEOUT, once the
transport's buffer is full: then the connection is dropped, the publish fails, and the
next one opens a new connection.
"""

from __future__ import annotations

import asyncio

from shomik.cluster.resp import RespConnection, command, connect

PUBLISH_TIMEOUT = 0.5


class Publisher:
    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: RespConnection | None = None
        # One connection at a time, or two callers' publications could cross.
        self._connecting = asyncio.Lock()

    async def publish(self, channel: str, body: bytes) -> None:
        """Written now, in call order; raises RedisError, OSError or TimeoutError when it
        cannot be (nothing is retried: the subscribers catch up from the log)."""
        conn = self._conn
        if conn is None or conn.lost:
            async with self._connecting:
                conn = self._conn
                if conn is None or conn.lost:
                    conn = self._conn = await self._connect()
        conn.write(command("PUBLISH", channel, body))
        if conn.must_drain:
            try:
                await conn.drain(PUBLISH_TIMEOUT)
            except BaseException:
                self._drop(conn)
                raise

    async def close(self) -> None:
        if self._conn is not None:
            self._drop(self._conn)

    async def _connect(self) -> RespConnection:
        # Bounded like a write: the order section may be what waits for it.
        conn = await connect(self._url, RespConnection(), PUBLISH_TIMEOUT)
        conn.discard_replies()
        conn.write(command("CLIENT", "REPLY", "OFF"))
        return conn

    def _drop(self, conn: RespConnection) -> None:
        if self._conn is conn:
            self._conn = None
        conn.close()
