"""Blocking: the blocked person's messages, typing, calls and group adds never reach the
one who blocked them, while on their own side all looks as usual (a message is sent: one
tick, never read); the blocker cannot write to them until they unblock."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.support import system_message
from tests.harness import WsError
from tests.privacy.support import barrier, block, members_seen_by, set_privacy, unblock


async def test_block_unblock_and_the_list(people: Any) -> None:
    alice, bob, carol = await people(3)
    a1, a2 = await alice.ws(), await alice.ws()
    await block(alice, bob)
    await block(alice, bob)  # twice changes nothing
    await block(alice, carol)
    synced = await a2.expect("block:updated")
    assert synced["data"] == {"userId": bob.id, "blocked": True} and "seq" in synced
    listed = (await alice.http.get("/api/users/blocked")).json()["users"]
    assert [u["id"] for u in listed] == [carol.id, bob.id]
    await unblock(alice, bob)
    await unblock(alice, bob)
    await a1.expect("block:updated", lambda d: d == {"userId": bob.id, "blocked": False})
    listed = (await alice.http.get("/api/users/blocked")).json()["users"]
    assert [u["id"] for u in listed] == [carol.id]
    assert (await bob.http.get("/api/users/blocked")).json() == {"users": []}
    assert len(a2.of_type("block:updated")) == 3


async def test_bad_block_requests(people: Any) -> None:
    (alice,) = await people(1)
    for method in ("post", "delete"):
        missing = await alice.http.request(method, "/api/users/999999999/block")
        assert missing.status_code == 404, missing.text
        assert missing.json()["error"]["code"]
        self_block = await alice.http.request(method, f"/api/users/{alice.id}/block")
        assert self_block.status_code == 422, self_block.text
        assert "yourself" in self_block.json()["error"]["message"]
        for bad in ("0", "x", "-1", str(2**63)):
            r = await alice.http.request(method, f"/api/users/{bad}/block")
            assert r.status_code == 422, (bad, r.text)
    assert (await alice.http.get("/api/users/blocked")).json() == {"users": []}


async def test_a_blocked_persons_messages_never_reach_the_blocker(people: Any) -> None:
    alice, bob = await people(2)
    chat = await bob.private_chat(alice)
    await bob.send(chat["id"], "before")
    a = await alice.ws()
    since = a.of_type("ready")[0]["data"]["seq"]
    await block(alice, bob)
    b1, b2 = await bob.ws(), await bob.ws()
    ack = await b1.command(
        "message:send", {"chatId": chat["id"], "content": "can you hear me", "clientId": "c1"}
    )
    sent = ack
    # Bob's side: sent as usual, on all his devices, never read.
    await b2.expect("message:new", lambda d: d["id"] == sent["id"])
    await bob.send(chat["id"], "https://example.invalid/ and more")
    await barrier(alice, a)
    # Alice's side: nothing, live or replayed, in history, counts, the list or search.
    assert [f for f in a.of_type("message:new") if f["data"]["chatId"] == chat["id"]] == []
    replay = await alice.ws(since=since)
    await barrier(alice, replay)
    assert [f for f in replay.of_type("message:new") if f["data"]["chatId"] == chat["id"]] == []
    history = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["content"] for m in history] == ["before"]
    (listed,) = (await alice.http.get("/api/chats")).json()["chats"]
    assert listed["lastMessage"]["content"] == "before"
    assert listed["unreadCount"] == 1
    found = (await alice.http.get("/api/search", params={"q": "hear"})).json()
    assert found["results"] == []
    mine = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["content"] for m in mine][:2] == ["before", "can you hear me"]
    assert all(m["readBy"] == [] for m in mine)
    # Alice reads what she has; Bob's withheld messages stay unread on his side.
    await a.command("message:read", {"chatId": chat["id"], "messageId": history[0]["id"]})
    mine = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["readBy"] for m in mine] == [[alice.id], [], []]


async def test_a_blocked_persons_edits_typing_and_reactions_stay_with_them(people: Any) -> None:
    alice, bob = await people(2)
    chat = await bob.private_chat(alice)
    await bob.send(chat["id"], "hello")
    await block(alice, bob)
    a = await alice.ws()
    b = await bob.ws()
    sent = await bob.send(chat["id"], "first draft")
    await b.command("typing:start", {"chatId": chat["id"]})
    edited = await b.command("message:edit", {"messageId": sent["id"], "content": "second"})
    assert edited["content"] == "second"
    await b.command("reaction:add", {"messageId": sent["id"], "emoji": "👍"})
    await b.command("message:pin", {"chatId": chat["id"], "messageId": sent["id"]})
    await b.expect("message:updated", lambda d: d["id"] == sent["id"])
    await b.expect("pin:updated")
    await barrier(alice, a)
    for kind in ("message:new", "message:updated", "reaction:updated", "pin:updated"):
        assert a.of_type(kind) == [], kind
    assert a.of_type("typing:update") == []
    (listed,) = (await alice.http.get("/api/chats")).json()["chats"]
    assert listed["pinnedMessages"] == []
    assert listed["lastMessage"]["content"] == "hello"


async def test_the_blocker_cannot_write_until_unblocking(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    await alice.send(chat["id"], "hi")
    await block(alice, bob)
    r = await alice.http.post("/api/messages", json={"chatId": chat["id"], "content": "x"})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "blocked"
    assert r.json()["error"]["message"].startswith(f"Unblock {bob.username.title()}")
    a = await alice.ws()
    with pytest.raises(WsError) as refused:
        await a.command("message:send", {"chatId": chat["id"], "content": "x", "clientId": "c"})
    assert refused.value.code == "blocked"
    history = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["content"] for m in history] == ["hi"]
    # Forwarding into that chat is writing too.
    forward = {"toChatId": chat["id"], "messageIds": [history[0]["id"]], "clientId": "f1"}
    with pytest.raises(WsError) as refused:
        await a.command("message:forward", forward)
    assert refused.value.code == "blocked"
    await unblock(alice, bob)
    await alice.send(chat["id"], "back")


async def test_after_unblocking_new_messages_arrive_and_withheld_ones_stay_withheld(
    people: Any,
) -> None:
    alice, bob = await people(2)
    chat = await bob.private_chat(alice)
    await block(alice, bob)
    await bob.send(chat["id"], "while blocked")  # the chat's first message
    a = await alice.ws()
    await barrier(alice, a)
    assert a.of_type("chat:new") == []
    assert (await alice.http.get("/api/chats")).json()["chats"] == []
    await unblock(alice, bob)
    await bob.send(chat["id"], "after")
    new = await a.expect("chat:new")
    assert new["data"]["id"] == chat["id"]
    arrived = await a.expect("message:new")
    assert arrived["data"]["content"] == "after"
    history = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["content"] for m in history] == ["after"]


async def test_a_blocked_persons_call_rings_unheard_and_is_missed(people: Any) -> None:
    alice, bob = await people(2)
    chat = await bob.private_chat(alice)
    await bob.send(chat["id"], "hi")
    await block(alice, bob)
    a, b = await alice.ws(), await bob.ws()
    ack = await b.command("call:start", {"chatId": chat["id"], "media": "audio"})
    assert ack["call"]["state"] == "ringing"
    assert (await alice.http.get("/api/calls")).json()["calls"] == []
    ended = await b.expect("call:ended", timeout=10)
    assert ended["data"]["reason"] == "missed"
    note = await system_message(b, chat["id"])
    assert note["meta"]["call"]["outcome"] == "missed"
    await barrier(alice, a)
    assert [f["type"] for f in a.frames if f["type"].startswith("call:")] == []
    history = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["type"] for m in history] == ["text"]
    # And she cannot call him while she blocks him.
    with pytest.raises(WsError) as refused:
        await a.command("call:start", {"chatId": chat["id"], "media": "audio"})
    assert refused.value.code == "blocked"


async def test_a_blocked_person_cannot_add_the_blocker_to_groups(people: Any) -> None:
    alice, bob, carol = await people(3)
    await block(alice, bob)
    a = await alice.ws()
    r = await bob.http.post(
        "/api/chats", json={"type": "group", "name": "g", "participantIds": [alice.id, carol.id]}
    )
    assert r.status_code == 201, r.text
    group = r.json()
    # Told "invited", as for anyone who lets no one add them: the block does not show.
    assert group["invitedUserIds"] == [alice.id]
    assert group["memberCount"] == 2
    assert {m["user"]["id"] for m in await members_seen_by(bob, group["id"])} == {bob.id, carol.id}
    r = await bob.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [alice.id]})
    assert r.status_code == 200 and r.json()["invitedUserIds"] == [alice.id]
    await barrier(alice, a)
    assert a.of_type("chat:new") == [] and a.of_type("chat:invited") == []
    assert (await alice.http.get("/api/invites")).json() == {"invites": []}
    # Carol, whom Alice did not block, adds her as usual.
    r = await carol.http.post(
        "/api/chats", json={"type": "group", "name": "h", "participantIds": [alice.id]}
    )
    assert r.json()["invitedUserIds"] == [] and r.json()["memberCount"] == 2
    await set_privacy(alice, groupAdds="everybody")


async def test_only_a_contact_who_saw_the_status_hears_it_go_and_come_back(people: Any) -> None:
    alice, bob, stranger = await people(3)
    chat = await alice.private_chat(bob)
    await alice.send(chat["id"], "hi")
    await set_privacy(alice, lastSeen="everybody")
    b, s = await bob.ws(), await stranger.ws()
    await alice.ws()  # after theirs: whether her coming online reaches them is no race
    seen = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert seen["data"]["status"] == "online"
    await block(alice, bob)
    await block(alice, stranger)
    gone = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert gone["data"] == {"userId": alice.id, "status": None, "lastSeen": None}
    await unblock(alice, bob)
    await unblock(alice, stranger)
    back = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert back["data"]["status"] == "online"
    # A stranger is never told her status live, so hears nothing of a block either.
    await barrier(stranger, s)
    assert [f for f in s.of_type("user:status") if f["data"]["userId"] == alice.id] == []
