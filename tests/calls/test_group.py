"""Group calls: a mesh up to SHOMIK_CALL_MAX_PARTICIPANTS, joined while in progress."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.support import OFFER, system_message
from tests.harness import ServerProcess, WsError, register


async def test_group_join_up_to_the_max_then_refused(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_CALL_MAX_PARTICIPANTS": "3"})
    alice, bob, carol, dave = [await register(server) for _ in range(4)]
    group = await alice.group("standup", bob, carol, dave)
    a, b, c, d = [await u.ws() for u in (alice, bob, carol, dave)]
    call = (await a.command("call:start", {"chatId": group["id"], "media": "video"}))["call"]
    assert call["maxParticipants"] == 3 and call["topology"] == "mesh"
    for ws in (b, c, d):
        await ws.expect("call:incoming")
    await b.command("call:accept", {"callId": call["id"]})
    await d.expect("call:accepted")
    joined = await c.command("call:join", {"callId": call["id"]})
    assert joined["call"]["participants"] == [alice.id, bob.id, carol.id]
    for ws in (a, b, d):  # members outside the call see it too, to offer "join"
        data = (await ws.expect("call:participant_joined"))["data"]
        assert data["userId"] == carol.id
    with pytest.raises(WsError) as exc:
        await d.command("call:join", {"callId": call["id"]})
    assert exc.value.code == "call_full" and exc.value.frame["error"]["maxParticipants"] == 3
    # A mesh: every participant signals every other one.
    await c.command("call:signal", {"callId": call["id"], "to": alice.id, "data": OFFER})
    assert (await a.expect("call:signal"))["data"]["from"] == carol.id
    # One leaving does not end a group call; the last one does.
    await b.command("call:end", {"callId": call["id"]})
    left = (await a.expect("call:participant_left"))["data"]
    assert left["userId"] == bob.id and left["call"]["participants"] == [alice.id, carol.id]
    await d.command("call:join", {"callId": call["id"]})  # room again
    for ws in (a, c, d):
        await ws.command("call:end", {"callId": call["id"]})
    ended = (await b.expect("call:ended"))["data"]
    assert ended["reason"] == "hangup"
    note = await system_message(b, group["id"])
    assert note["content"].startswith("Video call, 0:0")
    for user in (alice, bob, carol, dave):
        await user.aclose()


async def test_group_decline_ends_only_when_everyone_declined(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("g", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "audio"}))["call"]
    await b.command("call:decline", {"callId": call["id"]})
    assert (await a.expect("call:declined"))["data"]["userId"] == bob.id
    assert a.of_type("call:ended") == []
    await c.command("call:decline", {"callId": call["id"]})
    assert (await a.expect("call:ended"))["data"]["reason"] == "declined"


async def test_one_call_per_chat_and_per_user(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("g", bob, carol)
    a, b = await alice.ws(), await bob.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "audio"}))["call"]
    with pytest.raises(WsError) as exc:
        await b.command("call:start", {"chatId": group["id"], "media": "audio"})
    assert exc.value.code == "call_in_progress" and exc.value.frame["error"]["callId"] == call["id"]
    other = await alice.private_chat(carol)
    with pytest.raises(WsError) as exc:
        await a.command("call:start", {"chatId": other["id"], "media": "audio"})
    assert exc.value.code == "in_call"
