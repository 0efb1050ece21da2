"""Ringing, answering, and the relay of signals: only between a call's participants."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.support import CANDIDATE, OFFER, answered, ring
from tests.harness import WsError


async def test_start_rings_the_callee_only(users: Any) -> None:
    alice, bob, stranger = await users(3)
    s = await stranger.ws()
    a, b, call = await ring(alice, bob, "video")
    assert call["state"] == "ringing" and call["media"] == "video"
    assert call["initiatorId"] == alice.id and call["participants"] == [alice.id]
    incoming = b.of_type("call:incoming")[0]
    assert "seq" not in incoming  # ephemeral
    await s.quiet(0.3)
    assert [f for f in s.frames if f["type"].startswith("call:")] == []
    assert a.of_type("call:incoming") == []  # the caller is not rung


async def test_a_non_member_cannot_start_join_or_accept(users: Any) -> None:
    alice, bob, stranger = await users(3)
    a, b, call = await ring(alice, bob)
    s = await stranger.ws()
    with pytest.raises(WsError) as exc:
        await s.command("call:start", {"chatId": call["chatId"], "media": "audio"})
    assert exc.value.code == "not_found"
    for command in ("call:accept", "call:join", "call:decline", "call:end"):
        with pytest.raises(WsError) as exc:
            await s.command(command, {"callId": call["id"]})
        assert exc.value.code == "not_found", command
    await a.quiet(0.3)
    assert a.of_type("call:accepted") == [] and b.of_type("call:accepted") == []


async def test_accept_reaches_both_and_makes_the_call_active(users: Any) -> None:
    alice, bob = await users(2)
    a, b, call = await ring(alice, bob)
    ack = await b.command("call:accept", {"callId": call["id"]})
    assert ack["call"]["state"] == "active" and ack["call"]["answeredAt"]
    for ws in (a, b):
        data = (await ws.expect("call:accepted"))["data"]
        assert data["callId"] == call["id"] and data["userId"] == bob.id
        assert data["call"]["participants"] == [alice.id, bob.id]
    r = await alice.http.get("/api/calls")
    assert [c["id"] for c in r.json()["calls"]] == [call["id"]]


async def test_signals_are_relayed_with_the_server_set_sender(users: Any) -> None:
    alice, bob = await users(2)
    a, b, call_id = await answered(alice, bob)
    ack = await a.command("call:signal", {"callId": call_id, "to": bob.id, "data": OFFER})
    assert ack == {"delivered": True}
    got = (await b.expect("call:signal"))["data"]
    assert got == {"callId": call_id, "from": alice.id, "data": OFFER}
    # `from` is not the client's to choose: an extra field is refused outright.
    bad = await b.request(
        "call:signal", {"callId": call_id, "to": alice.id, "from": 999, "data": CANDIDATE}
    )
    assert bad["type"] == "error" and bad["error"]["code"] == "invalid"
    await b.command("call:signal", {"callId": call_id, "to": alice.id, "data": CANDIDATE})
    back = (await a.expect("call:signal"))["data"]
    assert back["from"] == bob.id and back["data"] == {
        "candidate": {**CANDIDATE["candidate"], "usernameFragment": None}
    }


async def test_a_non_participants_signal_is_refused_and_reaches_no_one(users: Any) -> None:
    alice, bob, carol, stranger = await users(4)
    group = await alice.group("calls", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    s = await stranger.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "audio"}))["call"]
    await b.command("call:accept", {"callId": call["id"]})
    # carol is a member of the chat but not in the call; stranger is not even a member.
    for ws, who in ((c, "member"), (s, "stranger")):
        for to in (alice.id, bob.id):
            with pytest.raises(WsError) as exc:
                await ws.command("call:signal", {"callId": call["id"], "to": to, "data": OFFER})
            assert exc.value.code == "not_participant", who
    # A second socket of a participant is not the one in the call either.
    a2 = await alice.ws()
    with pytest.raises(WsError) as exc:
        await a2.command("call:signal", {"callId": call["id"], "to": bob.id, "data": OFFER})
    assert exc.value.code == "not_participant"
    # An unknown call answers the same, revealing nothing.
    with pytest.raises(WsError) as exc:
        await s.command("call:signal", {"callId": "nope", "to": alice.id, "data": OFFER})
    assert exc.value.code == "not_participant"
    await a.quiet(0.4)
    for ws in (a, b, c, s, a2):
        assert ws.of_type("call:signal") == []


async def test_a_signal_to_a_non_participant_is_refused(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("calls", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "video"}))["call"]
    await b.command("call:accept", {"callId": call["id"]})
    for to in (carol.id, 10**9):
        with pytest.raises(WsError) as exc:
            await a.command("call:signal", {"callId": call["id"], "to": to, "data": OFFER})
        assert exc.value.code == "not_participant"
    with pytest.raises(WsError) as exc:  # nor to oneself
        await a.command("call:signal", {"callId": call["id"], "to": alice.id, "data": OFFER})
    assert exc.value.code == "invalid"
    await c.quiet(0.3)
    for ws in (a, b, c):
        assert ws.of_type("call:signal") == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"sdp": OFFER["sdp"], "candidate": CANDIDATE["candidate"]},
        {"sdp": {"type": "bogus", "sdp": "v=0"}},
        {"candidate": {"sdpMid": "0"}},
        {"text": "hello"},
    ],
)
async def test_signal_data_must_be_one_sdp_or_one_candidate(users: Any, data: Any) -> None:
    alice, bob = await users(2)
    a, b, call_id = await answered(alice, bob)
    reply = await a.request("call:signal", {"callId": call_id, "to": bob.id, "data": data})
    assert reply["type"] == "error" and reply["error"]["code"] == "invalid"
    await b.quiet(0.2)
    assert b.of_type("call:signal") == []
