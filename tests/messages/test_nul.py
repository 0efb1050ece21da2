"""NUL (U+0000) anywhere a client can put text is a clear 422 (or `invalid` over the socket),
never a 500, on SQLite and on PostgreSQL (which cannot store it in text)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.chats.support import client_id
from tests.harness import ServerProcess
from tests.uploads.rawhttp import chunk, exchange


async def test_nul_characters_are_refused_everywhere(
    people: Any, engine_server: ServerProcess
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    async with httpx.AsyncClient(base_url=engine_server.url) as anon:
        for path, body in (
            ("/api/auth/login", {"username": "ali\x00ce", "password": "whatever1"}),
            ("/api/auth/register", {"username": "nul_user", "password": "pass\x00word1"}),
        ):
            r = await anon.post(path, json=body)
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid", r.text
    cases: list[tuple[str, str, dict[str, str] | None, dict[str, Any] | None]] = [
        ("GET", "/api/users", {"q": "a\x00"}, None),
        ("GET", "/api/search", {"q": "hi\x00there"}, None),
        ("POST", "/api/messages", None, {"chatId": chat["id"], "content": "x\x00y"}),
        ("PATCH", "/api/users/me", None, {"displayName": "Al\x00ice"}),
        ("POST", "/api/chats", None, {"type": "group", "name": "g\x00", "participantIds": []}),
    ]
    for method, path, params, payload in cases:
        r = await alice.http.request(method, path, params=params, json=payload)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.json()["error"]["code"] == "invalid"
    # In a path it names nothing: the 404 of any unknown file, never a 500.
    r = await alice.http.get("/api/files/abc%00def")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    ws = await alice.ws()
    data = {"chatId": chat["id"], "content": "\x00", "clientId": client_id()}
    err = await ws.request("message:send", data)
    assert err["error"]["code"] == "invalid" and "NUL" in err["error"]["message"]
    r = await alice.http.get(f"/api/chats/{chat['id']}/messages")
    assert r.json()["messages"] == []


def _login_head(server: ServerProcess, length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


async def test_bodies_over_64_kb_are_refused_before_parsing(
    people: Any, engine_server: ServerProcess
) -> None:
    """Found by attack: unauthenticated 10 MB JSON bodies were parsed (1 GB for eight)."""
    size = 10 * 1024 * 1024
    pieces = (b"a" * 65536 for _ in range(size // 65536))
    answer = await asyncio.to_thread(
        exchange, engine_server, _login_head(engine_server, size), pieces
    )
    assert answer.status == 413 and answer.json()["error"]["code"] == "too_large"
    # Answered from the headers, and the connection closed: the 10 MB were never all sent
    # (what was is the kernel's socket buffers, a few MB on loopback).
    assert answer.sent < size and answer.closed
    # No Content-Length (chunked): cut off once 64 KB have come.
    chunks = (chunk(b"x" * 10_000) for _ in range(20))
    answer = await asyncio.to_thread(
        exchange, engine_server, _login_head(engine_server, None), chunks
    )
    assert answer.status == 413
    # A body of ordinary size still works, also just under the cap.
    (alice,) = await people(1)
    padded = b'{"displayName": "Alice"' + b" " * (60 * 1024) + b"}"
    r = await alice.http.patch(
        "/api/users/me", content=padded, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 200 and r.json()["displayName"] == "Alice"
