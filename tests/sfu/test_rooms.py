"""Group calls through Janus, checked on both sides: what the server's acks and events say,
and what Janus (a real one, tests/sfu/conftest.py) then lets in. The "browsers" here are
Janus API clients doing what a browser does with its ack's `sfu`, without media."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from shomik.sfu import secrets as sfu_secrets
from shomik.sfu.janus import Connection, JanusError, Message, Session
from tests.harness import ServerProcess, User, free_port, register
from tests.sfu.conftest import Janus, new_janus, start_janus, stop


class Peer:
    """A browser's Janus side: a session with its token, a VideoRoom join as a publisher,
    and the events Janus pushes to it."""

    def __init__(self, janus: Janus, token: str | None) -> None:
        self.events: list[Message] = []
        auth = {"token": token} if token is not None else {}
        self.conn = Connection(janus.url, auth=auth, on_event=self.events.append)
        self.session: Session | None = None

    async def open(self) -> Peer:
        await self.conn.connect()
        self.session = await Session.create(self.conn)
        return self

    async def join(self, room: int, feed: int, token: str) -> Message:
        assert self.session is not None
        body = {"request": "join", "ptype": "publisher", "room": room, "id": feed}
        return await self.session.message({**body, "token": token})

    def told(self, what: str) -> bool:
        """Janus told this peer it was kicked ("kicked") or its room is gone ("destroyed")."""
        for event in self.events:
            data = event.get("plugindata", {}).get("data", {})
            if data.get("reason") == what or data.get("videoroom") == what:
                return True
        return False

    async def keepalive(self) -> None:
        assert self.session is not None
        await self.conn.request({"janus": "keepalive", "session_id": self.session.id}, ack=True)

    async def close(self) -> None:
        if self.session is not None:
            self.session._keepalive.cancel()
        await self.conn.close()


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 10) -> None:
    """Janus is told of leaving and ending after the ack (the call does not wait for it)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)


async def refused(janus: Janus, token: str | None, room: int, feed: int) -> int:
    """The error code Janus answers someone with this token (or none) trying to enter."""
    peer = Peer(janus, token)
    try:
        await peer.open()
        await peer.join(room, feed, token or "")
    except JanusError as exc:
        return exc.code
    finally:
        await peer.close()
    raise AssertionError("Janus let them in")


async def test_a_group_call_gets_a_room_that_only_its_participants_enter(
    sfu_server: ServerProcess, janus: Janus
) -> None:
    alice, bob, carol, eve, frank = [await register(sfu_server) for _ in range(5)]
    group = await alice.group("standup", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    started = await a.command("call:start", {"chatId": group["id"], "media": "video"})
    call = started["call"]
    assert call["topology"] == "sfu" and call["maxParticipants"] == 25
    access = started["sfu"]
    assert access["url"] == "/janus" and access["feedId"] == alice.id
    assert access["iceTransportPolicy"] == "all" and access["iceServers"] == []
    room = access["room"]
    assert room in await janus.rooms()
    incoming = (await c.expect("call:incoming"))["data"]
    assert incoming["call"]["topology"] == "sfu"
    assert access["token"] not in json.dumps(incoming)  # the call's events carry no token
    accepted = await b.command("call:accept", {"callId": call["id"]})
    assert accepted["sfu"]["room"] == room and accepted["sfu"]["feedId"] == bob.id
    assert accepted["sfu"]["token"] != access["token"]
    event = (await c.expect("call:accepted"))["data"]
    assert "sfu" not in event and accepted["sfu"]["token"] not in json.dumps(event)

    # Both enter the room as their browsers would.
    pa = await Peer(janus, access["token"]).open()
    pb = await Peer(janus, accepted["sfu"]["token"]).open()
    assert (await pa.join(room, alice.id, access["token"]))["id"] == alice.id
    assert (await pb.join(room, bob.id, accepted["sfu"]["token"]))["id"] == bob.id
    assert sorted(await janus.participants(room)) == sorted([alice.id, bob.id])
    await pa.keepalive()  # a participant's session lives on with its token

    # Carol (a member who did not join) and Eve (a stranger) know the room id, not a token.
    for token in (None, "guess", access["token"][:-1]):
        assert await refused(janus, token, room, carol.id) == 403
    # A token of another call gets past Janus's door, not into this room.
    other = await eve.group("elsewhere", frank)
    e = await eve.ws()
    started_elsewhere = await e.command("call:start", {"chatId": other["id"], "media": "audio"})
    elsewhere = started_elsewhere["sfu"]
    assert elsewhere["room"] != room
    assert await refused(janus, elsewhere["token"], room, eve.id) == 433  # not allowed here
    for ws, call_id in ((e, started_elsewhere["call"]["id"]), (a, call["id"]), (b, call["id"])):
        await ws.command("call:end", {"callId": call_id})
    for peer in (pa, pb):
        await peer.close()
    for user in (alice, bob, carol, eve, frank):
        await user.aclose()


async def test_leaving_and_removal_kick_and_the_last_one_out_destroys_the_room(
    sfu_server: ServerProcess, janus: Janus
) -> None:
    alice, bob, carol = [await register(sfu_server) for _ in range(3)]
    group = await alice.group("standup", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    started = await a.command("call:start", {"chatId": group["id"], "media": "audio"})
    call_id, room = started["call"]["id"], started["sfu"]["room"]
    tokens = {alice.id: started["sfu"]["token"]}
    for user, ws in ((bob, b), (carol, c)):
        tokens[user.id] = (await ws.command("call:join", {"callId": call_id}))["sfu"]["token"]
    peers = {}
    for user in (alice, bob, carol):
        peers[user.id] = await Peer(janus, tokens[user.id]).open()
        await peers[user.id].join(room, user.id, tokens[user.id])

    async def gone(user: User, why: str) -> None:
        peer = peers[user.id]
        await eventually(lambda: _true(peer.told(why)), f"user {user.id} told {why}")
        assert user.id not in await janus.participants(room)
        with pytest.raises(JanusError) as exc:
            await peer.keepalive()  # the token is revoked: the session cannot go on
        assert exc.value.code == 403
        assert await refused(janus, tokens[user.id], room, user.id) == 403

    await b.command("call:end", {"callId": call_id})  # Bob hangs up
    await gone(bob, "kicked")
    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204, r.text
    await gone(carol, "kicked")  # removed from the chat: out of its call and its room
    assert await janus.participants(room) == [alice.id]
    assert room in await janus.rooms()  # Alice is still in the call

    await a.command("call:end", {"callId": call_id})  # the last one out
    ended = (await b.expect("call:ended"))["data"]
    assert ended["reason"] == "hangup"
    await eventually(lambda: _absent(janus, room), "the room destroyed")
    assert peers[alice.id].told("kicked") or peers[alice.id].told("destroyed")
    assert await refused(janus, tokens[alice.id], room, alice.id) == 403
    for peer in peers.values():
        await peer.close()
    for user in (alice, bob, carol):
        await user.aclose()


async def test_answering_on_another_device_kicks_the_old_feed(
    sfu_server: ServerProcess, janus: Janus
) -> None:
    alice, bob = [await register(sfu_server) for _ in range(2)]
    group = await alice.group("pair", bob)
    a, b = await alice.ws(), await bob.ws()
    started = await a.command("call:start", {"chatId": group["id"], "media": "audio"})
    call_id, room = started["call"]["id"], started["sfu"]["room"]
    first = (await b.command("call:accept", {"callId": call_id}))["sfu"]
    old = await Peer(janus, first["token"]).open()
    await old.join(room, bob.id, first["token"])
    b2 = await bob.ws()
    second = (await b2.command("call:join", {"callId": call_id}))["sfu"]
    assert second["token"] == first["token"] and second["room"] == room
    await eventually(lambda: _true(old.told("kicked")), "the old device kicked")
    new = await Peer(janus, second["token"]).open()
    assert (await new.join(room, bob.id, second["token"]))["id"] == bob.id  # its id is free
    await b2.command("call:end", {"callId": call_id})
    await a.command("call:end", {"callId": call_id})
    await eventually(lambda: _absent(janus, room), "the room destroyed")
    for peer in (old, new):
        await peer.close()
    for user in (alice, bob):
        await user.aclose()


async def test_private_calls_stay_peer_to_peer(sfu_server: ServerProcess, janus: Janus) -> None:
    alice, bob = [await register(sfu_server) for _ in range(2)]
    chat = await alice.private_chat(bob)
    a = await alice.ws()
    rooms = await janus.rooms()
    started = await a.command("call:start", {"chatId": chat["id"], "media": "video"})
    assert started["call"]["topology"] == "mesh" and started["call"]["maxParticipants"] == 2
    assert started["sfu"] is None
    assert await janus.rooms() == rooms
    await a.command("call:end", {"callId": started["call"]["id"]})
    for user in (alice, bob):
        await user.aclose()


async def test_group_calls_are_a_mesh_when_janus_cannot_be_reached(
    make_server: Callable[..., ServerProcess], janus: Janus
) -> None:
    closed = f"ws://127.0.0.1:{free_port()}"
    server = make_server(janus.env(SHOMIK_SFU_URL=closed, SHOMIK_SFU_ADMIN_URL=closed))
    alice, bob, carol = [await register(server) for _ in range(3)]
    group = await alice.group("standup", bob, carol)
    a = await alice.ws()
    started = await a.command("call:start", {"chatId": group["id"], "media": "audio"})
    assert started["call"]["topology"] == "mesh" and started["call"]["maxParticipants"] == 4
    assert started["sfu"] is None
    for user in (alice, bob, carol):
        await user.aclose()


async def _true(value: bool) -> bool:
    return value


async def _absent(janus: Janus, room: int) -> bool:
    return room not in await janus.rooms()


async def _description(janus: Janus, room: int) -> str:
    async with janus.server_side() as session:
        body = {"request": "list", "admin_key": sfu_secrets.admin_key(janus.secret)}
        answer = await session.message(body)
    [found] = [r["description"] for r in answer["list"] if r["room"] == room]
    return str(found)


async def _create_room(janus: Janus, room: int, description: str) -> None:
    async with janus.server_side() as session:
        await session.message(
            {
                "request": "create",
                "admin_key": sfu_secrets.admin_key(janus.secret),
                "room": room,
                "secret": sfu_secrets.room_secret(janus.secret, room),
                "description": description,
                "is_private": True,
            }
        )


async def test_a_call_lost_in_a_restart_ends_with_its_system_message(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    """No call survives a restart of the server (docs/calls.md §8): its Janus room and tokens
    must not either, or the browsers in it would go on talking unseen. The room says which
    call it was, so the call ends in its chat as any other (§9), once."""
    own = new_janus(tmp_path / "janus")
    proc = start_janus(own)
    try:
        server = make_server(own.env(), data_dir=tmp_path / "data")
        alice, bob, carol = [await register(server) for _ in range(3)]
        group = await alice.group("standup", bob, carol)
        a, b = await alice.ws(), await bob.ws()
        started = await a.command("call:start", {"chatId": group["id"], "media": "video"})
        call_id, room = started["call"]["id"], started["sfu"]["room"]
        answered = (await b.command("call:accept", {"callId": call_id}))["sfu"]
        peers = []
        for user, access in ((alice, started["sfu"]), (bob, answered)):
            peer = await Peer(own, access["token"]).open()
            await peer.join(room, user.id, access["token"])
            peers.append(peer)

        async def answered_in_room() -> bool:
            return json.loads(await _description(own, room))["answered"] is not None

        await eventually(answered_in_room, "the room told the call was answered")
        description = await _description(own, room)
        server.kill()  # no shutdown code runs
        assert room in await own.rooms()
        server.start()
        await eventually(lambda: _absent(own, room), "the lost call's room destroyed")
        for peer in peers:
            assert peer.told("destroyed")
        assert await refused(own, started["sfu"]["token"], room, alice.id) == 403
        r = await carol.http.get("/api/calls")
        assert r.status_code == 200 and r.json()["calls"] == []

        async def notes() -> list[dict[str, Any]]:
            r = await carol.http.get(f"/api/chats/{group['id']}/messages")
            found = [m for m in r.json()["messages"] if m["type"] == "system"]
            return [m for m in found if (m.get("meta") or {}).get("call", {}).get("id") == call_id]

        [note] = await notes()
        assert note["content"].startswith("Video call, 0:")  # answered: counted from then
        assert note["meta"]["actorId"] == alice.id
        assert note["meta"]["call"]["outcome"] == "answered"
        assert note["meta"]["call"]["reason"] == "disconnected"

        # A room outliving its call (Janus was away when the call ended) is swept as well,
        # and its call, already in the chat, is not written twice.
        assert json.loads(description)["call"] == call_id
        await _create_room(own, room, description)
        server.kill()
        server.start()
        await eventually(lambda: _absent(own, room), "the outliving room destroyed")
        assert len(await notes()) == 1
        for peer in peers:
            await peer.close()
        for user in (alice, bob, carol):
            await user.aclose()
    finally:
        stop(proc)


async def test_the_server_connects_again_to_a_restarted_janus(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    own = new_janus(tmp_path / "janus")
    proc = start_janus(own)
    try:
        server = make_server(own.env())
        alice, bob = [await register(server) for _ in range(2)]
        group = await alice.group("standup", bob)
        a = await alice.ws()
        first = await a.command("call:start", {"chatId": group["id"], "media": "audio"})
        assert first["call"]["topology"] == "sfu"
        await a.command("call:end", {"callId": first["call"]["id"]})
        stop(proc)
        proc = start_janus(own)  # the same ports and configuration, nothing in it
        again = await a.command("call:start", {"chatId": group["id"], "media": "audio"})
        assert again["call"]["topology"] == "sfu"
        assert again["sfu"]["room"] in await own.rooms()
        peer = await Peer(own, again["sfu"]["token"]).open()
        await peer.join(again["sfu"]["room"], alice.id, again["sfu"]["token"])
        await peer.close()
        await a.command("call:end", {"callId": again["call"]["id"]})
        for user in (alice, bob):
            await user.aclose()
    finally:
        stop(proc)
