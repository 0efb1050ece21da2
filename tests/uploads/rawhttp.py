"""HTTP over a bare socket, for what an HTTP client library will not do: stop sending a body
half-way, send more than it declared, or watch for an early answer while still sending."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tests.harness import ServerProcess

BOUNDARY = "shomikTestBoundary7MA4YWxkTrZu0gW"


def part(name: str, data: bytes, filename: str | None = "f.bin", ctype: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if ctype is not None:
        head += f"Content-Type: {ctype}\r\n"
    return head.encode() + b"\r\n" + data + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def file_head(filename: str = "f.bin", ctype: str = "application/octet-stream") -> bytes:
    """The multipart framing before the content of a `file` part."""
    return part("file", b"", filename, ctype)[: -len(b"\r\n")]


def request_head(
    server: ServerProcess,
    token: str,
    length: int | None,
    content_type: str = f"multipart/form-data; boundary={BOUNDARY}",
    expect_continue: bool = False,
) -> bytes:
    lines = [
        "POST /api/upload HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        f"Authorization: Bearer {token}",
        f"Content-Type: {content_type}",
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked",
    ]
    if expect_continue:  # the body follows only once the server asks for it
        lines.append("Expect: 100-continue")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    # Bytes of the request written when the answer was complete (or the server hung up).
    sent: int
    # Whether the server then closed the connection (rather than keep reading).
    closed: bool

    def json(self) -> Any:
        return json.loads(self.body)


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes] | None:
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = raw[:end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    body = raw[end + 4 :]
    if len(body) < int(headers.get("content-length", "0")):
        return None
    return int(lines[0].split()[1]), headers, body


def exchange(
    server: ServerProcess, head: bytes, body: Iterable[bytes], timeout: float = 30
) -> Answer:
    """Send `head`, then `body` piece by piece for as long as the server reads it, noticing
    its answer as soon as it comes; then check whether the server hangs up."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    received = b""
    sent = 0
    parsed = None
    try:
        sock.sendall(head)
        sent += len(head)
        pieces = iter(body)
        piece: bytes | None = next(pieces, None)
        while parsed is None:
            want_write = [sock] if piece is not None else []
            readable, writable, _ = select.select([sock], want_write, [], timeout)
            if not readable and not writable:
                raise TimeoutError("no answer from the server")
            if readable:
                data = _recv(sock)
                if not data:
                    break
                received += data
                parsed = _parse(received)
            elif writable and piece is not None:
                try:
                    written = sock.send(piece)
                except OSError:  # the server hung up while we were sending: read the answer
                    piece = None
                    continue
                sent += written
                piece = piece[written:] or next(pieces, None)
        while parsed is None:  # the server hung up mid-body: the answer is in our buffer
            data = _recv(sock)
            if not data:
                break
            received += data
            parsed = _parse(received)
        assert parsed is not None, f"no complete answer: {received[:500]!r}"
        sock.settimeout(2)  # under the keep-alive timeout (5 s), which would close it too
        try:
            closed = _recv(sock) == b""
        except TimeoutError:
            closed = False  # still open, waiting for more
    finally:
        sock.close()
    status, headers, body_bytes = parsed
    return Answer(status, headers, body_bytes, sent, closed)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""
