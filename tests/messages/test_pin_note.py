"""Pinning writes "Alice pinned «…»" into the chat, as Telegram does; unpinning writes nothing."""

from __future__ import annotations

from typing import Any

from tests.uploads import files
from tests.uploads.client import uploaded


def _notes(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if (m["meta"] or {}).get("event") == "message_pinned"]


async def test_a_pin_writes_one_note_seen_live_and_in_history(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("pins", bob, carol)
    markup = "<b>bold</b> & <script>x()</script> " + "y" * 60
    msg = await bob.send(group["id"], markup)
    a, c = await alice.ws(), await carol.ws()
    await a.command("message:pin", {"chatId": group["id"], "messageId": msg["id"]})
    live = await c.expect("message:new", lambda d: d["type"] == "system")
    note = live["data"]
    assert note["senderId"] is None and note["chatId"] == group["id"]
    assert note["meta"] == {
        "actorId": alice.id,
        "event": "message_pinned",
        "messageId": msg["id"],
        "seq": msg["seq"],
    }
    # The text is text: the markup is quoted literally, cut at 40 characters.
    assert note["content"] == f"{alice.me['displayName']} pinned «{markup[:40].rstrip()}…»"
    # Pinning what is already pinned changes nothing and writes no second note; nor does unpinning.
    await a.command("message:pin", {"chatId": group["id"], "messageId": msg["id"]})
    await a.command("message:unpin", {"chatId": group["id"], "messageId": msg["id"]})
    await c.expect("pin:updated", lambda d: d["pinned"] is False)
    await c.quiet(0.3)
    assert len([f for f in c.of_type("message:new") if f["data"]["type"] == "system"]) == 1
    page = (await carol.http.get(f"/api/chats/{group['id']}/messages")).json()["messages"]
    assert [m["id"] for m in _notes(page)] == [note["id"]]
    # The pinner has seen their own note: it is not unread for them.
    mine = (await alice.http.get(f"/api/chats/{group['id']}")).json()
    assert mine["unreadCount"] == 0


async def test_a_pinned_photo_is_named_not_quoted(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    photo = await uploaded(alice, files.image("PNG"), "p.png")
    msg = await alice.send(chat["id"], "", attachmentIds=[photo["id"]])
    b = await bob.ws()
    await b.command("message:pin", {"chatId": chat["id"], "messageId": msg["id"]})
    note = (await b.expect("message:new", lambda d: d["type"] == "system"))["data"]
    assert note["content"] == f"{bob.me['displayName']} pinned a photo"
