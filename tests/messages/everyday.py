"""Steps shared by the everyday-messaging tests (their fixtures are in conftest.py)."""

from __future__ import annotations

from typing import Any

from tests.chats.support import client_id
from tests.harness import User, Ws


async def send(ws: Ws, chat_id: int, content: str, **extra: Any) -> dict[str, Any]:
    data = {"chatId": chat_id, "content": content, "clientId": client_id(), **extra}
    return dict(await ws.command("message:send", data))


async def chat_of(user: User, chat_id: int) -> dict[str, Any]:
    r = await user.http.get(f"/api/chats/{chat_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def history(user: User, chat_id: int) -> list[dict[str, Any]]:
    r = await user.http.get(f"/api/chats/{chat_id}/messages")
    assert r.status_code == 200, r.text
    return list(r.json()["messages"])
