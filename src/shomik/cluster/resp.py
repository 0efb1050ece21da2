"""A Redis connection of the bus's own: an asyncio protocol that hiredis parses.

The bus's two hot connections (cluster/subscriber.py reads every event of the cluster,
cluster/publisher.py writes this process's) need none of what redis-py wraps around each
command: a timeout context, its parser's read loop, a pool, telemetry hooks. Here a write
is `transport.write` of the command's bytes, and every reply in a chunk the socket gives
is parsed at once by hiredis (the C parser redis-py uses too).

The URL is read as redis-py reads it (`redis://`, `rediss://`, `unix://`, credentials);
neither connection needs a database number (pub/sub ignores it), so `/n` changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import AuthenticationError, ConnectionError

log = logging.getLogger(__name__)


def command(*parts: str | bytes) -> bytes:
    """A command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RespConnection(asyncio.Protocol):
    """Replies are kept in arrival order for `reply` (or a subclass) to take, unless
    `discard_replies` was called: then only refusals are logged."""

    def __init__(self) -> None:
        self._parser = hiredis.Reader()
        self._replies: deque[Any] = deque()
        self._keep = True
        self._waiter: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None  # while writing is paused
        self._lost: BaseException | None = None
        self._transport: asyncio.Transport | None = None

    @property
    def lost(self) -> bool:
        return self._lost is not None

    # --- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport's subclasses, but are one.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        try:
            while (reply := self._parser.gets()) is not False:
                if self._keep:
                    self._replies.append(reply)
                elif isinstance(reply, hiredis.ReplyError):
                    log.warning("Redis refused a command: %s", reply)
        except hiredis.ProtocolError as exc:
            self._fail(ConnectionError(f"Redis sent what is not RESP: {exc}"))
            return
        self.replies_arrived()
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._lost is None:
            self._lost = exc or ConnectionError("Redis closed the connection")
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    # --- for the connection's users ----------------------------------------------------

    def replies_arrived(self) -> None:
        """Called after each chunk's replies are in (a subclass's backpressure)."""

    def write(self, data: bytes) -> None:
        """Written now (or buffered by the transport), never waits; see `drain`."""
        if self._lost is not None or self._transport is None:
            raise ConnectionError("the connection to Redis was lost") from self._lost
        self._transport.write(data)

    @property
    def must_drain(self) -> bool:
        """The transport's buffer passed its high-water mark: Redis reads slower than we
        write."""
        return self._writable is not None

    async def drain(self, wait: float) -> None:
        """Until the transport's buffer is back under its low-water mark, for at most
        `wait` seconds (TimeoutError)."""
        writable = self._writable
        if writable is not None:
            async with asyncio.timeout(wait):
                await asyncio.shield(writable)
        if self._lost is not None:
            raise ConnectionError("the connection to Redis was lost") from self._lost

    async def reply(self, wait: float) -> Any:
        """The next reply, waiting for at most `wait` seconds (TimeoutError)."""
        async with asyncio.timeout(wait):
            while not self._replies:
                await self._arrival()
        return self._replies.popleft()

    def discard_replies(self) -> None:
        self._keep = False
        self._replies.clear()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # --- inside ------------------------------------------------------------------------

    async def _arrival(self) -> None:
        """Until replies arrive or the connection is lost (ConnectionError, once nothing
        that came before is left)."""
        if self._lost is not None:
            raise ConnectionError("the connection to Redis was lost") from self._lost
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        self._lost = exc
        if self._transport is not None:
            self._transport.abort()
        self._wake()


P = TypeVar("P", bound=RespConnection)


async def connect(url: str, protocol: P, within: float) -> P:
    """Connect `protocol` and authenticate as the URL says, every step bounded by `within`
    seconds. Raises ConnectionError, AuthenticationError, OSError or TimeoutError."""
    options = parse_url(url)
    loop = asyncio.get_running_loop()
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
            protocol.write(command(*auth))
            answer = await protocol.reply(within)
            if isinstance(answer, hiredis.ReplyError):
                raise AuthenticationError(str(answer))
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
    return context  # TLS 1.2 at least: the default context's floor
