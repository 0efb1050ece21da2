"""Helpers shared by the chat tests: outcomes of REST calls and WebSocket commands as one
vocabulary, and a fresh fetch of a chat's state to compare before and after."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.harness import User, Ws

# What a refused call looks like, REST status and error code alike.
STATUS_OF = {"forbidden": 403, "not_found": 404, "invalid": 422}


def rest_outcome(r: httpx.Response) -> str:
    """ "ok" for a 2xx; else the error code, checked against the status it must come with."""
    if 200 <= r.status_code < 300:
        return "ok"
    code = error_of(r)["code"]
    if STATUS_OF.get(code) != r.status_code:
        return f"{r.status_code}/{code}"
    return str(code)


def error_of(r: httpx.Response) -> dict[str, Any]:
    """The `{"error": {"code", "message"}}` body every refusal must have."""
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), r.text
    error: dict[str, Any] = body["error"]
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), r.text
    return error


def assert_error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    assert error_of(r)["code"] == code, r.text


async def ws_outcome(ws: Ws, type_: str, data: dict[str, Any]) -> str:
    """ "ok" for an ack; else the error frame's code."""
    frame = await ws.request(type_, data)
    if frame["type"] == "ack":
        return "ok"
    return str(frame["error"]["code"])


def client_id() -> str:
    return uuid.uuid4().hex


async def fetch_chat(user: User, chat_id: int) -> dict[str, Any]:
    r = await user.http.get(f"/api/chats/{chat_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def fetch_list(user: User) -> list[dict[str, Any]]:
    """The whole chat list, page after page."""
    chats: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str] = {"cursor": cursor} if cursor else {}
        r = await user.http.get("/api/chats", params=params)
        assert r.status_code == 200, r.text
        chats += r.json()["chats"]
        cursor = r.json()["nextCursor"]
        if cursor is None:
            return chats


async def fetch_members(user: User, chat_id: int) -> list[dict[str, Any]]:
    """Every member of the chat, page after page."""
    members: list[dict[str, Any]] = []
    after = None
    while True:
        params: dict[str, str] = {"after": after} if after else {}
        r = await user.http.get(f"/api/chats/{chat_id}/members", params=params)
        assert r.status_code == 200, r.text
        members += r.json()["members"]
        after = r.json()["nextCursor"]
        if after is None:
            return members


async def fetch_history(user: User, chat_id: int) -> list[dict[str, Any]]:
    r = await user.http.get(f"/api/chats/{chat_id}/messages", params={"limit": 100})
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])


async def snapshot(viewer: User, chat_id: int) -> dict[str, Any]:
    """Everything a member can fetch about a chat that a call could change."""
    chat = await fetch_chat(viewer, chat_id)
    history = await fetch_history(viewer, chat_id)
    members = await fetch_members(viewer, chat_id)
    return {
        "name": chat["name"],
        "avatarUrl": chat["avatarUrl"],
        "lastSeq": chat["lastSeq"],
        "memberCount": chat["memberCount"],
        "members": [[m["user"]["id"], m["role"], m["lastReadSeq"]] for m in members],
        "pinned": [m["id"] for m in chat["pinnedMessages"]],
        "messages": [
            [m["id"], m["type"], m["content"], m["reactions"], m["readBy"]] for m in history
        ],
    }


def member_roles(members: list[dict[str, Any]]) -> dict[int, str]:
    return {m["user"]["id"]: m["role"] for m in members}


async def roles_in(user: User, chat_id: int) -> dict[int, str]:
    """Each member's role, as `user` (a member) fetches them."""
    return member_roles(await fetch_members(user, chat_id))


def about_chat(frame: dict[str, Any], chat_id: int) -> bool:
    """Whether a pushed frame concerns this chat (its data names it)."""
    data = frame.get("data")
    if not isinstance(data, dict):
        return False
    if frame["type"] in ("chat:new", "chat:updated"):
        return data.get("id") == chat_id
    return data.get("chatId") == chat_id


def frames_about(ws: Ws, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
    return [f for f in ws.frames[after:] if about_chat(f, chat_id)]


def without_presence(value: Any) -> Any:
    """The same JSON with users' status and lastSeen dropped: they change with every
    connection, which is not what these tests are about."""
    if isinstance(value, dict):
        return {k: without_presence(v) for k, v in value.items() if k not in ("status", "lastSeen")}
    if isinstance(value, list):
        return [without_presence(v) for v in value]
    return value


async def set_role(admin: User, chat_id: int, target: User, role: str) -> None:
    r = await admin.http.patch(f"/api/chats/{chat_id}/members/{target.id}", json={"role": role})
    assert r.status_code == 200, r.text


async def remove(admin: User, chat_id: int, target: User) -> None:
    r = await admin.http.delete(f"/api/chats/{chat_id}/members/{target.id}")
    assert r.status_code == 204, r.text
