"""Helpers of the privacy tests."""

from __future__ import annotations

from typing import Any

from tests.harness import User, Ws


async def set_privacy(user: User, **body: str) -> dict[str, Any]:
    r = await user.http.patch("/api/users/me/privacy", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def block(user: User, other: User) -> None:
    r = await user.http.post(f"/api/users/{other.id}/block")
    assert r.status_code == 204, r.text


async def unblock(user: User, other: User) -> None:
    r = await user.http.delete(f"/api/users/{other.id}/block")
    assert r.status_code == 204, r.text


async def barrier(user: User, ws: Ws) -> None:
    """Everything committed before this call has reached `ws` once it returns: a change of
    the user's own settings is committed after it, and its event comes after theirs."""
    me = (await user.http.get("/api/users/me")).json()
    flipped = "nobody" if me["privacy"]["groupAdds"] == "everybody" else "everybody"
    await set_privacy(user, groupAdds=flipped)
    await ws.expect("privacy:updated", lambda d: d["groupAdds"] == flipped)
    await set_privacy(user, groupAdds=me["privacy"]["groupAdds"])
    await ws.expect("privacy:updated", lambda d: d["groupAdds"] == me["privacy"]["groupAdds"])


def status_of(user_data: dict[str, Any]) -> tuple[Any, Any]:
    return user_data["status"], user_data["lastSeen"]


def member(members: list[dict[str, Any]], user: User) -> dict[str, Any]:
    """The user's entry among members (a member page, or a `chat:members` event)."""
    (found,) = [m["user"] for m in members if m["user"]["id"] == user.id]
    return dict(found)


async def members_seen_by(viewer: User, chat_id: int) -> list[dict[str, Any]]:
    r = await viewer.http.get(f"/api/chats/{chat_id}/members")
    assert r.status_code == 200, r.text
    return list(r.json()["members"])
