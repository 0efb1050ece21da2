"""The /ws handshake, first-frame authentication, frame validation and revocation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.harness import ServerProcess, Ws, open_ws, register


async def _closed_with(ws: Ws, timeout: float = 5) -> int | None:
    code, _reason = await asyncio.wait_for(asyncio.shield(ws.closed), timeout)
    return code


async def test_bad_token_closes_with_4401(server: ServerProcess) -> None:
    for token in ("", "garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."):
        ws = await open_ws(server, token, expect_ready=False)
        assert await _closed_with(ws) == 4401
        assert ws.of_type("ready") == []


async def test_first_frame_must_be_auth(users: Any) -> None:
    (alice,) = await users(1)
    conn = await connect(alice.server.ws_url)
    ws = Ws(conn)
    await ws.send_raw({"type": "message:send", "ref": "1", "data": {}})
    assert await _closed_with(ws) == 4401


async def test_silent_client_is_closed_with_4408(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_WS_AUTH_TIMEOUT_SECONDS": "0.3"})
    ws = Ws(await connect(server.ws_url))
    assert await _closed_with(ws) == 4408


async def test_foreign_origin_is_refused_at_the_handshake(users: Any) -> None:
    (alice,) = await users(1)
    with pytest.raises(InvalidStatus) as err:
        await open_ws(alice.server, alice.token, headers={"Origin": "https://evil.example"})
    assert err.value.response.status_code == 403
    own = f"http://127.0.0.1:{alice.server.port}"
    ws = await open_ws(alice.server, alice.token, headers={"Origin": own})
    assert ws.of_type("ready")


async def test_allowed_origins_setting_is_an_allow_list(make_server: Any) -> None:
    server: ServerProcess = make_server(
        env={"SHOMIK_ALLOWED_ORIGINS": "https://chat.example.org, https://app.example.org"}
    )
    alice = await register(server)
    ws = await open_ws(server, alice.token, headers={"Origin": "https://app.example.org"})
    assert ws.of_type("ready")
    own = f"http://127.0.0.1:{server.port}"
    with pytest.raises(InvalidStatus):
        await open_ws(server, alice.token, headers={"Origin": own})
    await alice.aclose()


async def test_malformed_frames_get_errors_and_change_nothing(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    ws = await alice.ws()
    await ws.send_raw("not json")
    err = await ws.expect("error")
    assert err["ref"] is None and err["error"]["code"] == "bad_frame"
    await ws.send_raw("[1, 2]")
    assert (await ws.expect("error"))["error"]["code"] == "bad_frame"
    unknown = await ws.request("nope:nope", {})
    assert unknown["type"] == "error" and unknown["error"]["code"] == "unknown_command"
    cases: list[dict[str, Any]] = [
        {},
        {"chatId": "x", "content": "a", "clientId": "c1"},
        {"chatId": chat["id"], "content": "a"},  # clientId is required over the socket
        {"chatId": chat["id"], "content": "a" * 4097, "clientId": "c2"},
        {"chatId": chat["id"], "content": "   ", "clientId": "c3"},
        {"chatId": chat["id"], "content": "a", "clientId": "c4", "extra": 1},
        {"chatId": chat["id"], "content": "a", "clientId": "bad id with spaces"},
        {"chatId": chat["id"], "content": "a", "clientId": "c5", "type": "system"},
    ]
    for data in cases:
        reply = await ws.request("message:send", data)
        assert reply["type"] == "error", data
        assert reply["error"]["code"] == "invalid", reply
    ok = await ws.command(
        "message:send", {"chatId": chat["id"], "content": "a" * 4096, "clientId": "c6"}
    )
    assert ok["seq"] == 1  # none of the refused sends consumed a sequence number
    # The socket survived all of it.
    assert not ws.closed.done()


async def test_binary_frames_close_the_socket(users: Any) -> None:
    (alice,) = await users(1)
    ws = await alice.ws()
    await ws.conn.send(b"\x00\x01")
    assert await _closed_with(ws) == 4400


async def test_logout_all_revokes_tokens_and_closes_open_sockets(users: Any) -> None:
    (alice,) = await users(1)
    old = alice.token
    ws1, ws2 = await alice.ws(), await alice.ws()
    r = await alice.http.post("/api/auth/logout-all")
    assert r.status_code == 200
    assert await _closed_with(ws1) == 4401 and await _closed_with(ws2) == 4401
    stale = await alice.http.get("/api/users/me", headers={"Authorization": f"Bearer {old}"})
    assert stale.status_code == 401
    again = await open_ws(alice.server, old, expect_ready=False)
    assert await _closed_with(again) == 4401
    alice.set_token(r.json()["access_token"])
    assert (await alice.http.get("/api/users/me")).status_code == 200


async def test_password_change_revokes_tokens(users: Any) -> None:
    (alice,) = await users(1)
    old = alice.token
    ws = await alice.ws()
    wrong = await alice.http.post(
        "/api/users/me/password",
        json={"currentPassword": "not my password", "newPassword": "another long one 42"},
    )
    assert wrong.status_code == 403 and not ws.closed.done()
    r = await alice.http.post(
        "/api/users/me/password",
        json={"currentPassword": "a long enough passphrase", "newPassword": "another long one 42"},
    )
    assert r.status_code == 200, r.text
    assert await _closed_with(ws) == 4401
    stale = await alice.http.get("/api/users/me", headers={"Authorization": f"Bearer {old}"})
    assert stale.status_code == 401
    login = await alice.http.post(
        "/api/auth/login", json={"username": alice.username, "password": "another long one 42"}
    )
    assert login.status_code == 200


async def test_token_in_the_url_is_not_accepted(users: Any) -> None:
    (alice,) = await users(1)
    r = await alice.http.get(f"/api/users/me?token={alice.token}", headers={"Authorization": ""})
    assert r.status_code == 401
    conn = await connect(f"{alice.server.ws_url}?token={alice.token}")
    ws = Ws(conn)
    await ws.send_raw({"type": "presence:set", "ref": "1", "data": {"status": "away"}})
    assert await _closed_with(ws) == 4401
