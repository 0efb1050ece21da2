"""One WebSocket connection: its lifecycle and its bounded outgoing queue.

States: AUTHENTICATING -> REPLAYING -> READY -> CLOSED; nothing goes back. While
REPLAYING, live durable events are held aside and released after the replay, skipping
those the replay already sent, so a resuming client sees every event once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.websockets import WebSocket

from shomik.metrics.registry import Metrics
from shomik.realtime.frames import text_frame
from shomik.realtime.wsdeflate import FRAME_WRITER

log = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's own).
_ids = itertools.count(1)

CLOSE_UNAUTHORIZED = 4401
CLOSE_SLOW_CONSUMER = 4008
CLOSE_AUTH_TIMEOUT = 4408
CLOSE_BAD_FRAME = 4400
CLOSE_TOO_MANY = 4429


# Queued in place of a frame: "finish the send that was started eagerly".
_RESUME = "\x00resume"


class ConnState(enum.Enum):
    AUTHENTICATING = "authenticating"
    REPLAYING = "replaying"
    READY = "ready"
    CLOSED = "closed"


_NEXT = {
    ConnState.AUTHENTICATING: {ConnState.REPLAYING, ConnState.CLOSED},
    ConnState.REPLAYING: {ConnState.READY, ConnState.CLOSED},
    ConnState.READY: {ConnState.CLOSED},
    ConnState.CLOSED: set(),
}


class Connection:
    # Thousands live at once, most of them idle: no per-instance __dict__, and no writer
    # task, queue getter or event until there is something to wait for (docs/benchmarks.md).
    __slots__ = (
        "_closing",
        "_held",
        "_inflight",
        "_max",
        "_queue",
        "_raw",
        "_room",
        "_through",
        "_writer",
        "away",
        "cid",
        "close_code",
        "in_call",
        "metrics",
        "session_id",
        "state",
        "user_id",
        "ws",
    )

    def __init__(
        self, ws: WebSocket, user_id: int, session_id: str, queue_size: int, metrics: Metrics
    ) -> None:
        self.ws = ws
        self.metrics = metrics
        self.user_id = user_id
        # The sign-in this socket belongs to: ending that session closes it.
        self.session_id = session_id
        # Unique in this process: how another process of a cluster names this socket (a
        # call's signals are sent to one socket, cluster/calls.py).
        self.cid = next(_ids)
        self.state = ConnState.AUTHENTICATING
        # Set once the socket starts, accepts or joins a call: only then can its closing
        # matter to a call (calls/front.py).
        self.in_call = False
        self._max = queue_size
        # Frames waiting for the writer task, which runs only while there are some.
        self._queue: deque[str] = deque()
        self._held: list[tuple[int, str]] = []
        self._through = 0  # the replay's end: live durable events at or below it are dropped
        self._writer: asyncio.Task[None] | None = None
        # A send started in the caller's task that had to wait for the socket (see _deliver).
        self._inflight: tuple[Coroutine[Any, Any, None], Any] | None = None
        # A paced replay waiting for the queue to fall under half full (made when one waits).
        self._room: asyncio.Event | None = None
        self._closing: asyncio.Task[None] | None = None  # the close frame on its way
        self.close_code: int | None = None
        # Writes a frame built once for many sockets straight to this one's transport; None
        # where the socket compresses (its frames are its own) or the server offers none.
        writer = getattr(ws, "scope", {}).get("extensions", {}).get(FRAME_WRITER)
        self._raw: Callable[[bytes], bool] | None = writer() if writer is not None else None
        # The tab said it is hidden (`presence:set` away); presence is the best of a
        # user's connections (presence/service.py).
        self.away = False

    @property
    def takes_frames(self) -> bool:
        """Whether this socket writes a fan-out's ready-made frame (it compresses nothing)."""
        return self._raw is not None

    def _move(self, to: ConnState) -> None:
        if to not in _NEXT[self.state]:
            raise RuntimeError(f"illegal connection transition {self.state} -> {to}")
        self.state = to

    def start(self) -> None:
        """Authenticated: hold live events until the replay is done."""
        self._move(ConnState.REPLAYING)

    def finish_replay(self, replayed_through: int) -> None:
        if self.state is not ConnState.REPLAYING:
            return
        self._move(ConnState.READY)
        self._through = replayed_through
        held, self._held = self._held, []
        for seq, text in held:
            if seq > replayed_through:
                self._put(text)

    def send_direct(self, text: str) -> None:
        """Replies, replayed events and `ready`: in order, counted against the bound."""
        self._put(text)

    async def send_paced(self, text: str) -> None:
        """Like send_direct, but waits for the writer when the queue is half full: a replay
        of thousands of events streams out instead of overflowing the bound."""
        while len(self._queue) >= self._max // 2 and self.state is not ConnState.CLOSED:
            if self._room is None:
                self._room = asyncio.Event()
            self._room.clear()
            await self._room.wait()
        self._put(text)

    def send_durable(self, seq: int, text: str, frame: bytes | None = None) -> None:
        """`frame`: the text's frame, built once by the fan-out for all its sockets."""
        if self.state is ConnState.REPLAYING:
            self._held.append((seq, text))
            if len(self._held) > self._max:
                self.close(CLOSE_SLOW_CONSUMER, "too far behind")
        elif self.state is ConnState.READY and seq > self._through:
            # Not at or below `ready`'s seq: those came with the replay, or precede the
            # client's starting point (an event committed before the head was read can still
            # be on its way from the bus).
            self._put(text, frame)

    def send_ephemeral(self, text: str, frame: bytes | None = None) -> None:
        # Shed first: past half the bound, typing and presence are dropped, not queued.
        if self.state is ConnState.READY:
            if len(self._queue) < self._max // 2:
                self._deliver(text, frame)
            else:
                self.metrics.shed()

    def _put(self, text: str, frame: bytes | None = None) -> None:
        if self.state is ConnState.CLOSED:
            return
        if len(self._queue) >= self._max:
            # A consumer this far behind is cut off rather than allowed to grow memory or
            # slow the fan-out; it comes back through resume and misses nothing.
            self.close(CLOSE_SLOW_CONSUMER, "send queue full")
            return
        self._deliver(text, frame)

    def _deliver(self, text: str, frame: bytes | None = None) -> None:
        """Send at once when nothing is waiting before this frame, else queue it.

        Sending "at once" starts the send coroutine right here, as Python 3.12's eager tasks
        would: while the socket is writable it completes without ever suspending, and the
        fan-out saves a task wake-up per recipient (measured: the largest per-delivery cost
        after the database). If it does suspend (the peer's TCP window is full), a writer
        task is started: it takes the half-done send over and everything after it queues
        behind it, so the caller never waits and frames keep their order. The writer ends
        when the queue is empty; while it runs, every frame goes through it.

        Before all that, a socket that compresses nothing takes the frame's bytes as they
        are (`frame`, or built here): the same bytes the send would write, without the
        send's layers, while its transport takes writes at once.
        """
        if self._writer is not None:
            self._queue.append(text)
            return
        raw = self._raw
        if raw is not None and raw(text_frame(text) if frame is None else frame):
            return
        send = self.ws.send_text(text)
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return
        except Exception:  # the peer went away; the reader sees the disconnect
            send.close()
            return
        self._inflight = (send, waiting_on)
        self._queue.append(_RESUME)
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    async def _finish_inflight(self) -> None:
        send, waiting_on = self._inflight or (None, None)
        assert send is not None
        try:
            while True:
                try:
                    if waiting_on is None:  # a bare yield: give the loop one turn
                        await asyncio.sleep(0)
                    else:
                        # What a task does with the future its coroutine yields: take the
                        # "blocking" mark off before waiting on it. Left on, awaiting it
                        # raises "await wasn't used with future" and the send was lost.
                        if getattr(waiting_on, "_asyncio_future_blocking", False):
                            waiting_on._asyncio_future_blocking = False
                        await waiting_on
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: S110  # re-raised inside the send just below
                    pass
                waiting_on = send.send(None)
        except StopIteration:
            pass
        finally:
            send.close()
            self._inflight = None

    async def _write_loop(self) -> None:
        queue = self._queue
        try:
            while queue:
                text = queue.popleft()
                if text is _RESUME:
                    await self._finish_inflight()
                else:
                    await self.ws.send_text(text)
                if self._room is not None and len(queue) < self._max // 2:
                    self._room.set()
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away mid-send; the reader sees the disconnect
            log.debug("send failed for user %s", self.user_id, exc_info=True)
            queue.clear()  # nothing after it can be sent either
        finally:
            # No await between the last look at the queue and here: a frame put after it
            # finds no writer and is sent (or a new writer started) by its caller.
            self._writer = None
            if self._room is not None:
                self._room.set()

    def close(self, code: int, reason: str = "") -> None:
        """Close from anywhere (fan-out, revocation); never blocks the caller."""
        if self.state is ConnState.CLOSED:
            return
        self.state = ConnState.CLOSED
        self.close_code = code
        if code == CLOSE_SLOW_CONSUMER:
            self.metrics.slow_consumer()
        self._held.clear()
        if self._room is not None:
            self._room.set()  # release a paced replay
        if self._writer is not None:
            self._writer.cancel()
        self._closing = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        # No timeout: for a stalled reader the close frame waits behind the data already in
        # the transport (bounded, ~64 KB); the protocol-level ping times the peer out.
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    async def drain_and_stop(self) -> None:
        """Called by the gateway when the reader ends."""
        self.state = ConnState.CLOSED
        if self._room is not None:
            self._room.set()
        writer = self._writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
        if self._closing is not None and not self._closing.done():
            # One turn of the loop for the close frame: the server closes the transport as
            # soon as the endpoint returns. Not a wait: a peer that reads nothing would
            # hold it until the ping times out.
            await asyncio.sleep(0)
