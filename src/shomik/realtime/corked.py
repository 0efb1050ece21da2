"""A socket's writes of one turn of the event loop, sent in one write.

Every frame written to a transport was a `send` of its own: the kernel's TCP path and the
wake-up of the reader on the other end, per frame, were over a third of the server's CPU at
saturation (perf, docs/benchmarks.md, "Seventeenth session"). Under load, a socket often
gets several frames in one turn: the events of a batch of sends committed together
(db/groupcommit.py) to every member of the same chat, a reply beside an event. Held until
the end of the turn and written together, they cost one `send`, as Centrifugo's write
coalescing and TCP_CORK do; a frame written alone waits for nothing but the rest of the
turn (microseconds), as `call_soon` runs before the loop next waits for I/O.

Everything the protocol writes goes through here, frames, pongs and the close frame alike,
so the socket's bytes keep their order; closing writes what is held first.
"""

from __future__ import annotations

import asyncio
from typing import Any


class CorkedTransport:
    """Wraps the socket's transport for the WebSocket protocol (wsdeflate.py)."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._loop = asyncio.get_running_loop()
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        held = self._held
        if not held:
            self._loop.call_soon(self._flush)
        held.append(data)

    def writelines(self, chunks: Any) -> None:
        for data in chunks:
            self.write(data)

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def _flush(self) -> None:
        held = self._held
        if not held:
            return
        data = held[0] if len(held) == 1 else b"".join(held)
        held.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def __getattr__(self, name: str) -> Any:
        # pause_reading, resume_reading, get_extra_info, set_write_buffer_limits, ...
        return getattr(self._transport, name)
