"""Reading the bus's channels: a pub/sub connection of our own, parsed by hiredis.

Every process reads every event of the cluster, so what reading one costs is paid once per
process per message. Through redis-py's `PubSub.get_message` each message went through a
timeout context, its parser's read loop, a dict built for it and the library's telemetry
hooks: one wake-up of the reading task and several coroutines per message. Here each chunk
the socket gives is parsed at once by hiredis (the C parser redis-py uses too), and every
message in it is handed over together: one wake-up per chunk, and per message only what
Redis sent (its data, as bytes).

Backpressure: past `MAX_PENDING` messages not yet taken, the socket is not read, and Redis
holds the rest in its output buffer for this client; if that overflows, Redis closes the
connection, and the bus catches up from the event log (cluster/redis_bus.py).

The URL is read as redis-py reads it (`redis://`, `rediss://`, `unix://`, credentials); a
subscription needs no database number, so `/n` changes nothing here.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import Mapping
from typing import Any, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import AuthenticationError, ConnectionError

MAX_PENDING = 10_000
_MESSAGE = b"message"


def _command(*parts: str | bytes) -> bytes:
    """A command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class Subscription(asyncio.Protocol):
    """One subscribed connection. `next_batch` gives the messages' data in arrival order."""

    def __init__(self) -> None:
        self._parser = hiredis.Reader()
        self._replies: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._lost: BaseException | None = None
        self._transport: asyncio.Transport | None = None
        self._paused = False

    # --- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport's subclasses, but are one.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        replies = self._replies
        try:
            while (reply := self._parser.gets()) is not False:
                replies.append(reply)
        except hiredis.ProtocolError as exc:
            self._fail(ConnectionError(f"Redis sent what is not RESP: {exc}"))
            return
        if len(replies) >= MAX_PENDING and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost is None:
            self._lost = exc or ConnectionError("Redis closed the connection")
        self._wake()

    # --- for the bus -------------------------------------------------------------------

    async def next_batch(self, wait: float) -> list[bytes]:
        """The data of the messages that arrived, waiting up to `wait` seconds for one
        (an empty list then). Raises ConnectionError once the connection is lost and what
        came before is taken."""
        if not self._replies:
            if self._lost is not None:
                raise ConnectionError("lost the subscription to Redis") from self._lost
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            try:
                async with asyncio.timeout(wait):
                    await self._waiter
            except TimeoutError:
                return []
            finally:
                self._waiter = None
        batch: list[bytes] = []
        replies = self._replies
        while replies:
            reply = replies.popleft()
            if isinstance(reply, list) and len(reply) == 3 and reply[0] == _MESSAGE:
                batch.append(reply[2])
            elif isinstance(reply, hiredis.ReplyError):
                raise ConnectionError(f"Redis refused the subscription: {reply}")
            # Anything else (a subscribe confirmation, a pong) carries nothing for the bus.
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return batch

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # --- the handshake -----------------------------------------------------------------

    async def _reply(self, wait: float) -> Any:
        async with asyncio.timeout(wait):
            while not self._replies:
                if self._lost is not None:
                    raise ConnectionError("Redis closed the connection") from self._lost
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
        return self._replies.popleft()

    def _send(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.write(data)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        self._lost = exc
        if self._transport is not None:
            self._transport.abort()
        self._wake()


async def subscribe(url: str, channels: list[str], within: float) -> Subscription:
    """Connect, authenticate as the URL says, and subscribe to `channels`; every step
    bounded by `within` seconds. Raises ConnectionError, AuthenticationError, OSError or
    TimeoutError."""
    options = parse_url(url)
    loop = asyncio.get_running_loop()
    protocol = Subscription()
    async with asyncio.timeout(within):
        if "path" in options:
            await loop.create_unix_connection(lambda: protocol, options["path"])
        else:
            tls = _tls(options) if options.get("connection_class") is SSLConnection else None
            await loop.create_connection(
                lambda: protocol,
                options.get("host", "localhost"),
                int(options.get("port", 6379)),
                ssl=tls,
            )
    try:
        password = options.get("password")
        if password is not None:
            username = options.get("username")
            auth = ("AUTH", username, password) if username else ("AUTH", password)
            protocol._send(_command(*auth))
            answer = await protocol._reply(within)
            if isinstance(answer, hiredis.ReplyError):
                raise AuthenticationError(str(answer))
        protocol._send(_command("SUBSCRIBE", *channels))
        for _ in channels:
            answer = await protocol._reply(within)
            if not (isinstance(answer, list) and answer[:1] == [b"subscribe"]):
                raise ConnectionError(f"Redis did not subscribe: {answer!r}")
    except BaseException:
        protocol.close()
        raise
    return protocol


def _tls(options: Mapping[str, Any]) -> ssl.SSLContext:
    """TLS as redis-py builds it from a `rediss://` URL's common options."""
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    requirement = options.get("ssl_cert_reqs")
    if requirement in ("none", ssl.CERT_NONE):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif options.get("ssl_check_hostname") is False:
        context.check_hostname = False
    with contextlib.suppress(AttributeError):
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
