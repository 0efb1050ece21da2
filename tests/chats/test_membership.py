"""Creating chats and changing who is in a group: the responses, the `system` messages
and the events each member's socket gets."""

from __future__ import annotations

from typing import Any

from tests.chats.support import (
    assert_error,
    fetch_chat,
    fetch_history,
    fetch_list,
    frames_about,
    remove,
    roles_in,
)


def _system_texts(history: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in history if m["type"] == "system"]


async def test_private_chat_is_created_once_whoever_asks(users: Any) -> None:
    alice, bob = await users(2)
    a, b = await alice.ws(), await bob.ws()
    first = await alice.http.post("/api/chats", json={"type": "private", "userId": bob.id})
    assert first.status_code == 201, first.text
    chat = first.json()
    assert chat["type"] == "private" and chat["name"] is None
    assert await roles_in(alice, chat["id"]) == {alice.id: "member", bob.id: "member"}
    # A private chat names its other person, as the viewer may see them.
    assert (chat["memberCount"], chat["peer"]["id"], chat["role"]) == (2, bob.id, "member")
    again = await alice.http.post("/api/chats", json={"type": "private", "userId": bob.id})
    assert again.status_code == 200 and again.json()["id"] == chat["id"]
    await a.expect("chat:new", where=lambda d: d["id"] == chat["id"])
    await a.quiet(0.3)
    # Bob is not told of a chat nobody wrote in (as in Telegram) ...
    assert [len(frames_about(ws, chat["id"])) for ws in (a, b)] == [1, 0]
    assert await fetch_list(bob) == []
    # ... until he opens it himself: then it is his too, on all his devices.
    other_side = await bob.http.post("/api/chats", json={"type": "private", "userId": alice.id})
    assert other_side.status_code == 200 and other_side.json()["id"] == chat["id"]
    await b.expect("chat:new", where=lambda d: d["id"] == chat["id"])
    assert [c["id"] for c in await fetch_list(bob)] == [chat["id"]]
    await alice.send(chat["id"], "hello")
    await b.expect("message:new", where=lambda d: d["content"] == "hello")
    assert [f["type"] for f in frames_about(b, chat["id"])] == ["chat:new", "message:new"]
    assert [c["id"] for c in await fetch_list(alice)] == [chat["id"]]


async def test_the_other_person_learns_of_a_private_chat_with_its_first_message(
    users: Any,
) -> None:
    alice, bob = await users(2)
    b = await bob.ws()
    chat = await alice.private_chat(bob)
    assert await fetch_list(bob) == []
    await alice.send(chat["id"], "hello")
    told = await b.expect("chat:new", where=lambda d: d["id"] == chat["id"])
    # The chat as it was before the message, which then arrives as news.
    assert (told["data"]["lastSeq"], told["data"]["lastMessage"]) == (0, None)
    first = await b.expect("message:new", where=lambda d: d["chatId"] == chat["id"])
    assert first["seq"] > told["seq"] and first["data"]["content"] == "hello"
    await alice.send(chat["id"], "again")
    await b.expect("message:new", where=lambda d: d["content"] == "again")
    assert [f["type"] for f in frames_about(b, chat["id"])] == ["chat:new"] + ["message:new"] * 2
    listed = await fetch_list(bob)
    assert [c["id"] for c in listed] == [chat["id"]] and listed[0]["unreadCount"] == 2


async def test_private_chat_needs_another_existing_person(users: Any) -> None:
    (alice,) = await users(1)
    r = await alice.http.post("/api/chats", json={"type": "private", "userId": alice.id})
    assert_error(r, 422, "invalid")
    r = await alice.http.post("/api/chats", json={"type": "private", "userId": 9_000_000})
    assert_error(r, 422, "unknown_user")
    assert await fetch_list(alice) == []


async def test_group_creation_makes_the_creator_owner_and_tells_everyone(users: Any) -> None:
    alice, bob, carol = await users(3)
    b, c = await bob.ws(), await carol.ws()
    # Repeats, and the creator among the participants, count once.
    ids = [bob.id, carol.id, bob.id, alice.id]
    body = {"type": "group", "name": "  Team  ", "participantIds": ids}
    r = await alice.http.post("/api/chats", json=body)
    assert r.status_code == 201, r.text
    chat = r.json()
    assert chat["type"] == "group" and chat["name"] == "Team"
    assert (chat["memberCount"], chat["peer"], chat["role"]) == (3, None, "owner")
    assert await roles_in(bob, chat["id"]) == {
        alice.id: "owner",
        bob.id: "member",
        carol.id: "member",
    }
    (created,) = await fetch_history(alice, chat["id"])
    assert created["type"] == "system" and created["senderId"] is None
    assert created["content"] == f"{alice.me['displayName']} created the group «Team»"
    assert created["meta"] == {
        "event": "group_created",
        "actorId": alice.id,
        "userIds": [bob.id, carol.id],
    }
    for ws in (b, c):
        # The chat first, then its first message: no event precedes its chat.
        await ws.expect("chat:new", where=lambda d: d["id"] == chat["id"])
        await ws.expect("message:new", where=lambda d: d["id"] == created["id"])
        assert [f["type"] for f in frames_about(ws, chat["id"])] == ["chat:new", "message:new"]
    assert (await fetch_chat(bob, chat["id"]))["unreadCount"] == 1
    # One's own doing is not unread news.
    assert chat["unreadCount"] == 0 and (await fetch_chat(alice, chat["id"]))["unreadCount"] == 0


async def test_rename_writes_a_system_message_and_updates_every_member(users: Any) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("Old", bob))["id"]
    a, b = await alice.ws(), await bob.ws()
    r = await alice.http.patch(f"/api/chats/{chat_id}", json={"name": " New "})
    assert r.status_code == 200 and r.json()["name"] == "New", r.text
    for ws in (a, b):
        await ws.expect("chat:updated", where=lambda d: d["id"] == chat_id and d["name"] == "New")
        renamed = await ws.expect("message:new", where=lambda d: d["chatId"] == chat_id)
        assert renamed["data"]["meta"] == {
            "event": "group_renamed",
            "actorId": alice.id,
            "name": "New",
        }
    assert _system_texts(await fetch_history(bob, chat_id))[-1] == (
        f"{alice.me['displayName']} renamed the group to «New»"
    )
    # The same name again, or a blank one: nothing happens.
    same = await alice.http.patch(f"/api/chats/{chat_id}", json={"name": "New"})
    assert same.status_code == 200
    assert_error(
        await alice.http.patch(f"/api/chats/{chat_id}", json={"name": "   "}), 422, "invalid"
    )
    await b.quiet(0.4)
    assert len(frames_about(b, chat_id)) == 2
    assert (await fetch_chat(bob, chat_id))["name"] == "New"
    assert len(_system_texts(await fetch_history(bob, chat_id))) == 2


async def test_adding_members_tells_the_newcomer_and_the_others(users: Any) -> None:
    alice, bob, carol, dave = await users(4)
    chat_id = (await alice.group("Adding", bob))["id"]
    b, c, d = await bob.ws(), await carol.ws(), await dave.ws()
    body = {"userIds": [carol.id, dave.id, bob.id]}
    r = await alice.http.post(f"/api/chats/{chat_id}/members", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["memberCount"] == 4
    assert await roles_in(alice, chat_id) == {
        alice.id: "owner",
        bob.id: "member",
        carol.id: "member",
        dave.id: "member",
    }
    for ws in (c, d):
        new = await ws.expect("chat:new", where=lambda data: data["id"] == chat_id)
        assert (new["data"]["memberCount"], new["data"]["role"]) == (4, "member")
        await ws.expect("chat:members", where=lambda data: data["chatId"] == chat_id)
        kinds = [f["type"] for f in frames_about(ws, chat_id)]
        assert kinds == ["chat:new", "message:new", "chat:members"]
    # The others learn who came, not the whole list again.
    joined = await b.expect("chat:members", where=lambda data: data["chatId"] == chat_id)
    assert [(m["user"]["id"], m["role"]) for m in joined["data"]["members"]] == [
        (carol.id, "member"),
        (dave.id, "member"),
    ]
    assert (joined["data"]["memberCount"], joined["data"]["removedUserIds"]) == (4, [])
    added = await b.expect("message:new", where=lambda data: data["type"] == "system")
    assert added["data"]["meta"]["userIds"] == [carol.id, dave.id]
    names = f"{carol.me['displayName']}, {dave.me['displayName']}"
    assert added["data"]["content"] == f"{alice.me['displayName']} added {names}"
    # Already there: no change, no message, no event.
    again = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [bob.id]})
    assert again.status_code == 200
    unknown = {"userIds": [9_000_001]}
    assert_error(
        await alice.http.post(f"/api/chats/{chat_id}/members", json=unknown), 422, "unknown_user"
    )
    await b.quiet(0.4)
    assert [f["type"] for f in frames_about(b, chat_id)] == ["message:new", "chat:members"]
    assert len(await roles_in(alice, chat_id)) == 4


async def test_removal_tells_the_removed_and_the_rest(users: Any) -> None:
    alice, bob, carol = await users(3)
    chat_id = (await alice.group("Removal", bob, carol))["id"]
    b, c = await bob.ws(), await carol.ws()
    await remove(alice, chat_id, bob)
    gone = await b.expect("chat:removed")
    assert gone["data"] == {
        "chatId": chat_id,
        "reason": "removed",
        "byUserId": alice.id,
        "chatName": "Removal",
    }
    removed = await c.expect("message:new", where=lambda d: d["type"] == "system")
    assert removed["data"]["content"] == (
        f"{alice.me['displayName']} removed {bob.me['displayName']}"
    )
    assert removed["data"]["meta"] == {
        "event": "member_removed",
        "actorId": alice.id,
        "userIds": [bob.id],
    }
    left = await c.expect("chat:members", where=lambda d: d["chatId"] == chat_id)
    assert left["data"] == {
        "chatId": chat_id,
        "memberCount": 2,
        "members": [],
        "removedUserIds": [bob.id],
    }
    assert await fetch_list(bob) == []
    assert_error(await bob.http.get(f"/api/chats/{chat_id}"), 404, "not_found")
    # Removing someone who is not (or no longer) there is a 404.
    r = await alice.http.delete(f"/api/chats/{chat_id}/members/{bob.id}")
    assert_error(r, 404, "not_found")
    # And a removed member can be added back, and is told.
    r = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [bob.id]})
    assert r.status_code == 200, r.text
    await b.expect("chat:new", where=lambda d: d["id"] == chat_id)
    assert [c["id"] for c in await fetch_list(bob)] == [chat_id]


async def test_anyone_may_leave_a_group_but_not_a_private_chat(users: Any) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("Leaving", bob))["id"]
    private_id = (await alice.private_chat(bob))["id"]
    await alice.send(private_id, "hi")
    a = await alice.ws()
    r = await bob.http.delete(f"/api/chats/{chat_id}/members/{bob.id}")
    assert r.status_code == 204, r.text
    left = await a.expect("message:new", where=lambda d: d["type"] == "system")
    assert left["data"]["content"] == f"{bob.me['displayName']} left the group"
    assert left["data"]["meta"]["event"] == "member_left"
    assert [c["id"] for c in await fetch_list(bob)] == [private_id]
    r = await bob.http.delete(f"/api/chats/{private_id}/members/{bob.id}")
    assert_error(r, 422, "invalid")
    assert await roles_in(alice, private_id) == {
        alice.id: "member",
        bob.id: "member",
    }
