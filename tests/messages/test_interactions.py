"""Replies, reactions, read receipts and pins, live and in the stored state."""

from __future__ import annotations

import uuid
from typing import Any

from tests.harness import WsError


def _send(chat_id: int, content: str, **extra: Any) -> dict[str, Any]:
    return {"chatId": chat_id, "content": content, "clientId": uuid.uuid4().hex, **extra}


async def test_reply_quotes_the_original(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    other = await alice.group("elsewhere", bob)
    original = await alice.send(chat["id"], "q" * 300)
    b = await bob.ws()
    reply = await b.command("message:send", _send(chat["id"], "answer", replyTo=original["id"]))
    assert reply["replyTo"] == original["id"]
    assert reply["replyPreview"] == {
        "id": original["id"],
        "seq": original["seq"],
        "senderId": alice.id,
        "type": "text",
        "content": "q" * 200,
        "deleted": False,
    }
    foreign = await alice.send(other["id"], "in another chat")
    err = await b.request("message:send", _send(chat["id"], "x", replyTo=foreign["id"]))
    assert err["type"] == "error" and err["error"]["code"] == "invalid"


async def test_reactions_toggle_live_and_are_stored(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    msg = await alice.send(chat["id"], "react to me")
    a, b = await alice.ws(), await bob.ws()
    await b.command("reaction:add", {"messageId": msg["id"], "emoji": "❤️"})
    await a.command("reaction:add", {"messageId": msg["id"], "emoji": "❤️"})
    await a.command("reaction:add", {"messageId": msg["id"], "emoji": "😂"})
    again = await a.command("reaction:add", {"messageId": msg["id"], "emoji": "😂"})
    assert again["reactions"] == {"❤️": [bob.id, alice.id], "😂": [alice.id]}
    events = [await b.expect("reaction:updated") for _ in range(3)]
    assert events[-1]["data"]["reactions"] == {"❤️": [bob.id, alice.id], "😂": [alice.id]}
    await b.quiet(0.3)
    assert len(b.of_type("reaction:updated")) == 3  # the repeat changed nothing, sent nothing
    removed = await b.command("reaction:remove", {"messageId": msg["id"], "emoji": "❤️"})
    assert removed["reactions"] == {"❤️": [alice.id], "😂": [alice.id]}
    page = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()
    assert page["messages"][0]["reactions"] == {"❤️": [alice.id], "😂": [alice.id]}
    for bad in ("a", "👍👍", "<b>", "", ":)"):
        frame = await a.request("reaction:add", {"messageId": msg["id"], "emoji": bad})
        assert frame["type"] == "error", bad
    missing = await a.request("reaction:add", {"messageId": 10**9, "emoji": "👍"})
    assert missing["error"]["code"] == "not_found"


async def test_read_receipts_move_forward_only(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    m1 = await alice.send(chat["id"], "one")
    m2 = await alice.send(chat["id"], "two")
    a, b = await alice.ws(), await bob.ws()
    ack = await b.command("message:read", {"chatId": chat["id"], "messageId": m2["id"]})
    assert ack == {"chatId": chat["id"], "seq": m2["seq"]}
    event = await a.expect("read:updated")
    assert event["data"] == {
        "chatId": chat["id"],
        "userId": bob.id,
        "messageId": m2["id"],
        "seq": m2["seq"],
    }
    back = await b.command("message:read", {"chatId": chat["id"], "messageId": m1["id"]})
    assert back["seq"] == m2["seq"]  # reading an older message does not move it back
    await a.quiet(0.3)
    assert len(a.of_type("read:updated")) == 1
    page = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()
    assert [m["readBy"] for m in page["messages"]] == [[bob.id], [bob.id]]
    chats = (await bob.http.get("/api/chats")).json()["chats"]
    assert [c["unreadCount"] for c in chats if c["id"] == chat["id"]] == [0]


async def test_pins_show_in_the_chat_and_update_live(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    msg = await alice.send(chat["id"], "pin me")
    a, b = await alice.ws(), await bob.ws()
    ack = await b.command("message:pin", {"chatId": chat["id"], "messageId": msg["id"]})
    assert ack["pinned"] is True and ack["message"]["id"] == msg["id"]
    event = await a.expect("pin:updated")
    assert event["data"]["pinned"] is True and event["data"]["by"] == bob.id
    listed = (await alice.http.get(f"/api/chats/{chat['id']}")).json()
    assert [m["id"] for m in listed["pinnedMessages"]] == [msg["id"]]
    await b.command("message:pin", {"chatId": chat["id"], "messageId": msg["id"]})  # no-op
    await a.command("message:unpin", {"chatId": chat["id"], "messageId": msg["id"]})
    unpinned = await b.expect("pin:updated", lambda d: d["pinned"] is False)
    assert unpinned["data"]["messageId"] == msg["id"]
    await a.quiet(0.3)
    assert len(a.of_type("pin:updated")) == 2
    listed = (await alice.http.get(f"/api/chats/{chat['id']}")).json()
    assert listed["pinnedMessages"] == []
    other = await alice.group("g", bob)
    foreign = await alice.send(other["id"], "elsewhere")
    try:
        await a.command("message:pin", {"chatId": chat["id"], "messageId": foreign["id"]})
        raise AssertionError("pinning a message of another chat must fail")
    except WsError as err:
        assert err.code == "not_found"
