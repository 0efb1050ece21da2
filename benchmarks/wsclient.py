"""A minimal RFC 6455 client on a bare asyncio Protocol, for the load generator.

The `websockets` client costs tens of microseconds per received frame, which would make a
one-core load generator the bottleneck long before the server. This client parses frames
in `data_received` and hands each text payload (bytes) to a callback together with one
receive timestamp per read, so a delivery costs a few microseconds here.

Supported: text frames out (masked, never fragmented), text/binary/continuation frames in,
ping -> pong, close; optionally `permessage-deflate` offered like a browser does (incoming
compressed messages are inflated; outgoing messages are sent uncompressed, which RFC 7692
allows).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
import zlib
from collections.abc import Callable
from typing import cast

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - the C extension ships with websockets wheels

    def apply_mask(data: bytes | bytearray | memoryview, mask: bytes | bytearray) -> bytes:
        return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
INFLATE_TAIL = b"\x00\x00\xff\xff"

# (client, payload, receive time in perf_counter_ns)
FrameHandler = Callable[["RawWsClient", bytes, int], None]


class HandshakeError(Exception):
    pass


def _frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return header + mask + apply_mask(payload, mask)


class RawWsClient(asyncio.Protocol):
    def __init__(self, index: int, on_text: FrameHandler, deflate: bool = False) -> None:
        self.index = index
        self.on_text = on_text
        self.offer_deflate = deflate
        self.deflate = False
        self._inflater: zlib._Decompress | None = None
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._handshake_done = False
        self._key = b""
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self._fragments: list[bytes] = []
        self._fragment_compressed = False
        self.bytes_received = 0
        # Any per-client state the caller wants to keep.
        self.chat_id = 0
        self.ready = False

    # -- connection ------------------------------------------------------------------

    def start_handshake(self, host: str, port: int, path: str) -> None:
        assert self.transport is not None
        self._key = base64.b64encode(os.urandom(16))
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key.decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.offer_deflate:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(f"connection lost: {exc}"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def _finish_handshake(self) -> None:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buf) > 16384:
                raise HandshakeError("handshake response too large")
            return
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[: end + 4]
        status, *header_lines = head.split("\r\n")
        if " 101 " not in status + " ":
            raise HandshakeError(f"handshake refused: {status}")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(self._key + GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise HandshakeError("bad Sec-WebSocket-Accept")
        extensions = headers.get("sec-websocket-extensions", "")
        if "permessage-deflate" in extensions:
            if not self.offer_deflate:
                raise HandshakeError("server negotiated an extension that was not offered")
            self.deflate = True
            self._inflater = zlib.decompressobj(-15)
        self._handshake_done = True
        if not self.opened.done():
            self.opened.set_result(None)

    # -- receiving -------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter_ns()
        self.bytes_received += len(data)
        if not self._handshake_done:
            self._buf += data
            try:
                self._finish_handshake()
            except HandshakeError as exc:
                if not self.opened.done():
                    self.opened.set_exception(exc)
                self.abort()
                return
            if not self._handshake_done or not self._buf:
                return
            data, self._buf = bytes(self._buf), bytearray()
        elif self._buf:
            self._buf += data
            data, self._buf = bytes(self._buf), bytearray()
        # The common case: `data` holds whole frames; a partial one is kept for later.
        pos = 0
        size = len(data)
        while size - pos >= 2:
            b0 = data[pos]
            length = data[pos + 1] & 0x7F
            header = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 4], "big")
                header = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                header = 10
            end = pos + header + length
            if end > size:
                break
            payload = data[pos + header : end]
            pos = end
            if b0 == 0x81 and not self._fragments:  # a whole uncompressed text message
                self.on_text(self, payload, now)
            else:
                self._other_frame(b0, payload, now)
        if pos < size:
            self._buf += data[pos:]

    def _other_frame(self, b0: int, payload: bytes, now: int) -> None:
        opcode = b0 & 0x0F
        if opcode in (OP_TEXT, OP_BINARY, OP_CONT):
            if opcode != OP_CONT:
                self._fragments = []
                self._fragment_compressed = bool(b0 & 0x40)
            self._fragments.append(payload)
            if b0 & 0x80:  # FIN
                message = payload if len(self._fragments) == 1 else b"".join(self._fragments)
                self._fragments = []
                if self._fragment_compressed:
                    assert self._inflater is not None
                    message = self._inflater.decompress(message + INFLATE_TAIL)
                self.on_text(self, message, now)
        elif opcode == OP_PING:
            self._write(_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._write(_frame(OP_CLOSE, payload[:2]))
            if self.transport is not None:
                self.transport.close()

    # -- sending ---------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def send_text(self, text: str | bytes) -> None:
        payload = text.encode() if isinstance(text, str) else text
        self._write(_frame(OP_TEXT, payload))

    def close(self, code: int = 1000) -> None:
        self._write(_frame(OP_CLOSE, code.to_bytes(2, "big")))
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    @property
    def is_open(self) -> bool:
        return (
            self._handshake_done
            and self.transport is not None
            and not self.transport.is_closing()
            and not self.closed.done()
        )


async def connect(
    host: str,
    port: int,
    path: str,
    index: int,
    on_text: FrameHandler,
    deflate: bool = False,
    connect_seconds: float = 10.0,
) -> RawWsClient:
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(lambda: RawWsClient(index, on_text, deflate), host, port),
        connect_seconds,
    )
    protocol.start_handshake(host, port, path)
    await asyncio.wait_for(asyncio.shield(protocol.opened), connect_seconds)
    return protocol
