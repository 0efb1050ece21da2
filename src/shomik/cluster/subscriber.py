"""Reading the bus's channels: a subscription on a connection of its own (cluster/resp.py).

Every process reads every event of the cluster, so what reading one costs is paid once per
process per message. Through redis-py's `PubSub.get_message` each message went through a
timeout context, its parser's read loop, a dict built for it and the library's telemetry
hooks: one wake-up of the reading task and several coroutines per message. Here every
message of a chunk the socket gives is handed over together: one wake-up per chunk, and
per message only what Redis sent (its data, as bytes).

Backpressure: past `MAX_PENDING` messages not yet taken, the socket is not read, and Redis
holds the rest in its output buffer for this client; if that overflows, Redis closes the
connection, and the bus catches up from the event log (cluster/redis_bus.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import hiredis
from redis.exceptions import ConnectionError

from shomik.cluster.resp import RespConnection, command, connect

MAX_PENDING = 10_000
_MESSAGE = b"message"


class Local:
    """A message of this process's own, handed to its reader without a trip to Redis."""

    __slots__ = ("message",)

    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message


class Subscription(RespConnection):
    """One subscribed connection. `next_batch` gives the messages' data in arrival order,
    with the process's own messages (`inject`) where they were handed in."""

    def __init__(self) -> None:
        super().__init__()
        self._paused = False

    def replies_arrived(self) -> None:
        if len(self._replies) >= MAX_PENDING and not self._paused and self._transport:
            self._paused = True
            self._transport.pause_reading()

    def inject(self, message: dict[str, Any]) -> None:
        """A message of this process's own, read next as if it came from Redis: the
        reader delivers it in turn with the others' (cluster/peers.py). Lost with the
        connection, as what Redis sent and nobody read is: the bus then reads the log."""
        self._replies.append(Local(message))
        self._wake()

    async def next_batch(self, wait: float) -> list[bytes | dict[str, Any]]:
        """The data of the messages that arrived (the process's own as they were handed
        in), waiting up to `wait` seconds for one (an empty list then). Raises
        ConnectionError once the connection is lost and what came before is taken."""
        if not self._replies:
            try:
                async with asyncio.timeout(wait):
                    await self._arrival()
            except TimeoutError:
                return []
        batch: list[bytes | dict[str, Any]] = []
        replies = self._replies
        while replies:
            reply = replies.popleft()
            if isinstance(reply, list) and len(reply) == 3 and reply[0] == _MESSAGE:
                batch.append(reply[2])
            elif isinstance(reply, Local):
                batch.append(reply.message)
            elif isinstance(reply, hiredis.ReplyError):
                raise ConnectionError(f"Redis refused the subscription: {reply}")
            # Anything else (a subscribe confirmation, a pong) carries nothing for the bus.
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return batch


async def subscribe(url: str, channels: list[str], within: float) -> Subscription:
    """Connect, authenticate as the URL says, and subscribe to `channels`; every step
    bounded by `within` seconds. Raises ConnectionError, AuthenticationError, OSError or
    TimeoutError."""
    subscription = await connect(url, Subscription(), within)
    try:
        subscription.write(command("SUBSCRIBE", *channels))
        for _ in channels:
            answer = await subscription.reply(within)
            if not (isinstance(answer, list) and answer[:1] == [b"subscribe"]):
                raise ConnectionError(f"Redis did not subscribe: {answer!r}")
    except BaseException:
        subscription.close()
        raise
    return subscription
