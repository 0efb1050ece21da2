"""`shomik admin`, run as an operator runs it: another process beside the running server,
with the server's settings and data dir, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from tests.harness import PASSWORD, ServerProcess, Ws, register, unique_name

NEW_PASSWORD = "another long passphrase"


async def login(server: ServerProcess, username: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.post("/api/auth/login", json={"username": username, "password": password})


async def closed_by_server(ws: Ws) -> int | None:
    """The close code of a socket the server closes by itself (idle: no command is sent)."""
    async with asyncio.timeout(20):  # the server looks every 2 s
        code, _reason = await ws.closed
    return code


async def accounts(server: ServerProcess) -> dict[str, dict[str, Any]]:
    result = await server.cli("admin", "list-users", "--json")
    assert result.returncode == 0, result.stderr
    return {a["username"]: a for a in json.loads(result.stdout)}


async def seen_by(viewer: Any, chat_id: int, user_id: int) -> list[tuple[bool, Any, Any]]:
    """(deactivated, status, lastSeen) of `user_id` in the private chat's peer, its member
    list and their profile, as `viewer` gets them."""
    chat = (await viewer.http.get(f"/api/chats/{chat_id}")).json()
    members = (await viewer.http.get(f"/api/chats/{chat_id}/members")).json()["members"]
    profile = (await viewer.http.get(f"/api/users/{user_id}")).json()
    shown = [chat["peer"], *(m["user"] for m in members if m["user"]["id"] == user_id), profile]
    return [(u["deactivated"], u["status"], u["lastSeen"]) for u in shown]


async def test_create_user_then_sign_in(engine_server: ServerProcess) -> None:
    name = unique_name("op")
    result = await engine_server.cli(
        "admin",
        "create-user",
        name,
        "--display-name",
        "Олег Оператор",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    r = await login(engine_server, name, PASSWORD)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["displayName"] == "Олег Оператор"
    listed = (await accounts(engine_server))[name]
    assert listed["deactivatedAt"] is None and listed["sessions"] == 1
    table = await engine_server.cli("admin", "list-users")
    assert name in table.stdout and "active" in table.stdout


@pytest.mark.parametrize(
    ("name", "password", "error"),
    [
        ("has space", PASSWORD, "username"),
        ("ok_name_{}", "short", "at least 8"),
        ("ok_name_{}", "ok_name_{} and more", "must not contain the username"),
        ("ok_name_{}", "", "at least 8"),
    ],
)
async def test_create_user_refuses_bad_input_and_creates_nothing(
    server: ServerProcess, name: str, password: str, error: str
) -> None:
    """The rules are the sign-up's whatever the engine: on the shared SQLite server."""
    suffix = unique_name("x")[-6:]
    name, password = name.format(suffix), password.format(suffix)
    result = await server.cli("admin", "create-user", name, "--password-stdin", stdin=password)
    assert result.returncode == 1
    assert error in result.stderr and "Traceback" not in result.stderr
    # Nobody by that name: the sign-in is refused as for any unknown name.
    assert (await login(server, name, password or PASSWORD)).status_code in (401, 422)


async def test_create_user_refuses_a_taken_name(server: ServerProcess) -> None:
    taken = await register(server)
    result = await server.cli(
        "admin", "create-user", taken.username.upper(), "--password-stdin", stdin=PASSWORD
    )
    assert result.returncode == 1 and "taken" in result.stderr
    await taken.aclose()


async def test_the_password_never_comes_as_an_argument(server: ServerProcess) -> None:
    result = await server.cli("admin", "create-user", unique_name("np"))
    assert result.returncode == 2 and "--password-stdin" in result.stderr


async def test_reset_password_revokes_old_tokens_and_closes_sockets(
    engine_server: ServerProcess,
) -> None:
    alice = await register(engine_server)
    ws = await alice.ws()
    result = await engine_server.cli(
        "admin", "reset-password", alice.username, "--password-stdin", stdin=NEW_PASSWORD + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert "1 session(s) ended" in result.stdout
    assert await closed_by_server(ws) == 4401
    r = await alice.http.get("/api/users/me")
    assert r.status_code == 401
    assert (await login(engine_server, alice.username, PASSWORD)).status_code == 401
    assert (await login(engine_server, alice.username, NEW_PASSWORD)).status_code == 200
    await alice.aclose()


async def test_reset_password_keeps_the_password_rules(server: ServerProcess) -> None:
    bob = await register(server)
    result = await server.cli(
        "admin", "reset-password", bob.username, "--password-stdin", stdin="password\n"
    )
    assert result.returncode == 1 and "too easy" in result.stderr
    # Nothing changed: the old password and the old token still work.
    assert (await bob.http.get("/api/users/me")).status_code == 200
    assert (await login(server, bob.username, PASSWORD)).status_code == 200
    await bob.aclose()


async def test_deactivate_refuses_sign_in_and_closes_sockets(engine_server: ServerProcess) -> None:
    carol, dan = await register(engine_server), await register(engine_server)
    chat = await dan.private_chat(carol)
    ws, watching = await carol.ws(), await dan.ws()
    result = await engine_server.cli("admin", "deactivate", carol.username)
    assert result.returncode == 0, result.stderr
    assert await closed_by_server(ws) == 4401
    # Dan, online meanwhile, sees it at once (the server looks every 2 s), once.
    news = await watching.expect("user:updated", lambda d: d["id"] == carol.id, timeout=20)
    assert news["data"]["deactivated"] is True and news["seq"] > 0
    assert (await carol.http.get("/api/chats")).status_code == 401
    # The right password learns why; a wrong one learns nothing new.
    r = await login(engine_server, carol.username, PASSWORD)
    assert r.status_code == 403 and r.json()["error"]["code"] == "account_deactivated"
    r = await login(engine_server, carol.username, "not the password at all")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
    listed = (await accounts(engine_server))[carol.username]
    assert listed["deactivatedAt"] is not None and listed["sessions"] == 0
    # Nobody finds them any more to start a chat with.
    found = await dan.http.get("/api/users", params={"q": carol.username})
    assert found.status_code == 200 and found.json()["users"] == []
    # Their messages stay where they were.
    await dan.send(chat["id"], "still here?")
    assert (await dan.http.get(f"/api/chats/{chat['id']}/messages")).status_code == 200
    # Where they still show (the chat's header, its members, their profile), they show as
    # deactivated: offline, with no "last seen".
    assert await seen_by(dan, chat["id"], carol.id) == [(True, "offline", None)] * 3

    result = await engine_server.cli("admin", "reactivate", carol.username)
    assert result.returncode == 0, result.stderr
    news = await watching.expect("user:updated", lambda d: d["id"] == carol.id, timeout=20)
    assert news["data"]["deactivated"] is False
    assert len(watching.of_type("user:updated")) == 2
    assert (await login(engine_server, carol.username, PASSWORD)).status_code == 200
    found = await dan.http.get("/api/users", params={"q": carol.username})
    assert [u["username"] for u in found.json()["users"]] == [carol.username]
    assert [d for d, _, _ in await seen_by(dan, chat["id"], carol.id)] == [False] * 3
    await carol.aclose()
    await dan.aclose()


async def test_unknown_users_are_named(server: ServerProcess) -> None:
    for args in (("deactivate", "nobody_here"), ("reactivate", "nobody_here")):
        result = await server.cli("admin", *args)
        assert result.returncode == 1 and "no user 'nobody_here'" in result.stderr
    result = await server.cli(
        "admin", "reset-password", "nobody_here", "--password-stdin", stdin=NEW_PASSWORD
    )
    assert result.returncode == 1 and "no user" in result.stderr
