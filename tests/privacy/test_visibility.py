"""Who sees someone's status and last seen: themselves; everybody, people who share a chat
(the default) or nobody, as they choose; never someone they blocked. Over REST (profile,
people search, chat members, search results) and in `user:status` events."""

from __future__ import annotations

from typing import Any

from tests.privacy.support import block, member, members_seen_by, set_privacy, status_of


async def test_a_stranger_no_longer_reads_anyones_status(people: Any) -> None:
    # The finding: any signed-in stranger read anyone's live status (ids are sequential).
    alice, bob, stranger = await people(3)
    await alice.private_chat(bob)
    await alice.ws()  # online
    r = await stranger.http.get(f"/api/users/{alice.id}")
    assert r.status_code == 200
    assert status_of(r.json()) == (None, None)
    found = (await stranger.http.get("/api/users", params={"q": alice.username})).json()
    assert [status_of(u) for u in found["users"]] == [(None, None)]
    # Someone who shares a chat with her still does, by default.
    assert (await bob.http.get(f"/api/users/{alice.id}")).json()["status"] == "online"
    me = (await alice.http.get("/api/users/me")).json()
    assert me["privacy"] == {"lastSeen": "chats", "groupAdds": "everybody"}
    assert me["status"] is not None


async def test_everybody_and_nobody(people: Any) -> None:
    alice, bob, stranger = await people(3)
    chat = await alice.private_chat(bob)
    await alice.send(chat["id"], "hi")
    await alice.ws()
    assert await set_privacy(alice, lastSeen="everybody") == {
        "lastSeen": "everybody",
        "groupAdds": "everybody",
    }
    assert (await stranger.http.get(f"/api/users/{alice.id}")).json()["status"] == "online"

    await set_privacy(alice, lastSeen="nobody")
    for viewer in (stranger, bob):
        assert status_of((await viewer.http.get(f"/api/users/{alice.id}")).json()) == (None, None)
    (listed,) = (await bob.http.get("/api/chats")).json()["chats"]
    assert status_of(listed["peer"]) == (None, None)
    members = await members_seen_by(bob, chat["id"])
    assert status_of(member(members, alice)) == (None, None)
    assert member(members, bob)["status"] == "offline"
    found = (await bob.http.get("/api/search", params={"q": alice.username})).json()
    assert [status_of(u) for u in found["users"]] == [(None, None)]
    assert [status_of(c["peer"]) for c in found["chats"]] == [(None, None)]
    # She still sees her own.
    assert member(await members_seen_by(alice, chat["id"]), alice)["status"] == "online"
    assert (await alice.http.get(f"/api/users/{alice.id}")).json()["status"] == "online"


async def test_status_events_follow_the_setting_at_once(people: Any) -> None:
    alice, bob = await people(2)
    await alice.private_chat(bob)
    b = await bob.ws()
    a = await alice.ws()
    await b.expect("user:status", lambda d: d["userId"] == alice.id and d["status"] == "online")

    await set_privacy(alice, lastSeen="nobody")
    hidden = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert hidden["data"] == {"userId": alice.id, "status": None, "lastSeen": None}
    synced = await a.expect("privacy:updated")
    assert synced["data"] == {"lastSeen": "nobody", "groupAdds": "everybody"}
    assert "seq" in synced

    # Her changes now reach her own sockets only.
    await a.command("presence:set", {"status": "away"})
    await a.expect("user:status", lambda d: d["userId"] == alice.id and d["status"] == "away")
    await set_privacy(alice, lastSeen="chats")
    shown = await b.expect("user:status", lambda d: d["userId"] == alice.id)
    assert shown["data"]["status"] == "away" and shown["data"]["lastSeen"] is not None
    # In between, Bob heard of no "away" with a value: the only frames are null, then away.
    frames = [
        f["data"]["status"] for f in b.of_type("user:status") if f["data"]["userId"] == alice.id
    ]
    assert frames == ["online", None, "away"]


async def test_a_blocked_person_never_sees_the_status(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    await alice.send(chat["id"], "hi")
    await set_privacy(alice, lastSeen="everybody")
    b = await bob.ws()
    await block(alice, bob)
    a = await alice.ws()
    await a.command("presence:set", {"status": "away"})
    await a.expect("user:status", lambda d: d["status"] == "away")
    assert status_of((await bob.http.get(f"/api/users/{alice.id}")).json()) == (None, None)
    (listed,) = (await bob.http.get("/api/chats")).json()["chats"]
    assert status_of(listed["peer"]) == (None, None)
    assert status_of(member(await members_seen_by(bob, chat["id"]), alice)) == (None, None)
    statuses = [f["data"] for f in b.of_type("user:status") if f["data"]["userId"] == alice.id]
    assert all(s["status"] is None for s in statuses)
    # Blocking is one way: Alice still sees Bob's.
    assert (await alice.http.get(f"/api/users/{bob.id}")).json()["status"] == "online"


async def test_a_payload_for_the_whole_group_hides_what_one_member_may_not_see(
    people: Any,
) -> None:
    alice, bob, carol = await people(3)
    await set_privacy(alice, lastSeen="nobody")
    await alice.ws()
    group = await carol.group("g", alice, bob)
    c = await carol.ws()
    url = f"/api/chats/{group['id']}/members"
    for who in (alice, bob):
        r = await carol.http.patch(f"{url}/{who.id}", json={"role": "admin"})
        assert r.status_code == 200
    # The members a `chat:members` names, as every member may see them.
    first, second = await c.expect("chat:members"), await c.expect("chat:members")
    assert status_of(member(first["data"]["members"], alice)) == (None, None)
    assert member(second["data"]["members"], bob)["status"] == "offline"
    # `user:updated` carries no presence at all.
    await alice.http.patch("/api/users/me", json={"displayName": "Alice Two"})
    profile = await c.expect("user:updated")
    assert set(profile["data"]) == {"id", "username", "displayName", "avatarUrl", "deactivated"}


async def test_bad_privacy_input_is_refused_and_changes_nothing(people: Any) -> None:
    (alice,) = await people(1)
    bodies: list[Any] = [
        {"lastSeen": "friends"},
        {"groupAdds": "chats"},
        {"lastSeen": 1},
        {"other": "x"},
        {"lastSeen": "nobody", "groupAdds": "some"},
        [],
    ]
    for body in bodies:
        r = await alice.http.patch("/api/users/me/privacy", json=body)
        assert r.status_code == 422, (body, r.text)
        assert "error" in r.json()
    me = (await alice.http.get("/api/users/me")).json()
    assert me["privacy"] == {"lastSeen": "chats", "groupAdds": "everybody"}
    unauthenticated = await alice.http.patch(
        "/api/users/me/privacy", json={"lastSeen": "nobody"}, headers={"Authorization": ""}
    )
    assert unauthenticated.status_code == 401
    ready = (await alice.ws()).of_type("ready")[0]["data"]["user"]
    assert ready["privacy"] == {"lastSeen": "chats", "groupAdds": "everybody"}
