"""Deleting: for everyone (gone live, after reload and resume; replies say so; unpinned;
files stop being served and leave the disk unless a forwarded copy keeps them) and for me."""

from __future__ import annotations

from typing import Any

from tests.chats.support import client_id, fetch_list
from tests.messages.everyday import chat_of, history, send
from tests.uploads.files import image


async def _upload(user: Any) -> dict[str, Any]:
    r = await user.http.post("/api/upload", files={"file": ("p.png", image("PNG"), "image/png")})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_deleted_for_everyone_is_gone_everywhere(people: Any) -> None:
    alice, bob = await people(2)
    group = await alice.group("deletions", bob)
    a, b = await alice.ws(), await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    keep = await send(a, group["id"], "keep me")
    gone = await send(a, group["id"], f"oops @{bob.username}")
    reply = await send(b, group["id"], "what?", replyTo=gone["id"])
    await a.command("message:pin", {"chatId": group["id"], "messageId": gone["id"]})
    ack = await a.command("message:delete", {"messageIds": [gone["id"]], "forEveryone": True})
    assert ack == {"chatId": group["id"], "messageIds": [gone["id"]], "forEveryone": True}
    live = await b.expect("message:deleted")
    assert live["data"] == ack and live["seq"] > 0
    unpinned = await b.expect("pin:updated", lambda d: d["pinned"] is False)
    assert unpinned["data"]["messageId"] == gone["id"]
    ids = [m["id"] for m in await history(bob, group["id"])]
    assert gone["id"] not in ids and keep["id"] in ids and reply["id"] in ids
    quoted = next(m for m in await history(bob, group["id"]) if m["id"] == reply["id"])
    assert quoted["replyPreview"]["deleted"] is True and quoted["replyPreview"]["content"] == ""
    chat = await chat_of(bob, group["id"])
    assert chat["pinnedMessages"] == [] and chat["unreadMentions"] == 0
    # The newest message left: the pin's note ("Alice pinned …") after the reply.
    assert chat["lastMessage"]["id"] == ids[-1] and chat["lastMessage"]["id"] != gone["id"]
    # Deleting again is no news; resuming replays the deletion.
    again = await a.command("message:delete", {"messageIds": [gone["id"]], "forEveryone": True})
    assert again["messageIds"] == [gone["id"]]
    await b.close()
    resumed = await bob.ws(since=since)
    deleted = resumed.of_type("message:deleted") or [await resumed.expect("message:deleted")]
    assert [f["data"]["messageIds"] for f in deleted] == [[gone["id"]]]


async def test_the_last_message_deleted_and_unread_counts(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    a = await alice.ws()
    first = await send(a, chat["id"], "first")
    last = await send(a, chat["id"], "last")
    assert {c["id"]: c for c in await fetch_list(bob)}[chat["id"]]["unreadCount"] == 2
    await a.command("message:delete", {"messageIds": [last["id"]], "forEveryone": True})
    listed = {c["id"]: c for c in await fetch_list(bob)}[chat["id"]]
    assert listed["unreadCount"] == 1 and listed["lastMessage"]["id"] == first["id"]


async def test_private_chats_let_either_side_delete_for_everyone(people: Any) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    a, b = await alice.ws(), await bob.ws()
    hers = await send(a, chat["id"], "from alice")
    done = await b.command("message:delete", {"messageIds": [hers["id"]], "forEveryone": True})
    assert done["forEveryone"] is True
    assert await history(alice, chat["id"]) == []


async def test_deleted_for_me_is_hidden_on_my_devices_only(people: Any) -> None:
    alice, bob = await people(2)
    group = await alice.group("for me", bob)
    a1, a2, b = await alice.ws(), await alice.ws(), await bob.ws()
    one = await send(b, group["id"], "one")
    two = await send(b, group["id"], "two")
    ack = await a1.command("message:delete", {"messageIds": [two["id"], one["id"]]})
    assert ack["forEveryone"] is False and sorted(ack["messageIds"]) == [one["id"], two["id"]]
    other_tab = await a2.expect("message:deleted")
    assert other_tab["data"]["forEveryone"] is False
    await b.quiet(0.3)
    assert b.of_type("message:deleted") == []
    assert [m["id"] for m in await history(alice, group["id"])][1:] == []
    assert [m["id"] for m in await history(bob, group["id"])][1:] == [one["id"], two["id"]]
    listed = {c["id"]: c for c in await fetch_list(alice)}[group["id"]]
    assert listed["unreadCount"] == 0 and listed["lastMessage"]["type"] == "system"
    # Hidden for me does not hide from search results of others, nor forbid my own actions.
    three = await send(b, group["id"], "three")
    assert (await chat_of(alice, group["id"]))["unreadCount"] == 1
    assert three["id"] in [m["id"] for m in await history(alice, group["id"])]


async def test_bad_deletes_are_refused_and_change_nothing(people: Any) -> None:
    alice, bob, carol = await people(3)
    group = await alice.group("bad deletes", bob)
    elsewhere = await carol.group("elsewhere", bob)
    a, b = await alice.ws(), await bob.ws()
    mine = await send(b, group["id"], "bob's")
    other_chat = await send(b, elsewhere["id"], "not alice's chat")
    system = (await history(alice, group["id"]))[0]
    cases = [
        ({"messageIds": []}, "invalid"),
        ({"messageIds": list(range(1, 102))}, "invalid"),
        ({"messageIds": [mine["id"], other_chat["id"]]}, "not_found"),
        ({"messageIds": [other_chat["id"]]}, "not_found"),
        ({"messageIds": [system["id"]], "forEveryone": True}, "invalid"),
        ({"messageIds": [mine["id"]], "forEveryone": "yes"}, "invalid"),
    ]
    for data, code in cases:
        err = await a.request("message:delete", data)
        assert err["type"] == "error" and err["error"]["code"] == code, (data, err)
    # Bob is in both chats: one chat at a time all the same.
    both = {"messageIds": [mine["id"], other_chat["id"]], "forEveryone": True}
    err = await b.request("message:delete", both)
    assert err["error"]["code"] == "invalid"
    assert [m["id"] for m in await history(bob, group["id"])][1:] == [mine["id"]]
    assert [m["id"] for m in await history(bob, elsewhere["id"])][1:] == [other_chat["id"]]


async def test_a_deleted_messages_file_is_not_served_unless_a_copy_uses_it(
    people: Any, engine_server: Any
) -> None:
    alice, bob, carol = await people(3)
    group = await alice.group("files", bob)
    with_carol = await bob.group("copies", carol)
    a, b = await alice.ws(), await bob.ws()
    photo = await _upload(alice)
    sent = await send(a, group["id"], "", attachmentIds=[photo["id"]])
    other = await _upload(alice)
    lone = await send(a, group["id"], "", attachmentIds=[other["id"]])
    forwarded = await b.command(
        "message:forward",
        {"messageIds": [sent["id"]], "toChatId": with_carol["id"], "clientId": client_id()},
    )
    copy_url = forwarded["messages"][0]["attachments"][0]["url"]
    assert copy_url != photo["url"]
    uploads = engine_server.data_dir / "uploads"
    before = {p.name for p in uploads.iterdir()}
    ids = [sent["id"], lone["id"]]
    await a.command("message:delete", {"messageIds": ids, "forEveryone": True})
    for viewer in (alice, bob):
        for url in (photo["url"], other["url"]):
            assert (await viewer.http.get(url)).status_code == 404
    # The copy keeps its own access, and the stored file with it; the lone one is gone.
    assert (await carol.http.get(copy_url)).status_code == 200
    after = {p.name for p in uploads.iterdir()}
    assert photo["id"] in after and other["id"] in before and other["id"] not in after
