"""The chat list and the member list a page at a time: pages cover everything once, in list
order (pinned first, then by last activity; members: owner, admins, members), with totals
over the whole list and limits that hold."""

from __future__ import annotations

from typing import Any

from tests.chats.support import assert_error, fetch_list, set_role, ws_outcome
from tests.harness import User


async def _pages(user: User, url: str, cursor_param: str, **params: Any) -> list[dict[str, Any]]:
    """Every page's JSON, following `nextCursor`."""
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({cursor_param: cursor} if cursor else {})}
        r = await user.http.get(url, params=query)
        assert r.status_code == 200, r.text
        pages.append(r.json())
        cursor = r.json()["nextCursor"]
        if cursor is None:
            return pages


async def _settings(user: User, chat_id: int, **values: Any) -> None:
    r = await user.http.patch(f"/api/chats/{chat_id}/settings", json=values)
    assert r.status_code == 200, r.text


async def test_pages_cover_every_chat_once_in_list_order(users: Any) -> None:
    alice, bob, carol = await users(3)
    groups = [(await alice.group(f"g{i}", bob))["id"] for i in range(5)]
    private = (await alice.private_chat(carol))["id"]
    await carol.send(private, "hi")
    await bob.send(groups[1], "news")  # the newest activity
    # Pinned first, in the order pinned; then by activity, newest first.
    await _settings(alice, groups[3], pinned=True)
    await _settings(alice, groups[0], pinned=True)
    await _settings(alice, groups[4], archived=True)
    expected = [groups[3], groups[0], groups[1], private, groups[4], groups[2]]

    pages = await _pages(alice, "/api/chats", "cursor", limit=4)
    assert [len(p["chats"]) for p in pages] == [4, 2]
    assert [c["id"] for p in pages for c in p["chats"]] == expected
    assert [c["id"] for c in (await fetch_list(alice))] == expected
    for size in (1, 2, 3, 6, 100):
        pages = await _pages(alice, "/api/chats", "cursor", limit=size)
        assert [c["id"] for p in pages for c in p["chats"]] == expected, size
        assert all(len(p["chats"]) <= size for p in pages)
    # The totals are over the whole list, on every page.
    unread = {c["id"]: c["unreadCount"] for p in pages for c in p["chats"]}
    assert unread[private] == unread[groups[1]] == 1 and sum(unread.values()) == 2
    for page in await _pages(alice, "/api/chats", "cursor", limit=2):
        assert (page["unreadTotal"], page["archivedCount"]) == (2, 1)
    # A chat in the list is as it is alone.
    (first,) = (await alice.http.get("/api/chats", params={"limit": 1})).json()["chats"]
    assert first == (await alice.http.get(f"/api/chats/{groups[3]}")).json()


async def test_a_private_chat_row_names_the_other_person(users: Any) -> None:
    alice, bob = await users(2)
    chat_id = (await alice.private_chat(bob))["id"]
    await bob.send(chat_id, "hello")
    (mine,) = await fetch_list(alice)
    (theirs,) = await fetch_list(bob)
    assert (mine["peer"]["id"], theirs["peer"]["id"]) == (bob.id, alice.id)
    assert mine["peer"]["displayName"] == bob.me["displayName"]
    assert (mine["memberCount"], mine["role"]) == (2, "member")
    assert (mine["lastReadSeq"], mine["othersReadSeq"], mine["unreadCount"]) == (0, 1, 1)
    a = await alice.ws()
    read = {"chatId": chat_id, "messageId": theirs["lastMessage"]["id"]}
    assert await ws_outcome(a, "message:read", read) == "ok"
    (after,) = await fetch_list(bob)
    assert (after["othersReadSeq"], after["lastReadSeq"]) == (1, 1)


async def test_the_default_page_is_50_and_no_page_exceeds_100(users: Any) -> None:
    (alice,) = await users(1)
    for i in range(51):
        await alice.group(f"solo {i}")
    page = (await alice.http.get("/api/chats")).json()
    assert len(page["chats"]) == 50 and page["nextCursor"] is not None
    rest = (await alice.http.get("/api/chats", params={"cursor": page["nextCursor"]})).json()
    assert len(rest["chats"]) == 1 and rest["nextCursor"] is None
    whole = (await alice.http.get("/api/chats", params={"limit": 100})).json()
    assert len(whole["chats"]) == 51 and whole["nextCursor"] is None
    assert_error(await alice.http.get("/api/chats", params={"limit": 101}), 422, "invalid")
    assert_error(await alice.http.get("/api/chats", params={"cursor": "x"}), 422, "invalid")


async def test_member_pages_owner_then_admins_then_members(users: Any) -> None:
    owner, *others = await users(6)
    chat_id = (await owner.group("Team", *others))["id"]
    admin = max(others, key=lambda u: u.id)
    await set_role(owner, chat_id, admin, "admin")
    url = f"/api/chats/{chat_id}/members"
    rest = sorted(u.id for u in others if u is not admin)
    expected = [owner.id, admin.id, *rest]
    for size in (1, 2, 4, 100):
        pages = await _pages(others[0], url, "after", limit=size)
        ids = [m["user"]["id"] for p in pages for m in p["members"]]
        assert ids == expected, size
        assert all(len(p["members"]) <= size for p in pages)
    roles = [m["role"] for p in pages for m in p["members"]]
    assert roles == ["owner", "admin"] + ["member"] * 4
    # `q` keeps the names that hold it (the mention picker), username or display name.
    found = (await owner.http.get(url, params={"q": admin.username.upper()})).json()
    assert [m["user"]["id"] for m in found["members"]] == [admin.id]
    assert found["nextCursor"] is None
    none = (await owner.http.get(url, params={"q": "%"})).json()
    assert none == {"members": [], "nextCursor": None}
    assert_error(await owner.http.get(url, params={"after": "x"}), 422, "invalid")


async def test_users_by_id_for_names_not_loaded(users: Any) -> None:
    alice, bob, stranger = await users(3)
    await alice.group("Names", bob)
    r = await alice.http.get("/api/users/by-id", params={"ids": [bob.id, stranger.id, 9_000_123]})
    assert r.status_code == 200, r.text
    found = r.json()["users"]
    assert [u["id"] for u in found] == sorted([bob.id, stranger.id])
    assert found[0]["username"] in (bob.username, stranger.username)
    r = await alice.http.get("/api/users/by-id", params={"ids": list(range(1, 102))})
    assert_error(r, 422, "invalid")
    assert_error(await alice.http.get("/api/users/by-id", params={"ids": [0]}), 422, "invalid")
    assert_error(await alice.http.get("/api/users/by-id"), 422, "invalid")
