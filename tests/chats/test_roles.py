"""Roles in a group: promotion and demotion, who may remove whom, and the owner's leaving
handing the group on so that it always has exactly one owner."""

from __future__ import annotations

from typing import Any

from tests.chats.support import (
    assert_error,
    fetch_chat,
    fetch_history,
    remove,
    roles_in,
    set_role,
    snapshot,
)


async def test_role_changes_write_system_messages_and_update_members(users: Any) -> None:
    alice, bob, carol = await users(3)
    chat_id = (await alice.group("Roles", bob, carol))["id"]
    c = await carol.ws()
    await set_role(alice, chat_id, bob, "admin")
    changed = await c.expect("chat:members", where=lambda d: d["chatId"] == chat_id)
    assert [(m["user"]["id"], m["role"]) for m in changed["data"]["members"]] == [(bob.id, "admin")]
    assert (
        changed["data"]["memberCount"] == 3 and (await roles_in(carol, chat_id))[bob.id] == "admin"
    )
    promoted = await c.expect("message:new", where=lambda d: d["type"] == "system")
    assert promoted["data"]["content"] == (
        f"{alice.me['displayName']} made {bob.me['displayName']} an admin"
    )
    assert promoted["data"]["meta"] == {
        "event": "role_changed",
        "actorId": alice.id,
        "userIds": [bob.id],
        "role": "admin",
    }
    # The promoted admin can now do what admins do.
    r = await bob.http.patch(f"/api/chats/{chat_id}", json={"name": "Renamed by bob"})
    assert r.status_code == 200, r.text
    await set_role(alice, chat_id, bob, "member")
    texts = [m["content"] for m in await fetch_history(carol, chat_id)]
    assert texts[-1] == f"{alice.me['displayName']} made {bob.me['displayName']} a member"
    # Setting the role someone already has changes nothing.
    before = await snapshot(carol, chat_id)
    await set_role(alice, chat_id, bob, "member")
    assert await snapshot(carol, chat_id) == before
    r = await bob.http.patch(f"/api/chats/{chat_id}", json={"name": "Not any more"})
    assert_error(r, 403, "forbidden")


async def test_admins_cannot_touch_the_owner_or_other_admins(users: Any) -> None:
    owner, admin, other_admin, member = await users(4)
    chat_id = (await owner.group("Hierarchy", admin, other_admin, member))["id"]
    await set_role(owner, chat_id, admin, "admin")
    await set_role(owner, chat_id, other_admin, "admin")
    before = await snapshot(member, chat_id)
    url = f"/api/chats/{chat_id}/members"
    refused = [
        await admin.http.delete(f"{url}/{owner.id}"),
        await admin.http.delete(f"{url}/{other_admin.id}"),
        await admin.http.patch(f"{url}/{owner.id}", json={"role": "member"}),
        # Else demoting and then removing would get round the rule above.
        await admin.http.patch(f"{url}/{other_admin.id}", json={"role": "member"}),
        # No one changes the owner's role, the owner included.
        await owner.http.patch(f"{url}/{owner.id}", json={"role": "admin"}),
        await member.http.patch(f"{url}/{member.id}", json={"role": "admin"}),
    ]
    statuses = [r.status_code for r in refused]
    assert statuses == [403] * len(refused), [r.text for r in refused]
    assert await snapshot(member, chat_id) == before
    # What admins may do: promote a member, remove a member, step down themselves.
    await set_role(admin, chat_id, member, "admin")
    await set_role(admin, chat_id, admin, "member")
    await set_role(owner, chat_id, member, "member")
    # The owner may demote and remove admins.
    await set_role(owner, chat_id, other_admin, "member")
    await set_role(owner, chat_id, other_admin, "admin")
    await remove(owner, chat_id, other_admin)
    await remove(owner, chat_id, admin)
    assert await roles_in(owner, chat_id) == {owner.id: "owner", member.id: "member"}
    assert (await fetch_chat(owner, chat_id))["memberCount"] == 2


async def test_owner_leaving_hands_over_to_the_longest_standing_admin_else_member(
    users: Any,
) -> None:
    alice, bob, carol, dave = await users(4)
    # carol and dave join at creation, bob later: bob has the smaller id but not the
    # longer standing.
    chat_id = (await alice.group("Succession", carol, dave))["id"]
    r = await alice.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [bob.id]})
    assert r.status_code == 200, r.text
    await set_role(alice, chat_id, bob, "admin")
    await set_role(alice, chat_id, dave, "admin")
    c = await carol.ws()

    async def leave(who: Any) -> dict[int, str]:
        r = await who.http.delete(f"/api/chats/{chat_id}/members/{who.id}")
        assert r.status_code == 204, r.text
        told = await c.expect("chat:members", where=lambda d: d["removedUserIds"] == [who.id])
        roles = await roles_in(carol, chat_id)
        assert list(roles.values()).count("owner") == 1, roles
        # The others learn who left and who holds the group now.
        heir = [(m["user"]["id"], m["role"]) for m in told["data"]["members"]]
        assert heir == [(u, role) for u, role in roles.items() if role == "owner"]
        return roles

    # The admin of longest standing (dave, at creation) before the one added later (bob).
    assert await leave(alice) == {carol.id: "member", dave.id: "owner", bob.id: "admin"}
    # An admin (bob) before a member who has been there longer (carol).
    assert await leave(dave) == {carol.id: "member", bob.id: "owner"}
    # No admin left: the longest-standing member.
    r = await bob.http.delete(f"/api/chats/{chat_id}/members/{bob.id}")
    assert r.status_code == 204, r.text
    assert await roles_in(carol, chat_id) == {carol.id: "owner"}
    # The new owner holds the owner's powers.
    r = await carol.http.post(f"/api/chats/{chat_id}/members", json={"userIds": [alice.id]})
    assert r.status_code == 200, r.text
    assert await roles_in(carol, chat_id) == {carol.id: "owner", alice.id: "member"}
