"""Presence and typing: ephemeral, shared with the people who share a chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import ServerProcess, register


async def test_status_goes_to_contacts_on_first_connect_and_last_disconnect(users: Any) -> None:
    alice, bob, stranger = await users(3)
    await alice.private_chat(bob)
    b = await bob.ws()
    s = await stranger.ws()
    tab1 = await alice.ws()
    online = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert online["data"]["status"] == "online" and "seq" not in online
    tab2 = await alice.ws()
    await tab2.close()
    await tab1.quiet(0.3)
    # A second tab coming and going is not news.
    assert len([f for f in b.of_type("user:status") if f["data"]["userId"] == alice.id]) == 1
    await tab1.close()
    offline = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert offline["data"]["status"] == "offline" and offline["data"]["lastSeen"]
    assert [f for f in s.of_type("user:status") if f["data"]["userId"] == alice.id] == []
    r = await bob.http.get(f"/api/users/{alice.id}")
    assert r.json()["status"] == "offline" and r.json()["lastSeen"] is not None


async def test_away_is_announced(users: Any) -> None:
    alice, bob = await users(2)
    await alice.private_chat(bob)
    b = await bob.ws()
    a = await alice.ws()
    await b.expect("user:status", lambda d: d["userId"] == alice.id and d["status"] == "online")
    ack = await a.command("presence:set", {"status": "away"})
    assert ack["status"] == "away"
    await b.expect("user:status", lambda d: d["userId"] == alice.id and d["status"] == "away")
    bad = await a.request("presence:set", {"status": "offline"})
    assert bad["type"] == "error" and bad["error"]["code"] == "invalid"


async def test_typing_reaches_the_others_and_stops(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("typing", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    await a.command("typing:start", {"chatId": group["id"]})
    for ws in (b, c):
        frame = await ws.expect("typing:update")
        assert frame["data"] == {"chatId": group["id"], "userId": alice.id, "isTyping": True}
        assert "seq" not in frame
    await a.command("typing:start", {"chatId": group["id"]})  # a repeat only extends it
    await a.command("typing:stop", {"chatId": group["id"]})
    stop = await b.expect("typing:update")
    assert stop["data"]["isTyping"] is False
    await b.quiet(0.3)
    assert len(b.of_type("typing:update")) == 2
    assert a.of_type("typing:update") == []  # not echoed to the typist


async def test_typing_expires_by_itself_and_is_never_replayed(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_TYPING_TTL_SECONDS": "0.5"})
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    a = await alice.ws()
    await a.command("typing:start", {"chatId": chat["id"]})
    assert (await b.expect("typing:update"))["data"]["isTyping"] is True
    expired = await b.expect("typing:update", timeout=3)
    assert expired["data"]["isTyping"] is False
    await b.close()
    await a.command("typing:start", {"chatId": chat["id"]})
    b2 = await bob.ws(since=since)
    await b2.quiet(0.3)
    assert b2.of_type("typing:update") == []
    await alice.aclose()
    await bob.aclose()


def _statuses(ws: Any, user_id: int) -> list[str]:
    return [
        f["data"]["status"] for f in ws.of_type("user:status") if f["data"]["userId"] == user_id
    ]


async def test_a_hidden_or_closing_tab_does_not_speak_for_an_active_one(users: Any) -> None:
    """Bob's second tab goes away (hidden) and closes: his first tab is still active, so he
    stays online for everyone, and nothing is announced."""
    alice, bob = await users(2)
    await alice.private_chat(bob)
    a = await alice.ws()
    tab1 = await bob.ws()
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "online")
    tab2 = await bob.ws()
    ack = await tab2.command("presence:set", {"status": "away"})
    assert ack["status"] == "online"  # the user's status, the best of both tabs
    await tab2.close()
    await a.quiet(0.3)
    assert _statuses(a, bob.id) == ["online"]
    r = await alice.http.get(f"/api/users/{bob.id}")
    assert r.json()["status"] == "online"
    await tab1.command("presence:set", {"status": "online"})  # a visible tab says so again
    await a.quiet(0.2)
    assert _statuses(a, bob.id) == ["online"]


async def test_status_is_the_best_of_all_connections(users: Any) -> None:
    alice, bob = await users(2)
    await alice.private_chat(bob)
    a = await alice.ws()
    tab1, tab2 = await bob.ws(), await bob.ws()
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "online")
    await tab1.command("presence:set", {"status": "away"})
    await a.quiet(0.2)
    assert _statuses(a, bob.id) == ["online"]  # tab2 is still visible
    await tab2.command("presence:set", {"status": "away"})
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "away")
    await tab2.command("presence:set", {"status": "online"})
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "online")
    await tab2.close()  # the active tab closes: the hidden one is left
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "away")
    tab3 = await bob.ws()  # a new tab is active at once
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "online")
    await tab3.close()
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "away")
    await tab1.close()
    await a.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "offline")
    await a.quiet(0.2)
    assert _statuses(a, bob.id) == ["online", "away", "online", "away", "online", "away", "offline"]


async def test_a_quick_reconnect_within_the_grace_changes_nothing(make_server: Any) -> None:
    """A reload or a dropped network: back within the grace, the contacts see no
    offline/online pair; gone for longer, offline with "last seen" when the socket closed."""
    server: ServerProcess = make_server(env={"SHOMIK_PRESENCE_OFFLINE_GRACE_SECONDS": "1.5"})
    alice, bob = await register(server), await register(server)
    try:
        await alice.private_chat(bob)
        b = await bob.ws()
        tab = await alice.ws()
        await b.expect("user:status", lambda d: d["userId"] == alice.id)
        await tab.close()
        await b.quiet(0.5)
        tab = await alice.ws()
        await b.quiet(1.5)  # past the first close's grace: it was called off
        assert _statuses(b, alice.id) == ["online"]
        before_close = (await bob.http.get(f"/api/users/{alice.id}")).json()
        assert before_close["status"] == "online"
        await tab.close()
        await b.quiet(0.5)
        assert _statuses(b, alice.id) == ["online"]  # still within the grace
        offline = await b.expect("user:status", lambda d: d["status"] == "offline", timeout=5)
        # Last seen is the close, not the end of the grace (1.5 s later).
        r = await bob.http.get(f"/api/users/{alice.id}")
        assert r.json()["status"] == "offline"
        assert offline["data"]["lastSeen"] == r.json()["lastSeen"]
        closed_at = datetime.fromisoformat(offline["data"]["lastSeen"].replace("Z", "+00:00"))
        assert datetime.now(UTC) - closed_at >= timedelta(seconds=1.4)
    finally:
        await alice.aclose()
        await bob.aclose()
