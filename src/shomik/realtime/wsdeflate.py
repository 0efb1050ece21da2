"""permessage-deflate that holds no zlib state while a socket is idle.

uvicorn's websockets protocol keeps two zlib streams for the whole life of each socket,
about 46 KiB at its settings (window 2^12, memLevel 5): twice what the rest of an idle
authenticated socket costs (docs/benchmarks.md, "Connections at scale"). A messenger's
sockets are idle most of the time, so we keep the compression and drop the state, within
RFC 7692:

* The response asks for `client_no_context_takeover`: the browser compresses each message
  on its own, so our inflater lives for one message (websockets drops it at the message's
  end). Clients send small commands; a shared window bought little for them.
* The deflater is made for the first message after a quiet spell and dropped by a sweep
  once the socket has sent nothing for `IDLE_SECONDS`. Context takeover only *allows* a
  message to refer back to earlier ones: a fresh deflate stream never does, and the
  client's inflater, which keeps its window, reads its blocks as it reads any others. A
  busy socket keeps the shared window (a 366-byte event deflates to about 28 bytes); an
  idle one holds nothing.

zlib allocates through malloc, in pieces too small for their own mappings: freed, they stay
in the heap, so a sweep that freed many hands the whole pages back with `malloc_trim`.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import time
import weakref
import zlib
from collections.abc import Sequence
from typing import Any, cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from shomik.realtime.corked import CorkedTransport

# A socket that has sent nothing for this long loses its deflater (the next message starts
# a fresh one): settings.ws_compression_idle_seconds, through configure().
IDLE_SECONDS = 15.0
SWEEP_SECONDS = 5.0
# Fewer freed deflaters than this are not worth a walk of the heap.
TRIM_AFTER = 64

_DATA = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)
# The sockets of this process that hold a deflater now.
_holding: weakref.WeakSet[LeanDeflate] = weakref.WeakSet()
_sweeping: asyncio.AbstractEventLoop | None = None


def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return getattr(libc, "malloc_trim", None)  # glibc only; elsewhere freed memory stays


_trim = _malloc_trim()


class LeanDeflate(PerMessageDeflate):
    """PerMessageDeflate whose deflater exists only while the socket is in use."""

    def __init__(
        self,
        remote_no_context_takeover: bool,
        local_no_context_takeover: bool,
        remote_max_window_bits: int,
        local_max_window_bits: int,
        compress_settings: dict[Any, Any] | None = None,
    ) -> None:
        # Told "no context takeover", the base class makes no deflater up front; ours
        # waits for the first message either way.
        super().__init__(
            remote_no_context_takeover,
            True,
            remote_max_window_bits,
            local_max_window_bits,
            compress_settings,
        )
        self.local_no_context_takeover = local_no_context_takeover
        self.last_sent = 0.0
        self.in_message = False  # between the frames of one fragmented message

    @property
    def holds_deflater(self) -> bool:
        return "encoder" in self.__dict__

    def encode(self, frame: Frame) -> Frame:
        if frame.opcode not in _DATA:  # pings and closes are never compressed
            return frame
        if (
            frame.opcode is not Opcode.CONT
            and not self.local_no_context_takeover  # then the base class makes one per message
            and not self.holds_deflater
        ):
            self.encoder = zlib.compressobj(
                wbits=-self.local_max_window_bits, **self.compress_settings
            )
            _holding.add(self)
            _ensure_sweeping()
        encoded = super().encode(frame)
        self.in_message = not frame.fin
        self.last_sent = time.monotonic()
        return encoded

    def release(self) -> None:
        """Drop the deflater; the next message starts a fresh stream."""
        self.__dict__.pop("encoder", None)
        _holding.discard(self)


class LeanDeflateFactory(ServerPerMessageDeflateFactory):
    """uvicorn's settings (window 2^12 both ways, memLevel 5), the client told to compress
    each message on its own, and LeanDeflate on our side."""

    def __init__(self) -> None:
        super().__init__(
            server_max_window_bits=12,
            client_max_window_bits=12,
            client_no_context_takeover=True,
            compress_settings={"memLevel": 5},
        )

    def process_request_params(
        self, params: Sequence[tuple[str, str | None]], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[tuple[str, str | None]], PerMessageDeflate]:
        response, base = super().process_request_params(params, accepted_extensions)
        lean = LeanDeflate(
            base.remote_no_context_takeover,
            base.local_no_context_takeover,
            base.remote_max_window_bits,
            base.local_max_window_bits,
            base.compress_settings,
        )
        return response, lean


def configure(idle_seconds: float) -> None:
    global IDLE_SECONDS, SWEEP_SECONDS
    IDLE_SECONDS = idle_seconds
    SWEEP_SECONDS = min(5.0, idle_seconds / 2)


def holding() -> int:
    """Sockets of this process holding a deflater now (a gauge of /metrics)."""
    return len(_holding)


def sweep(now: float | None = None) -> int:
    """Release the deflaters of sockets idle for `IDLE_SECONDS`; returns how many."""
    cutoff = (time.monotonic() if now is None else now) - IDLE_SECONDS
    idle = [ext for ext in _holding if ext.last_sent <= cutoff and not ext.in_message]
    for ext in idle:
        ext.release()
    if len(idle) >= TRIM_AFTER and _trim is not None:
        _trim(0)
    return len(idle)


def _sweep_and_again(loop: asyncio.AbstractEventLoop) -> None:
    global _sweeping
    sweep()
    if _holding and not loop.is_closed():
        loop.call_later(SWEEP_SECONDS, _sweep_and_again, loop)
    else:
        _sweeping = None


def _ensure_sweeping() -> None:
    global _sweeping
    loop = asyncio.get_running_loop()
    if _sweeping is not loop:
        _sweeping = loop
        loop.call_later(SWEEP_SECONDS, _sweep_and_again, loop)


# The ASGI scope extension under which a socket without compression offers `write_frame`
# (a weak reference to it: the protocol holds the scope, which must not hold it back).
FRAME_WRITER = "shomik.frame_writer"


class LeanDeflateProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol with LeanDeflate instead of its own factory,
    and, on a socket that compresses nothing, a way to write a frame built once for all the
    sockets an event goes to (`write_frame`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.ws_per_message_deflate:
            self.conn.available_extensions = [cast(Any, LeanDeflateFactory())]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A turn's writes to this socket leave in one (realtime/corked.py).
        corked = CorkedTransport(cast(asyncio.Transport, transport))
        super().connection_made(cast(asyncio.Transport, corked))

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # Extensions are negotiated by now: a compressed socket encodes each frame itself.
        if self.conn.extensions or not hasattr(self, "scope"):
            return
        extensions = cast(dict[str, Any], self.scope["extensions"])
        extensions[FRAME_WRITER] = weakref.WeakMethod(self.write_frame)

    def write_frame(self, frame: bytes) -> bool:
        """Write a finished, unmasked text frame (`realtime.frames.text_frame`), as the ASGI
        `websocket.send` of its text would, minus building the frame again for every
        socket. False where the usual way must take it: the transport is paused (that
        way waits for it), the socket is not open, or it is closing."""
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
