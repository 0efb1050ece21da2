from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.harness import WsError


async def test_ws_send_is_acked_with_the_stored_message_and_delivered(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    a, b = await alice.ws(), await bob.ws()
    client_id = uuid.uuid4().hex
    ack = await a.command(
        "message:send", {"chatId": chat["id"], "content": "hi bob", "clientId": client_id}
    )
    assert ack["content"] == "hi bob" and ack["clientId"] == client_id
    assert ack["seq"] == 1 and ack["senderId"] == alice.id and ack["type"] == "text"
    event = await b.expect("message:new")
    assert event["data"]["id"] == ack["id"]
    assert isinstance(event["seq"], int) and event["seq"] > 0
    # The sender's other tabs get it too.
    own = await a.expect("message:new")
    assert own["data"]["id"] == ack["id"]


async def test_resend_with_same_client_id_returns_original_and_is_not_delivered_twice(
    users: Any,
) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    a, b = await alice.ws(), await bob.ws()
    body = {"chatId": chat["id"], "content": "once", "clientId": "retry-1"}
    first = await a.command("message:send", body)
    second = await a.command("message:send", body)
    assert first == second
    await b.expect("message:new")
    await b.quiet(0.5)
    assert len(b.of_type("message:new")) == 1
    r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
    assert [m["content"] for m in r.json()["messages"]] == ["once"]
    with pytest.raises(WsError) as err:
        await a.command("message:send", {**body, "content": "different"})
    assert err.value.code == "client_id_reused"
