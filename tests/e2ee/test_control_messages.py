"""Control messages: ciphertext the clients act on and never show (a secret chat's reactions
travel so, as `reaction:add` would store the emoji in the clear). Only in secret chats;
delivered, acked, idempotent and in history like any message, but never unread, never a
chat's last message, never replied to, edited or pinned. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.chats.support import assert_error, client_id, fetch_chat, fetch_list
from tests.e2ee import mls
from tests.e2ee.support import secret_chat


def control(chat_id: int, **extra: Any) -> dict[str, Any]:
    body = {"chatId": chat_id, "type": "control", "content": mls.application(), **extra}
    return {"clientId": client_id(), **body}


async def test_control_messages_only_in_secret_chats(people: Any) -> None:
    alice, bob = await people(2)
    ordinary = await alice.private_chat(bob)
    group = await alice.group("Plain", bob)
    for chat in (ordinary, group):
        r = await alice.http.post("/api/messages", json=control(chat["id"]))
        assert_error(r, 422, "not_secret")
    ws = await alice.ws()
    err = await ws.request("message:send", control(ordinary["id"]))
    assert err["error"]["code"] == "not_secret"
    # Plaintext is no more welcome as a control message than as any other.
    secret = await secret_chat(alice, bob)
    r = await alice.http.post("/api/messages", json=control(secret["id"], content="👍 on 12"))
    assert_error(r, 422, "not_ciphertext")


async def test_control_messages_are_delivered_but_never_unread_or_last(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    bob_ws, alice_ws = await bob.ws(), await alice.ws()
    text = await alice.send(chat["id"], mls.application())
    await bob_ws.expect("message:new", lambda d: d["id"] == text["id"])

    body = control(chat["id"])
    ack = await alice_ws.command("message:send", body)
    assert ack["type"] == "control" and ack["seq"] == text["seq"] + 1
    event = await bob_ws.expect("message:new", lambda d: d["id"] == ack["id"])
    assert event["data"]["type"] == "control" and event["data"]["content"] == body["content"]
    # A retry (the same clientId) is the same message, announced once.
    again = await alice_ws.command("message:send", body)
    assert again["id"] == ack["id"]
    await bob_ws.quiet(0.3)
    assert [f for f in bob_ws.of_type("message:new") if f["data"]["id"] == ack["id"]] == [event]

    # Bob has one unread message (the text), and it is the chat's last message.
    seen = await fetch_chat(bob, chat["id"])
    assert seen["unreadCount"] == 1 and seen["lastMessage"]["id"] == text["id"]
    assert seen["lastSeq"] == ack["seq"]
    (listed,) = [c for c in await fetch_list(bob) if c["id"] == chat["id"]]
    assert listed["unreadCount"] == 1 and listed["lastMessage"]["id"] == text["id"]
    r = await bob.http.get("/api/chats")
    assert r.json()["unreadTotal"] == 1
    # Only control messages since reading: nothing unread.
    await bob_ws.command("message:read", {"chatId": chat["id"], "messageId": text["id"]})
    more = await alice_ws.command("message:send", control(chat["id"]))
    await bob_ws.expect("message:new", lambda d: d["id"] == more["id"])
    seen = await fetch_chat(bob, chat["id"])
    assert seen["unreadCount"] == 0 and seen["lastMessage"]["id"] == text["id"]
    # Resumable: history holds them, in order.
    r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
    kinds = [(m["id"], m["type"]) for m in r.json()["messages"]]
    assert kinds[-3:] == [(text["id"], "text"), (ack["id"], "control"), (more["id"], "control")]


async def test_a_control_message_is_no_reply_edit_or_pin_target(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    ws = await alice.ws()
    text = await alice.send(chat["id"], mls.application())
    ack = await ws.command("message:send", control(chat["id"]))
    r = await bob.http.post(
        "/api/messages",
        json={"chatId": chat["id"], "content": mls.application(), "replyTo": ack["id"]},
    )
    assert_error(r, 422, "control_message")
    # Nor does a control message reply to anything or carry attachments.
    r = await alice.http.post("/api/messages", json=control(chat["id"], replyTo=text["id"]))
    assert_error(r, 422, "control_message")
    edit = {"messageId": ack["id"], "content": mls.application()}
    err = await ws.request("message:edit", edit)
    assert err["error"]["code"] == "not_editable"
    err = await ws.request("message:pin", {"chatId": chat["id"], "messageId": ack["id"]})
    assert err["error"]["code"] == "control_message"
    # Deleting one works as for any message (a client taking back what it sent).
    deleted = await ws.command("message:delete", {"messageIds": [ack["id"]], "forEveryone": True})
    assert deleted["messageIds"] == [ack["id"]]


async def test_reactions_are_refused_in_secret_chats(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    sent = await alice.send(chat["id"], mls.application())
    ws = await bob.ws()
    for command in ("reaction:add", "reaction:remove"):
        err = await ws.request(command, {"messageId": sent["id"], "emoji": "👍"})
        assert err["error"]["code"] == "secret_chat", err
    r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
    assert r.json()["messages"][-1]["reactions"] == {}
    # Elsewhere reactions work as ever.
    plain = await alice.private_chat(bob)
    ordinary = await alice.send(plain["id"], "hello")
    added = await ws.command("reaction:add", {"messageId": ordinary["id"], "emoji": "👍"})
    assert added["reactions"] == {"👍": [bob.id]}
