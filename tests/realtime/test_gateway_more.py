"""Gateway edge cases: long replays, token expiry on a quiet socket, odd first frames."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
from websockets.asyncio.client import connect

from tests.harness import SECRET, ServerProcess, Ws, open_ws, register


async def test_a_replay_longer_than_the_send_queue_streams_out(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_WS_QUEUE_SIZE": "32"})
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    await b.close()
    a = await alice.ws()
    for i in range(300):
        await a.command(
            "message:send", {"chatId": chat["id"], "content": f"{i}", "clientId": f"c{i}"}
        )
    resumed = await open_ws(server, bob.token, since=since)
    got = [(await resumed.expect("message:new"))["data"]["content"] for _ in range(300)]
    assert got == [str(i) for i in range(300)]
    assert not resumed.closed.done()
    await alice.aclose()
    await bob.aclose()


async def test_a_quiet_socket_is_closed_when_its_token_expires(users: Any) -> None:
    (alice,) = await users(1)
    now = int(time.time())
    sid = jwt.decode(alice.token, options={"verify_signature": False})["sid"]
    token = jwt.encode(
        {"sub": str(alice.id), "sid": sid, "iat": now, "exp": now + 2}, SECRET, algorithm="HS256"
    )
    ws = await open_ws(alice.server, token)
    code, _ = await asyncio.wait_for(asyncio.shield(ws.closed), 6)
    assert code == 4401


async def test_binary_or_early_disconnect_before_auth_is_handled(users: Any) -> None:
    (alice,) = await users(1)
    log_start = len(alice.server.log_text())  # the shared server's log: only ours counts
    conn = await connect(alice.server.ws_url)
    ws = Ws(conn)
    await conn.send(b"\x01\x02")
    code, _ = await asyncio.wait_for(asyncio.shield(ws.closed), 5)
    assert code == 4401
    early = await connect(alice.server.ws_url)
    await early.close()
    await asyncio.sleep(0.3)
    assert "Traceback" not in alice.server.log_text()[log_start:]


async def test_ready_reports_the_user_online(users: Any) -> None:
    (alice,) = await users(1)
    ws = await alice.ws()
    assert ws.of_type("ready")[0]["data"]["user"]["status"] == "online"


async def test_compression_is_negotiated_unless_turned_off(make_server: Any) -> None:
    for setting, expected in (("true", True), ("false", False)):
        server: ServerProcess = make_server(env={"SHOMIK_WS_COMPRESSION": setting})
        async with connect(server.ws_url) as conn:  # the client offers permessage-deflate
            assert conn.response is not None
            extensions = conn.response.headers.get("Sec-WebSocket-Extensions") or ""
            assert ("permessage-deflate" in extensions) is expected, (setting, extensions)


async def test_ready_carries_the_settings_a_client_needs(users: Any) -> None:
    (alice,) = await users(1)
    ws = await alice.ws()
    config = ws.of_type("ready")[0]["data"]["config"]
    assert config == {
        "typingTtlSeconds": 6.0,
        "callGraceSeconds": 10.0,
        "historyPageSize": 50,
        "editWindowSeconds": 48 * 3600,
        "maxMessageLength": 4096,
        "maxAttachments": 10,
        "maxPinnedChats": 5,
    }
