"""Server-side sessions: listing, ending one, all others, logging out; ending a session
closes its sockets and stops its TURN credentials; revocation wins races with sign-ins."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.harness import PASSWORD, ServerProcess, User, Ws, open_ws

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


async def sign_in(user: User, user_agent: str) -> User:
    """The same person on another device: a new session."""
    http = httpx.AsyncClient(base_url=user.server.url, timeout=20)
    r = await http.post(
        "/api/auth/login",
        json={"username": user.username, "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert r.status_code == 200, r.text
    return User(user.server, http, r.json())


async def closed_with(ws: Ws) -> int | None:
    code, _ = await asyncio.wait_for(asyncio.shield(ws.closed), 5)
    return code


async def sessions_of(user: User) -> list[dict[str, Any]]:
    r = await user.http.get("/api/sessions")
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_each_sign_in_is_a_session_listed_with_its_device(people: Any) -> None:
    (alice,) = await people(1)
    phone = await sign_in(alice, IPHONE)
    laptop = await sign_in(alice, FIREFOX)
    try:
        listed = await sessions_of(laptop)
        assert len(listed) == 3
        current = [s for s in listed if s["current"]]
        assert len(current) == 1 and current[0]["device"] == "Firefox 140, Linux"
        devices = {s["device"] for s in listed}
        assert "Mobile Safari 17, iOS" in devices
        assert all(s["ip"] == "127.0.0.1" and s["createdAt"] and s["lastActiveAt"] for s in listed)
        assert set(listed[0]) == {"id", "device", "ip", "createdAt", "lastActiveAt", "current"}
        # Another person sees only their own.
        (bob,) = await people(1)
        assert len(await sessions_of(bob)) == 1
    finally:
        await phone.aclose()
        await laptop.aclose()


async def test_logout_ends_this_session_only(people: Any) -> None:
    (alice,) = await people(1)
    phone = await sign_in(alice, IPHONE)
    try:
        ws = await alice.ws()
        phone_ws = await phone.ws()
        r = await alice.http.post("/api/auth/logout")
        assert r.status_code == 204
        assert await closed_with(ws) == 4401
        assert (await alice.http.get("/api/users/me")).status_code == 401
        again = await open_ws(alice.server, alice.token, expect_ready=False)
        assert await closed_with(again) == 4401
        # The phone goes on.
        assert (await phone.http.get("/api/users/me")).status_code == 200
        assert not phone_ws.closed.done()
        assert len(await sessions_of(phone)) == 1
    finally:
        await phone.aclose()


async def test_terminating_a_session_closes_its_sockets_and_stops_its_turn(people: Any) -> None:
    alice, bob = await people(2)
    phone = await sign_in(alice, IPHONE)
    try:
        phone_ws = await phone.ws()
        laptop_ws = await alice.ws()
        assert (await phone.http.get("/api/calls/ice-servers")).status_code == 200
        phone_id = next(s["id"] for s in await sessions_of(phone) if s["current"])
        # Not someone else's to end, and an unknown id is no session.
        assert (await bob.http.delete(f"/api/sessions/{phone_id}")).status_code == 404
        assert (await alice.http.delete("/api/sessions/nosuchsession")).status_code == 404
        assert (await alice.http.delete("/api/sessions/bad%20id")).status_code == 422
        assert not phone_ws.closed.done()
        r = await alice.http.delete(f"/api/sessions/{phone_id}")
        assert r.status_code == 204
        assert await closed_with(phone_ws) == 4401
        assert not laptop_ws.closed.done()
        assert (await phone.http.get("/api/calls/ice-servers")).status_code == 401
        assert (await phone.http.get("/api/users/me")).status_code == 401
        assert [s["current"] for s in await sessions_of(alice)] == [True]
        assert (await alice.http.delete(f"/api/sessions/{phone_id}")).status_code == 404
    finally:
        await phone.aclose()


async def test_terminate_all_other_sessions_keeps_this_one(people: Any) -> None:
    (alice,) = await people(1)
    others = [await sign_in(alice, IPHONE), await sign_in(alice, FIREFOX)]
    try:
        sockets = [await other.ws() for other in others]
        mine = await alice.ws()
        assert (await alice.http.delete("/api/sessions")).status_code == 204
        for ws in sockets:
            assert await closed_with(ws) == 4401
        for other in others:
            assert (await other.http.get("/api/users/me")).status_code == 401
        assert not mine.closed.done()
        assert (await alice.http.get("/api/users/me")).status_code == 200
        assert len(await sessions_of(alice)) == 1
    finally:
        for other in others:
            await other.aclose()


async def _racing_socket(server: ServerProcess, token: str) -> Ws | None:
    """A socket that authenticates with `token`; None if the server refused the handshake."""
    try:
        conn = await connect(server.ws_url)
    except Exception:
        return None
    ws = Ws(conn)
    await ws.send_raw({"type": "auth", "token": token})
    return ws


async def test_revocation_wins_every_race_with_authenticating_sockets(people: Any) -> None:
    """The finding: sockets that authenticated while "log out of all devices" ran survived
    it, and went on sending as the victim. A burst of sockets races logout-all, five times:
    none may survive, and none may act."""
    (alice,) = await people(1)
    (bob,) = await people(1)
    chat = await bob.private_chat(alice)
    for trial in range(5):
        victim = await sign_in(alice, FIREFOX)
        burst = [
            asyncio.create_task(_racing_socket(victim.server, victim.token)) for _ in range(15)
        ]
        await asyncio.sleep(0.002 * trial)  # the logout lands at a different point each time
        r = await victim.http.post("/api/auth/logout-all")
        assert r.status_code == 200
        alice.set_token(r.json()["access_token"])
        sockets = [ws for ws in await asyncio.gather(*burst) if ws is not None]
        try:
            for ws in sockets:
                # Whatever it got first (ready or nothing), it is closed as unauthorized...
                assert await closed_with(ws) == 4401, f"trial {trial}: a socket survived"
            for ws in sockets:
                # ...and nothing it tried was done.
                with contextlib.suppress(Exception):
                    await ws.send_raw(
                        {
                            "type": "message:send",
                            "ref": "x",
                            "data": {"chatId": chat["id"], "content": "from a thief"},
                        }
                    )
        finally:
            for ws in sockets:
                await ws.close()
            await victim.aclose()
    r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
    assert r.status_code == 200
    assert all(m["content"] != "from a thief" for m in r.json()["messages"])


@pytest.mark.parametrize("command", ["send", "send elsewhere", "invalid send", "read"])
async def test_a_command_on_an_ended_session_is_refused_and_closes_the_socket(
    people: Any, engine_server: ServerProcess, command: str
) -> None:
    """Even where the closing has not reached a socket yet, its commands re-check the
    session: here the session's row is deleted behind the server's back (as another process
    would), so only the re-check can catch it. A send checks it in its own first statement
    (messages/send_gate.py), to its chat or to one it is not in, or when its frame is
    refused; other commands in the gateway."""
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    ws = await alice.ws()
    phone = await sign_in(alice, IPHONE)
    send = {"chatId": chat["id"], "content": "no", "clientId": "c1"}
    frames = {
        "send": {"type": "message:send", "data": send},
        "send elsewhere": {"type": "message:send", "data": {**send, "chatId": 10**9}},
        "invalid send": {"type": "message:send", "data": {**send, "clientId": None}},
        "read": {"type": "message:read", "data": {"chatId": chat["id"], "messageId": 1}},
    }
    try:
        alice_sid = next(s["id"] for s in await sessions_of(phone) if not s["current"])
        await engine_server.execute_sql(f"DELETE FROM sessions WHERE id = '{alice_sid}'")
        await ws.send_raw({**frames[command], "ref": "1"})
        assert await closed_with(ws) == 4401
        assert ws.of_type("error") == []
        r = await phone.http.get(f"/api/chats/{chat['id']}/messages")
        assert r.json()["messages"] == []
    finally:
        await phone.aclose()
