"""The size limit is enforced while the body streams in, never after buffering it; a refused
or abandoned upload leaves no temporary file; uploads are rate limited."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx

from tests.harness import ServerProcess
from tests.uploads import rawhttp
from tests.uploads.client import assert_error, assert_no_temp_files, upload, uploaded

MB = 1024 * 1024
DEFAULT_LIMIT = 10 * MB
SMALL_LIMIT = 256 * 1024
# What the kernel's socket buffers can hold between our writes and the server's reads: the
# server never saw these bytes, but we count them as sent.
IN_FLIGHT = 24 * MB


def small_server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    return make_server(env={"SHOMIK_MAX_UPLOAD_BYTES": str(SMALL_LIMIT)})


def endless_chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A chunked multipart body that goes on for `total` bytes of file content."""
    yield rawhttp.chunk(rawhttp.file_head("big.txt", "text/plain"))
    for _ in range(total // size):
        yield rawhttp.chunk(b"a" * size)


async def exchange(server: ServerProcess, head: bytes, body: Iterable[bytes]) -> rawhttp.Answer:
    return await asyncio.to_thread(rawhttp.exchange, server, head, body)


def assert_too_large(answer: rawhttp.Answer, hung_up: bool = True) -> None:
    assert answer.status == 413, answer.body
    assert answer.json()["error"]["code"] == "too_large"
    if hung_up:  # rather than read (and discard) the rest of a long body
        assert answer.headers.get("connection") == "close"
        assert answer.closed
    else:  # the little that was left was read: the connection serves the next request
        assert "connection" not in answer.headers
        assert not answer.closed


async def test_a_file_of_exactly_the_limit_is_accepted_one_byte_more_is_413(
    users: Any, make_server: Callable[..., ServerProcess]
) -> None:
    server = small_server(make_server)
    (alice,) = await users(1, on=server)
    body = await uploaded(alice, b"a" * SMALL_LIMIT, "exact.txt", "text/plain")
    assert body["size"] == SMALL_LIMIT
    assert len((await alice.http.get(body["url"])).content) == SMALL_LIMIT
    r = await upload(alice, b"a" * (SMALL_LIMIT + 1), "over.txt", "text/plain")
    assert_error(r, 413, "too_large")
    assert "256 KB" in r.json()["error"]["message"]
    await assert_no_temp_files(server)


async def test_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    users: Any, make_server: Callable[..., ServerProcess]
) -> None:
    server = small_server(make_server)
    (alice,) = await users(1, on=server)
    head = rawhttp.request_head(server, alice.token, length=50 * MB)
    # Only the start of the 50 MB body: the answer must come without the rest.
    first = rawhttp.file_head("big.txt", "text/plain") + b"a" * 1000
    answer = await exchange(server, head, [first])
    assert_too_large(answer)
    assert answer.sent == len(head) + len(first)
    # A client that waits for "100 Continue" gets the refusal instead, and sends nothing.
    head = rawhttp.request_head(server, alice.token, length=50 * MB, expect_continue=True)
    answer = await exchange(server, head, [])
    assert_too_large(answer)  # the first status line read: no 100 before it
    assert answer.sent == len(head)
    await assert_no_temp_files(server)


async def test_chunked_body_is_cut_off_at_the_limit_not_read_to_its_end(
    users: Any, make_server: Callable[..., ServerProcess]
) -> None:
    server = small_server(make_server)
    (alice,) = await users(1, on=server)
    head = rawhttp.request_head(server, alice.token, length=None)
    answer = await exchange(server, head, endless_chunks(500 * MB))
    assert_too_large(answer)
    assert answer.sent < SMALL_LIMIT + IN_FLIGHT
    await assert_no_temp_files(server)
    # The server is unharmed and takes the next upload.
    assert (await uploaded(alice, b"fine\n", "ok.txt"))["size"] == 5


async def test_default_limit_is_10_mb_exactly(users: Any, server: ServerProcess) -> None:
    (alice,) = await users(1)
    body = await uploaded(alice, b"a" * DEFAULT_LIMIT, "ten.txt", "text/plain")
    assert body["size"] == DEFAULT_LIMIT
    # One byte more, with a Content-Length within the multipart framing allowance: refused by
    # counting the part's bytes as they arrive; what is left is short, so it is read.
    content = rawhttp.multipart(rawhttp.part("file", b"a" * (DEFAULT_LIMIT + 1), "x.txt"))
    head = rawhttp.request_head(server, alice.token, length=len(content))
    assert_too_large(await exchange(server, head, [content]), hung_up=False)
    # A declared 11 MB: refused before the body.
    head = rawhttp.request_head(server, alice.token, length=11 * MB)
    answer = await exchange(server, head, [rawhttp.file_head()])
    assert_too_large(answer)
    assert answer.sent == len(head) + len(rawhttp.file_head())
    # Chunked, without a length: cut off near 10 MB, not read to its 200 MB end.
    head = rawhttp.request_head(server, alice.token, length=None)
    answer = await exchange(server, head, endless_chunks(200 * MB))
    assert_too_large(answer)
    assert answer.sent < DEFAULT_LIMIT + IN_FLIGHT
    await assert_no_temp_files(server)


async def test_client_vanishing_mid_upload_leaves_no_temporary_file(
    users: Any, server: ServerProcess
) -> None:
    (alice,) = await users(1)
    head = rawhttp.request_head(server, alice.token, length=5 * MB)

    def send_half_and_hang_up() -> None:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(head + rawhttp.file_head() + b"a" * MB)

    await asyncio.to_thread(send_half_and_hang_up)
    await assert_no_temp_files(server)
    assert (await alice.http.get("/api/health")).status_code == 200


async def test_uploads_are_rate_limited_per_user_with_retry_after(
    users: Any, make_server: Callable[..., ServerProcess]
) -> None:
    server = make_server(
        env={"SHOMIK_RATE_LIMITS_ENABLED": "true", "SHOMIK_RATE_UPLOAD": "3/minute"}
    )
    alice, bob = await users(2, on=server)
    for i in range(3):
        await uploaded(alice, f"note {i}\n".encode(), "n.txt")
    r = await upload(alice, b"one too many\n", "n.txt")
    assert_error(r, 429, "rate_limited")
    retry_after = int(r.headers["retry-after"])
    assert 0 < retry_after <= 60
    assert r.json()["error"]["retryAfter"] == retry_after
    await assert_no_temp_files(server)
    # Another user has a window of their own.
    await uploaded(bob, b"mine\n", "n.txt")
    # The window stays shut until it moves on.
    assert_error(await upload(alice, b"again\n", "n.txt"), 429, "rate_limited")
    # A refused long body is not read to its end either.
    head = rawhttp.request_head(server, alice.token, length=None)
    answer = await exchange(server, head, endless_chunks(200 * MB))
    assert answer.status == 429 and answer.headers["retry-after"].isdigit()
    assert answer.closed and answer.sent < IN_FLIGHT


async def test_no_token_is_401_before_anything_is_stored(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        r = await anonymous.post("/api/upload", files={"file": ("a.txt", b"hi\n", "text/plain")})
        assert_error(r, 401, "unauthorized")
        r = await anonymous.post(
            "/api/upload",
            files={"file": ("a.txt", b"hi\n", "text/plain")},
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert r.status_code == 401
    await assert_no_temp_files(server)


async def test_unauthenticated_large_upload_is_hung_up_on(server: ServerProcess) -> None:
    """A 401 for a big body comes with Connection: close: the server does not read on."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
        b"boundary=b\r\nContent-Length: 60000000\r\n\r\n" + b"x" * 65536
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 401") and b"connection: close" in head.lower()
    writer.close()
