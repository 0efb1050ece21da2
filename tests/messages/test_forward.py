"""Forwarding: copies with their origin, files without a new upload, idempotent by clientId,
only from chats one can read into chats one is in."""

from __future__ import annotations

from typing import Any

from tests.chats.support import client_id, remove
from tests.messages.everyday import history, send
from tests.uploads.files import image


async def test_copies_carry_their_origin_and_their_files(people: Any) -> None:
    alice, bob, carol = await people(3)
    source = await alice.group("source", bob)
    target = await bob.group("target", carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    r = await alice.http.post("/api/upload", files={"file": ("p.png", image("PNG"), "image/png")})
    photo = r.json()
    first = await send(a, source["id"], "", attachmentIds=[photo["id"]])
    second = await send(a, source["id"], "and a caption-less note")
    cid = client_id()
    data = {"messageIds": [second["id"], first["id"]], "toChatId": target["id"], "clientId": cid}
    ack = await b.command("message:forward", data)
    copies = ack["messages"]
    assert [m["seq"] for m in copies] == sorted(m["seq"] for m in copies)
    assert [m["type"] for m in copies] == ["image", "text"]  # in the originals' order
    origin = copies[0]["forwardedFrom"]
    assert origin["userId"] == alice.id and origin["chatId"] == source["id"]
    assert origin["messageId"] == first["id"] and origin["displayName"]
    assert all(m["senderId"] == bob.id for m in copies)
    live = [await c.expect("message:new") for _ in copies]
    assert [f["data"]["forwardedFrom"]["messageId"] for f in live] == [first["id"], second["id"]]
    # Carol was never in the source chat, yet opens the forwarded photo.
    assert (await carol.http.get(copies[0]["attachments"][0]["url"])).status_code == 200
    assert (await carol.http.get(photo["url"])).status_code == 404
    # A retry with the same clientId is the same copies, not new ones.
    again = await b.command("message:forward", data)
    assert [m["id"] for m in again["messages"]] == [m["id"] for m in copies]
    assert len(await history(carol, target["id"])) == 1 + 2
    # Forwarding a forward keeps the original author.
    refwd = await c.command(
        "message:forward",
        {"messageIds": [copies[1]["id"]], "toChatId": target["id"], "clientId": client_id()},
    )
    assert refwd["messages"][0]["forwardedFrom"]["userId"] == alice.id


async def test_forwarding_needs_read_access_and_a_chat_to_write_to(people: Any) -> None:
    alice, bob, carol = await people(3)
    source = await alice.group("private matters", bob)
    mine = await bob.group("bob and carol", carol)
    outside = await carol.group("carol only", alice)
    a, b = await alice.ws(), await bob.ws()
    secret = await send(a, source["id"], "secret")
    system = (await history(bob, source["id"]))[0]
    cases = [
        # Carol may not read the source: not found, as if it did not exist.
        (carol, {"messageIds": [secret["id"]], "toChatId": mine["id"]}, "not_found"),
        # Bob is not in Carol's chat with Alice.
        (bob, {"messageIds": [secret["id"]], "toChatId": outside["id"]}, "not_found"),
        (bob, {"messageIds": [system["id"]], "toChatId": mine["id"]}, "invalid"),
        (bob, {"messageIds": [], "toChatId": mine["id"]}, "invalid"),
        (bob, {"messageIds": [secret["id"]], "toChatId": mine["id"], "clientId": ""}, "invalid"),
    ]
    for who, data, code in cases:
        ws = await who.ws()
        err = await ws.request("message:forward", {"clientId": client_id(), **data})
        assert err["type"] == "error" and err["error"]["code"] == code, (data, err)
    # Once Bob has left the source chat, he can no longer forward from it.
    await remove(alice, source["id"], bob)
    data = {"messageIds": [secret["id"]], "toChatId": mine["id"], "clientId": client_id()}
    err = await b.request("message:forward", data)
    assert err["error"]["code"] == "not_found"
    assert [m["content"] for m in await history(carol, mine["id"])][1:] == []
    # Deleted for everyone (or for oneself): nothing left to forward.
    gone = await send(a, source["id"], "gone")
    await a.command("message:delete", {"messageIds": [gone["id"]], "forEveryone": True})
    err = await a.request(
        "message:forward",
        {"messageIds": [gone["id"]], "toChatId": outside["id"], "clientId": client_id()},
    )
    assert err["error"]["code"] == "not_found"
