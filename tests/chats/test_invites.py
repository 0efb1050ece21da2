"""Group invitations: someone who lets no one add them to groups is invited instead, and
joins only by accepting; an invitation goes when its inviter leaves."""

from __future__ import annotations

from typing import Any

from tests.chats.support import fetch_members
from tests.harness import User
from tests.privacy.support import set_privacy


async def _create(owner: User, *others: User) -> dict[str, Any]:
    body = {"type": "group", "name": "Team", "participantIds": [o.id for o in others]}
    r = await owner.http.post("/api/chats", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _member_ids(viewer: User, chat: dict[str, Any]) -> set[int]:
    return {m["user"]["id"] for m in await fetch_members(viewer, chat["id"])}


async def test_someone_who_lets_no_one_add_them_is_invited_and_joins_by_accepting(
    people: Any,
) -> None:
    owner, shy, open_ = await people(3)
    await set_privacy(shy, groupAdds="nobody")
    s1, s2 = await shy.ws(), await shy.ws()
    group = await _create(owner, shy, open_)
    assert group["invitedUserIds"] == [shy.id]
    assert await _member_ids(owner, group) == {owner.id, open_.id}
    assert group["memberCount"] == 2
    invited = await s1.expect("chat:invited")
    assert invited["data"]["chatId"] == group["id"]
    assert invited["data"]["chatName"] == "Team"
    assert (
        invited["data"]["inviter"]["id"] == owner.id and "status" not in invited["data"]["inviter"]
    )
    assert s1.of_type("chat:new") == []
    listed = (await shy.http.get("/api/invites")).json()["invites"]
    assert [i["chatId"] for i in listed] == [group["id"]]
    assert (await shy.http.get(f"/api/chats/{group['id']}")).status_code == 404

    o = await owner.ws()
    r = await shy.http.post(f"/api/invites/{group['id']}/accept")
    assert r.status_code == 200, r.text
    assert await _member_ids(shy, r.json()) == {owner.id, open_.id, shy.id}
    assert (r.json()["memberCount"], r.json()["role"]) == (3, "member")
    await s2.expect("chat:new", lambda d: d["id"] == group["id"])
    await s2.expect("chat:invite_removed", lambda d: d == {"chatId": group["id"]})
    joined = await o.expect("chat:members")
    assert [m["user"]["id"] for m in joined["data"]["members"]] == [shy.id]
    assert (joined["data"]["memberCount"], joined["data"]["removedUserIds"]) == (3, [])
    note = await o.expect("message:new", lambda d: d["type"] == "system")
    assert note["data"]["meta"] == {"actorId": shy.id, "event": "member_joined"}
    assert (await shy.http.get("/api/invites")).json() == {"invites": []}
    again = await shy.http.post(f"/api/invites/{group['id']}/accept")
    assert again.status_code == 404


async def test_decline_and_an_admins_add(people: Any) -> None:
    owner, shy = await people(2)
    await set_privacy(shy, groupAdds="nobody")
    group = await _create(owner)
    r = await owner.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [shy.id]})
    assert r.status_code == 200, r.text
    assert r.json()["invitedUserIds"] == [shy.id] and r.json()["memberCount"] == 1
    # Asking twice leaves one invitation.
    r = await owner.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [shy.id]})
    assert r.json()["invitedUserIds"] == [shy.id]
    s = await shy.ws()
    assert len((await shy.http.get("/api/invites")).json()["invites"]) == 1
    r = await shy.http.post(f"/api/invites/{group['id']}/decline")
    assert r.status_code == 204
    await s.expect("chat:invite_removed", lambda d: d == {"chatId": group["id"]})
    assert (await shy.http.post(f"/api/invites/{group['id']}/decline")).status_code == 404
    assert (await shy.http.post(f"/api/invites/{group['id']}/accept")).status_code == 404
    assert await _member_ids(owner, group) == {owner.id}


async def test_an_invitation_goes_when_its_inviter_leaves(people: Any) -> None:
    owner, admin, shy = await people(3)
    await set_privacy(shy, groupAdds="nobody")
    group = await _create(owner, admin)
    r = await owner.http.patch(
        f"/api/chats/{group['id']}/members/{admin.id}", json={"role": "admin"}
    )
    assert r.status_code == 200
    r = await admin.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [shy.id]})
    assert r.json()["invitedUserIds"] == [shy.id]
    s = await shy.ws()
    r = await admin.http.delete(f"/api/chats/{group['id']}/members/{admin.id}")
    assert r.status_code == 204
    await s.expect("chat:invite_removed", lambda d: d == {"chatId": group["id"]})
    assert (await shy.http.get("/api/invites")).json() == {"invites": []}
    refused = await shy.http.post(f"/api/invites/{group['id']}/accept")
    assert refused.status_code == 404
    assert "no invitation" in refused.json()["error"]["message"]
    assert shy.id not in await _member_ids(owner, group)


async def test_adding_directly_once_allowed_again_replaces_the_invitation(people: Any) -> None:
    owner, shy = await people(2)
    await set_privacy(shy, groupAdds="nobody")
    group = await _create(owner, shy)
    assert group["invitedUserIds"] == [shy.id]
    await set_privacy(shy, groupAdds="everybody")
    s = await shy.ws()
    r = await owner.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [shy.id]})
    assert r.json()["invitedUserIds"] == [] and shy.id in await _member_ids(owner, group)
    await s.expect("chat:invite_removed", lambda d: d == {"chatId": group["id"]})
    await s.expect("chat:new", lambda d: d["id"] == group["id"])


async def test_bad_invite_requests(people: Any) -> None:
    (shy,) = await people(1)
    for path in ("/api/invites/0/accept", "/api/invites/x/decline", f"/api/invites/{2**63}/accept"):
        r = await shy.http.post(path)
        assert r.status_code == 422, (path, r.text)
    r = await shy.http.post("/api/invites/999999999/accept")
    assert r.status_code == 404 and r.json()["error"]["message"]
    r = await shy.http.get("/api/invites", headers={"Authorization": ""})
    assert r.status_code == 401
