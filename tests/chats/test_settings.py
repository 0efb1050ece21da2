"""A member's own chat settings: mute, archive, pin (at most 5, ordered), marked unread,
synced to their devices and nobody else's."""

from __future__ import annotations

from typing import Any

from tests.chats.support import assert_error, fetch_list


def _settings(chats: list[dict[str, Any]], chat_id: int) -> dict[str, Any]:
    return dict({c["id"]: c for c in chats}[chat_id]["settings"])


async def test_settings_sync_to_my_devices_only(users: Any) -> None:
    alice, bob = await users(2)
    group = await alice.group("settings", bob)
    a1, a2, b = await alice.ws(), await alice.ws(), await bob.ws()
    url = f"/api/chats/{group['id']}/settings"
    r = await alice.http.patch(url, json={"mutedUntil": "9999-01-01T00:00:00Z", "pinned": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mutedUntil"].startswith("9999-01-01") and body["pinned"] is True
    assert body["archived"] is False and body["pinnedAt"] is not None
    event = await a2.expect("chat:settings")
    assert event["data"] == {"chatId": group["id"], "settings": body} and event["seq"] > 0
    await a1.expect("chat:settings")
    await b.quiet(0.3)
    assert b.of_type("chat:settings") == []
    assert _settings(await fetch_list(alice), group["id"]) == body
    assert _settings(await fetch_list(bob), group["id"])["pinned"] is False
    # A subset changes only itself; unmute with null.
    r = await alice.http.patch(url, json={"mutedUntil": None})
    assert r.json()["mutedUntil"] is None and r.json()["pinned"] is True


async def test_a_new_message_brings_an_unmuted_chat_back_from_the_archive(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("archive", bob, carol)
    url = f"/api/chats/{group['id']}/settings"
    await bob.http.patch(url, json={"archived": True})
    await carol.http.patch(url, json={"archived": True, "mutedUntil": "9999-01-01T00:00:00Z"})
    b = await bob.ws()
    await alice.send(group["id"], "news")
    back = await b.expect("chat:settings")
    assert back["data"]["settings"]["archived"] is False
    assert _settings(await fetch_list(bob), group["id"])["archived"] is False
    assert _settings(await fetch_list(carol), group["id"])["archived"] is True  # muted: stays
    # One's own message does not unarchive.
    await bob.http.patch(url, json={"archived": True})
    await bob.send(group["id"], "from the archive")
    assert _settings(await fetch_list(bob), group["id"])["archived"] is True


async def test_at_most_five_pins_in_an_order_of_ones_own(users: Any) -> None:
    alice, *others = await users(7)
    chats = [(await alice.group(f"g{i}", other))["id"] for i, other in enumerate(others)]
    for chat_id in chats[:5]:
        r = await alice.http.patch(f"/api/chats/{chat_id}/settings", json={"pinned": True})
        assert r.status_code == 200
    r = await alice.http.patch(f"/api/chats/{chats[5]}/settings", json={"pinned": True})
    assert_error(r, 422, "too_many_pins")
    order = [chats[4], chats[0], chats[3], chats[1], chats[2]]
    r = await alice.http.put("/api/chats/pinned", json={"chatIds": order})
    assert r.status_code == 204, r.text
    listed = await fetch_list(alice)
    pinned = sorted(
        (c for c in listed if c["settings"]["pinned"]), key=lambda c: c["settings"]["pinnedAt"]
    )
    assert [c["id"] for c in pinned] == order
    for bad in ([chats[0]], [*order[:4], chats[5]], [*order[:4], order[0]]):
        assert_error(
            await alice.http.put("/api/chats/pinned", json={"chatIds": bad}), 422, "invalid"
        )


async def test_marked_unread_clears_on_reading(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    message = await alice.send(chat["id"], "hi")
    url = f"/api/chats/{chat['id']}/settings"
    r = await bob.http.patch(url, json={"markedUnread": True})
    assert r.json()["markedUnread"] is True
    b = await bob.ws()
    await b.command("message:read", {"chatId": chat["id"], "messageId": message["id"]})
    cleared = await b.expect("chat:settings")
    assert cleared["data"]["settings"]["markedUnread"] is False
    await b.command("message:read", {"chatId": chat["id"], "messageId": message["id"]})
    await b.quiet(0.3)
    assert len(b.of_type("chat:settings")) == 1


async def test_bad_settings_are_refused(users: Any) -> None:
    alice, bob, outsider = await users(3)
    chat = await alice.private_chat(bob)
    url = f"/api/chats/{chat['id']}/settings"
    for body in ({"archived": "sure"}, {"mutedUntil": "tomorrow"}, {"pinned": 1.5}):
        assert_error(await alice.http.patch(url, json=body), 422, "invalid")
    assert_error(await outsider.http.patch(url, json={"archived": True}), 404, "not_found")
    assert _settings(await fetch_list(alice), chat["id"])["archived"] is False
