"""GET /api/chats: what each chat carries, unread counts, and the order of the list."""

from __future__ import annotations

from typing import Any

from tests.chats.support import fetch_chat, fetch_history, fetch_list, fetch_members, ws_outcome


async def _unread(user: Any, chat_id: int) -> int:
    return int((await fetch_chat(user, chat_id))["unreadCount"])


async def _read(user: Any, chat_id: int, message_id: int) -> dict[str, Any]:
    ws = await user.ws()
    ack = await ws.command("message:read", {"chatId": chat_id, "messageId": message_id})
    await ws.close()
    return dict(ack)


async def test_the_list_carries_counts_last_message_unread_count_and_pins(users: Any) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("Everything", bob))["id"]
    first = await bob.send(chat_id, "first")
    last = await bob.send(chat_id, "last")
    a = await alice.ws()
    for message in (last, first):  # pinned in this order, listed in this order
        pin = {"chatId": chat_id, "messageId": message["id"]}
        assert await ws_outcome(a, "message:pin", pin) == "ok"
    (chat,) = await fetch_list(alice)
    assert chat["id"] == chat_id and chat["type"] == "group" and chat["name"] == "Everything"
    # No member list: the count, and this user's own membership.
    assert "members" not in chat
    assert (chat["memberCount"], chat["peer"], chat["role"]) == (2, None, "owner")
    # Each pin wrote a note ("Alice pinned «…»"), which its pinner has seen; bob has read
    # up to his own last message.
    assert (chat["lastReadSeq"], chat["othersReadSeq"]) == (5, last["seq"])
    assert chat["lastSeq"] == last["seq"] + 2 == 5
    assert chat["lastMessage"]["type"] == "system"
    assert chat["lastMessage"]["content"] == f"{alice.me['displayName']} pinned «first»"
    assert chat["unreadCount"] == 0
    (theirs,) = await fetch_list(bob)
    assert theirs["unreadCount"] == 2 and theirs["role"] == "member"
    assert (theirs["lastReadSeq"], theirs["othersReadSeq"]) == (last["seq"], 5)
    assert [m["id"] for m in chat["pinnedMessages"]] == [last["id"], first["id"]]
    assert chat == await fetch_chat(alice, chat_id)
    members = await fetch_members(alice, chat_id)
    assert [(m["user"]["id"], m["role"], m["lastReadSeq"]) for m in members] == [
        (alice.id, "owner", 5),
        (bob.id, "member", last["seq"]),
    ]
    assert members[1]["user"]["username"] == bob.username


async def test_unread_counts_messages_by_others_since_the_read_position(users: Any) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.private_chat(bob))["id"]
    assert (await _unread(alice, chat_id), await _unread(bob, chat_id)) == (0, 0)
    sent = [await bob.send(chat_id, f"b{i}") for i in range(3)]
    assert (await _unread(alice, chat_id), await _unread(bob, chat_id)) == (3, 0)
    # Sending means having read everything before one's own message.
    reply = await alice.send(chat_id, "a1")
    assert (await _unread(alice, chat_id), await _unread(bob, chat_id)) == (0, 1)
    assert await _read(bob, chat_id, reply["id"]) == {"chatId": chat_id, "seq": reply["seq"]}
    assert await _unread(bob, chat_id) == 0
    more = [await bob.send(chat_id, f"b{i}") for i in range(3, 6)]
    assert await _unread(alice, chat_id) == 3
    await _read(alice, chat_id, more[0]["id"])
    assert await _unread(alice, chat_id) == 2
    # Reading an older message does not move the position back.
    assert (await _read(alice, chat_id, sent[0]["id"]))["seq"] == more[0]["seq"]
    assert await _unread(alice, chat_id) == 2


async def test_system_messages_count_for_everyone_but_their_actor(users: Any) -> None:
    alice, bob, carol = await users(3)
    chat_id = (await alice.group("Counting", bob))["id"]
    assert (await _unread(alice, chat_id), await _unread(bob, chat_id)) == (0, 1)
    r = await alice.http.patch(f"/api/chats/{chat_id}", json={"name": "Counted"})
    assert r.status_code == 200 and r.json()["unreadCount"] == 0
    r = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [carol.id]})
    assert r.status_code == 200 and r.json()["unreadCount"] == 0
    assert await _unread(bob, chat_id) == 3
    history = await fetch_history(alice, chat_id)
    # The actor has read their own system messages, and readBy says so.
    assert all(alice.id in m["readBy"] for m in history)


async def test_a_new_member_does_not_see_old_history_as_unread(users: Any) -> None:
    alice, bob, dave = await users(3)
    chat_id = (await alice.group("History", bob))["id"]
    for i in range(5):
        await bob.send(chat_id, f"old {i}")
    r = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [dave.id]})
    assert r.status_code == 200, r.text
    (chat,) = await fetch_list(dave)
    # Only the announcement of their joining is new to them.
    assert chat["unreadCount"] == 1
    assert chat["lastMessage"]["meta"]["event"] == "members_added"
    # The old history is readable all the same.
    contents = [m["content"] for m in await fetch_history(dave, chat_id)]
    assert contents[1:6] == [f"old {i}" for i in range(5)]
    await bob.send(chat_id, "new")
    assert await _unread(dave, chat_id) == 2


async def test_the_list_is_ordered_by_newest_activity(users: Any) -> None:
    alice, bob, carol, dave = await users(4)
    with_bob = (await alice.private_chat(bob))["id"]
    with_carol = (await alice.private_chat(carol))["id"]
    group = (await alice.group("Busy", bob, carol))["id"]

    async def order() -> list[int]:
        return [c["id"] for c in await fetch_list(alice)]

    assert await order() == [group, with_carol, with_bob]
    await bob.send(with_bob, "bump")
    assert await order() == [with_bob, group, with_carol]
    # A rename is activity (it writes a system message) ...
    r = await alice.http.patch(f"/api/chats/{group}", json={"name": "Busier"})
    assert r.status_code == 200
    assert await order() == [group, with_bob, with_carol]
    # ... reading is not.
    await _read(alice, with_bob, (await fetch_history(alice, with_bob))[0]["id"])
    assert await order() == [group, with_bob, with_carol]
    # A private chat nobody wrote in yet is listed for its creator only (first, by its
    # creation), and for the other person from its first message on.
    with_dave = (await dave.private_chat(alice))["id"]
    assert next(c["id"] for c in await fetch_list(dave)) == with_dave
    assert await order() == [group, with_bob, with_carol]
    await dave.send(with_dave, "hi Alice")
    assert await order() == [with_dave, group, with_bob, with_carol]
    assert [c["id"] for c in await fetch_list(bob)] == [group, with_bob]
