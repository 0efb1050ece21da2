"""Fan-out follows membership at once: a removed member's open sockets get `chat:removed`
and then nothing more of the chat, live or on resume; the remaining members get it all."""

from __future__ import annotations

from typing import Any

from tests.chats.support import client_id, frames_about, remove, ws_outcome
from tests.harness import Ws

HEART = "❤️"


async def _index_of(ws: Ws, type_: str, chat_id: int) -> int:
    frame = await ws.expect(type_, where=lambda d: d["chatId"] == chat_id)
    return ws.frames.index(frame)


async def _stir(actor: Any, actor_ws: Ws, other_ws: Ws, chat_id: int) -> None:
    """One of everything a chat's members are told about."""
    message = await actor.send(chat_id, "after the removal")
    assert await ws_outcome(other_ws, "typing:start", {"chatId": chat_id}) == "ok"
    assert await ws_outcome(other_ws, "typing:stop", {"chatId": chat_id}) == "ok"
    data = {"messageId": message["id"], "emoji": HEART}
    assert await ws_outcome(actor_ws, "reaction:add", data) == "ok"
    pin = {"chatId": chat_id, "messageId": message["id"]}
    assert await ws_outcome(actor_ws, "message:pin", pin) == "ok"
    read = {"chatId": chat_id, "messageId": message["id"]}
    assert await ws_outcome(other_ws, "message:read", read) == "ok"
    r = await actor.http.patch(f"/api/chats/{chat_id}", json={"name": "renamed later"})
    assert r.status_code == 200, r.text
    send = {"chatId": chat_id, "content": "over WS", "clientId": client_id()}
    assert await ws_outcome(other_ws, "message:send", send) == "ok"


STIRRED = {
    "message:new",
    "typing:update",
    "reaction:updated",
    "pin:updated",
    "read:updated",
    "chat:updated",
    "chat:members",
}


async def test_a_removed_member_gets_chat_removed_and_then_nothing(users: Any) -> None:
    alice, bob, carol = await users(3)
    chat_id = (await alice.group("fan-out", bob, carol))["id"]
    a, b1, b2, c = await alice.ws(), await bob.ws(), await bob.ws(), await carol.ws()
    await remove(alice, chat_id, bob)
    marks = [await _index_of(ws, "chat:removed", chat_id) for ws in (b1, b2)]
    await _stir(alice, a, c, chat_id)
    # Whoever remains gets every kind of event; the typing of carol reaches alice.
    await c.expect("message:new", where=lambda d: d["content"] == "over WS")
    await a.expect("typing:update", where=lambda d: d["userId"] == carol.id and d["isTyping"])
    got = {f["type"] for f in frames_about(c, chat_id)} | {
        f["type"] for f in frames_about(a, chat_id)
    }
    assert got >= STIRRED, STIRRED - got
    await b1.quiet(0.5)
    for ws, mark in zip((b1, b2), marks, strict=True):
        assert [f["type"] for f in frames_about(ws, chat_id, mark + 1)] == []
        # Nor did the system message about the removal reach the removed.
        assert [f["type"] for f in frames_about(ws, chat_id)] == ["chat:removed"]


async def test_a_member_who_leaves_stops_receiving_in_every_tab(users: Any) -> None:
    alice, bob, carol = await users(3)
    chat_id = (await alice.group("leaving", bob, carol))["id"]
    a, c, b1, b2 = await alice.ws(), await carol.ws(), await bob.ws(), await bob.ws()
    r = await bob.http.delete(f"/api/chats/{chat_id}/members/{bob.id}")
    assert r.status_code == 204, r.text
    marks = [await _index_of(ws, "chat:removed", chat_id) for ws in (b1, b2)]
    left = await c.expect("message:new", where=lambda d: d["type"] == "system")
    assert left["data"]["content"].endswith("left the group")
    await _stir(alice, a, c, chat_id)
    await c.expect("message:new", where=lambda d: d["content"] == "over WS")
    await b1.quiet(0.5)
    for ws, mark in zip((b1, b2), marks, strict=True):
        assert [f["type"] for f in frames_about(ws, chat_id, mark + 1)] == []


async def test_typing_of_outsiders_is_refused_and_reaches_no_one(users: Any) -> None:
    alice, bob, removed, outsider = await users(4)
    chat_id = (await alice.group("typing", bob, removed))["id"]
    await remove(alice, chat_id, removed)
    a, b = await alice.ws(), await bob.ws()
    for who in (outsider, removed):
        ws = await who.ws()
        assert await ws_outcome(ws, "typing:start", {"chatId": chat_id}) == "not_found"
        assert await ws_outcome(ws, "typing:stop", {"chatId": chat_id}) == "not_found"
    # A member's typing, sent after, is delivered: the refused ones were not just slow.
    assert await ws_outcome(b, "typing:start", {"chatId": chat_id}) == "ok"
    await a.expect("typing:update", where=lambda d: d["userId"] == bob.id)
    await a.quiet(0.5)
    typists = [f["data"]["userId"] for f in a.of_type("typing:update")]
    assert typists == [bob.id]
    assert [f["data"]["userId"] for f in b.of_type("typing:update")] == []


async def test_removal_ends_the_removed_members_typing_at_once(users: Any) -> None:
    alice, bob, carol = await users(3)
    chat_id = (await alice.group("typing then removed", bob, carol))["id"]
    b, c = await bob.ws(), await carol.ws()
    assert await ws_outcome(b, "typing:start", {"chatId": chat_id}) == "ok"
    await c.expect("typing:update", where=lambda d: d["userId"] == bob.id and d["isTyping"])
    await remove(alice, chat_id, bob)
    # Well before the 6 s expiry.
    stopped = await c.expect(
        "typing:update", where=lambda d: d["userId"] == bob.id and not d["isTyping"], timeout=2
    )
    assert stopped["data"]["chatId"] == chat_id


async def test_a_new_member_receives_from_the_moment_they_are_added(users: Any) -> None:
    alice, bob, dave = await users(3)
    chat_id = (await alice.group("joining", bob))["id"]
    d = await dave.ws()
    await alice.send(chat_id, "before dave")
    r = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [dave.id]})
    assert r.status_code == 200, r.text
    new = await d.expect("chat:new", where=lambda data: data["id"] == chat_id)
    assert (new["data"]["memberCount"], new["data"]["role"]) == (3, "member")
    await alice.send(chat_id, "after dave")
    await d.expect("message:new", where=lambda data: data["content"] == "after dave")
    contents = [f["data"]["content"] for f in d.of_type("message:new")]
    assert "before dave" not in contents


async def test_resuming_after_removal_replays_none_of_the_chat(users: Any) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.group("resume", bob))["id"]
    b = await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    await b.close()
    await alice.send(chat_id, "bob still in, but offline")
    await remove(alice, chat_id, bob)
    await alice.send(chat_id, "bob gone")
    resumed = await bob.ws(since=since)
    await resumed.expect("chat:removed", where=lambda d: d["chatId"] == chat_id)
    await resumed.quiet(0.5)
    # The removal is told; the chat's messages are no longer his to receive.
    assert [f["type"] for f in frames_about(resumed, chat_id)] == ["chat:removed"]
