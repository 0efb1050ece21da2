"""What the image tests ask of a running deployment: a message from one new user to
another, sent over REST and received on the other's socket; a group call through its
Janus."""

from __future__ import annotations

from typing import Any

from shomik.sfu.janus import Connection, JanusError, Session
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


async def group_call_through_janus(server: ServerProcess, janus_url: str) -> None:
    """A group call on this deployment gets a room in its Janus (topology `sfu`), and the
    token its ack hands the caller lets them into that room at `janus_url` (what browsers
    reach: nginx's /janus), which holds only the VideoRoom plugin and lets nobody in
    without a token."""
    alice, bob, carol = [await register(server) for _ in range(3)]
    try:
        group = await alice.group("stand-up", bob, carol)
        ws = await alice.ws()
        started = await ws.command("call:start", {"chatId": group["id"], "media": "video"})
        assert started["call"]["topology"] == "sfu", started
        access = started["sfu"]
        assert access["url"] == "/janus", access
        conn = Connection(janus_url, auth={"token": access["token"]})
        await conn.connect()
        try:
            info = await conn.request({"janus": "info"})
            assert set(info["plugins"]) == {"janus.plugin.videoroom"}, info["plugins"]
            session = await Session.create(conn)
            body = {"request": "join", "ptype": "publisher", "room": access["room"]}
            joined = await session.message({**body, "id": alice.id, "token": access["token"]})
            assert joined["id"] == alice.id, joined
            await session.destroy()
        finally:
            await conn.close()
        stranger = Connection(janus_url)
        await stranger.connect()
        try:
            await Session.create(stranger)
        except JanusError as exc:
            assert exc.code == 403, exc
        else:
            raise AssertionError("Janus let someone in without a token")
        finally:
            await stranger.close()
        await ws.command("call:end", {"callId": started["call"]["id"]})
    finally:
        for user in (alice, bob, carol):
            await user.aclose()
