"""The events are enough: a client that fetched its chat list once and then applies what
its socket receives ends with what a fresh fetch returns (Zulip's check of its event
system, done here for chats)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from tests.chats.support import fetch_list, remove, set_role, without_presence, ws_outcome

State = dict[int, dict[str, Any]]


def _reader_of(message: dict[str, Any]) -> int | None:
    """Who has read a new message by its arrival: the sender, or a system message's actor."""
    if message["senderId"] is not None:
        return int(message["senderId"])
    meta = message.get("meta") or {}
    actor = meta.get("actorId")
    return int(actor) if actor is not None else None


def _messages_of(chat: dict[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = list(chat["pinnedMessages"])
    if chat["lastMessage"] is not None:
        messages.insert(0, chat["lastMessage"])
    return messages


def apply(state: State, frame: dict[str, Any], me: int) -> None:
    kind, data = frame["type"], frame["data"]
    if kind == "chat:new":
        state[data["id"]] = copy.deepcopy(data)
    elif kind == "chat:removed":
        state.pop(data["chatId"], None)
    elif kind == "chat:updated":
        state[data["id"]].update(copy.deepcopy(data))
    elif kind == "chat:members":
        chat = state[data["chatId"]]
        chat["memberCount"] = data["memberCount"]
        for member in data["members"]:
            if member["user"]["id"] == me:
                chat["role"] = member["role"]
    elif kind == "message:new":
        chat = state[data["chatId"]]
        chat["lastMessage"], chat["lastSeq"] = copy.deepcopy(data), data["seq"]
        _move_read(chat, _reader_of(data), data["seq"], me)
    elif kind == "read:updated":
        _move_read(state[data["chatId"]], data["userId"], data["seq"], me)
    elif kind == "reaction:updated":
        for message in _messages_of(state[data["chatId"]]):
            if message["id"] == data["messageId"]:
                message["reactions"] = data["reactions"]
    elif kind == "pin:updated":
        chat = state[data["chatId"]]
        pins = [m for m in chat["pinnedMessages"] if m["id"] != data["messageId"]]
        chat["pinnedMessages"] = pins + ([copy.deepcopy(data["message"])] if data["pinned"] else [])


def _move_read(chat: dict[str, Any], user_id: int | None, seq: int, me: int) -> None:
    if user_id is None:
        return
    field = "lastReadSeq" if user_id == me else "othersReadSeq"
    chat[field] = max(chat[field], seq)


def derive(state: State) -> list[dict[str, Any]]:
    """What follows from the applied events: the unread count from the read position, the
    order from the newest activity. The list's messages carry no `readBy`."""
    chats = copy.deepcopy(list(state.values()))
    for chat in chats:
        chat["unreadCount"] = chat["lastSeq"] - chat["lastReadSeq"]
        for message in _messages_of(chat):
            message["readBy"] = []

    def activity(chat: dict[str, Any]) -> tuple[datetime, int]:
        when = (chat["lastMessage"] or chat)["createdAt"]
        return datetime.fromisoformat(when), chat["id"]

    result: list[dict[str, Any]] = without_presence(sorted(chats, key=activity, reverse=True))
    return result


async def test_chat_list_plus_events_equals_a_fresh_fetch(users: Any) -> None:
    alice, bob, carol, dave = await users(4)
    group = (await alice.group("Evented", bob, carol))["id"]
    private = (await alice.private_chat(carol))["id"]
    await bob.send(group, "before the fetch")
    c, a, b = await carol.ws(), await alice.ws(), await bob.ws()
    state: State = {chat["id"]: chat for chat in await fetch_list(carol)}
    mark = len(c.frames)

    r = await alice.http.patch(f"/api/chats/{group}", json={"name": "Renamed"})
    assert r.status_code == 200
    r = await alice.http.post(f"/api/chats/{group}/members", json={"userIds": [dave.id]})
    assert r.status_code == 200
    await set_role(alice, group, bob, "admin")
    news = await bob.send(group, "news")
    assert await ws_outcome(a, "message:pin", {"chatId": group, "messageId": news["id"]}) == "ok"
    d = await dave.ws()
    assert await ws_outcome(d, "reaction:add", {"messageId": news["id"], "emoji": "👍"}) == "ok"
    assert await ws_outcome(c, "message:read", {"chatId": group, "messageId": news["id"]}) == "ok"
    assert await ws_outcome(d, "message:read", {"chatId": group, "messageId": news["id"]}) == "ok"
    await remove(bob, group, dave)
    await alice.send(private, "private news")
    second = (await alice.group("Second", carol))["id"]
    third = (await bob.group("Short-lived", carol))["id"]
    await remove(bob, third, carol)
    assert await ws_outcome(b, "message:unpin", {"chatId": group, "messageId": news["id"]}) == "ok"
    assert await ws_outcome(a, "reaction:add", {"messageId": news["id"], "emoji": "🎉"}) == "ok"
    await c.expect("reaction:updated", where=lambda data: "🎉" in data["reactions"])

    applied = c.frames[mark:]
    for frame in applied:
        if frame["type"] not in ("user:status", "typing:update"):
            apply(state, frame, carol.id)
    kinds = {f["type"] for f in applied}
    assert kinds >= {
        "chat:new",
        "chat:updated",
        "chat:members",
        "chat:removed",
        "message:new",
        "read:updated",
        "reaction:updated",
        "pin:updated",
    }, kinds
    fresh = await fetch_list(carol)
    assert [chat["id"] for chat in fresh] == [second, private, group]
    assert derive(state) == without_presence(fresh)
