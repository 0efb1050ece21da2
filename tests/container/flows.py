"""What the image tests ask of a running deployment: a message from one new user to
another, sent over REST and received on the other's socket."""

from __future__ import annotations

from typing import Any

from tests.harness import ServerProcess, User, register


async def message_round_trip(
    sender_on: ServerProcess, receiver_on: ServerProcess, text: str
) -> tuple[User, User, dict[str, Any]]:
    """Two users registered (the sender on `sender_on`, the receiver on `receiver_on`), a
    private chat, a message sent over REST and seen on the receiver's socket. Returns the
    users (for the caller to close) and the message as sent."""
    alice = await register(sender_on)
    bob = await register(receiver_on)
    ws = await bob.ws()
    chat = await alice.private_chat(bob)
    sent = await alice.send(chat["id"], text)
    frame = await ws.expect("message:new", lambda d: d["id"] == sent["id"], timeout=20)
    assert frame["data"]["content"] == text
    assert frame["data"]["chatId"] == chat["id"]
    return alice, bob, sent
