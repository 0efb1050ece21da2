"""How calls end: busy, declined, missed, hung up, disconnected past the grace period; and
the durable system messages they leave in the chat."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.calls.support import OFFER, answered, ring, system_message
from tests.harness import ServerProcess, WsError, register

FAST = {"SHOMIK_CALL_RING_SECONDS": "1", "SHOMIK_CALL_GRACE_SECONDS": "1"}


async def test_a_user_in_a_call_answers_busy(users: Any) -> None:
    alice, bob, carol = await users(3)
    a, b, call_id = await answered(alice, bob)
    chat = await carol.private_chat(bob)
    c = await carol.ws()
    ack = await c.command("call:start", {"chatId": chat["id"], "media": "video"})
    assert ack["call"]["state"] == "ended" and ack["call"]["endReason"] == "busy"
    ended = (await c.expect("call:ended"))["data"]
    assert ended["reason"] == "busy" and ended["callId"] == ack["call"]["id"]
    note = await system_message(b, chat["id"])
    assert note["content"] == "Missed video call (busy)"
    assert note["meta"]["call"]["outcome"] == "busy"
    await b.quiet(0.3)
    assert [
        f for f in b.of_type("call:incoming") if f["data"]["call"]["chatId"] == chat["id"]
    ] == []
    # Bob's call goes on, and he cannot start a second one.
    with pytest.raises(WsError) as exc:
        await b.command("call:start", {"chatId": chat["id"], "media": "audio"})
    assert exc.value.code == "in_call"
    await a.command("call:signal", {"callId": call_id, "to": bob.id, "data": OFFER})
    await b.expect("call:signal")


async def test_decline_ends_a_one_to_one_call_with_a_system_message(users: Any) -> None:
    alice, bob = await users(2)
    a, b, call = await ring(alice, bob)
    ack = await b.command("call:decline", {"callId": call["id"]})
    assert ack["call"]["state"] == "ended" and ack["call"]["endReason"] == "declined"
    for ws in (a, b):
        ended = (await ws.expect("call:ended"))["data"]
        assert ended == {"callId": call["id"], "reason": "declined", "call": ack["call"]}
    note = await system_message(a, call["chatId"])
    assert note["content"] == "Declined audio call" and note["senderId"] is None
    assert note["meta"]["call"] == {
        "id": call["id"],
        "media": "audio",
        "durationSeconds": None,
        "outcome": "declined",
        "reason": "declined",
    }
    with pytest.raises(WsError) as exc:  # an ended call is gone
        await b.command("call:accept", {"callId": call["id"]})
    assert exc.value.code == "not_found"
    # The message is durable: it is in the history.
    r = await bob.http.get(f"/api/chats/{call['chatId']}/messages")
    assert r.json()["messages"][-1]["content"] == "Declined audio call"


async def test_the_caller_hanging_up_while_ringing_cancels(users: Any) -> None:
    alice, bob = await users(2)
    a, b, call = await ring(alice, bob)
    await a.command("call:end", {"callId": call["id"]})
    assert (await b.expect("call:ended"))["data"]["reason"] == "cancelled"
    assert (await system_message(b, call["chatId"]))["content"] == "Cancelled audio call"


async def test_hanging_up_an_answered_call_records_its_duration(users: Any) -> None:
    alice, bob = await users(2)
    a, b, call_id = await answered(alice, bob, "video")
    await asyncio.sleep(1.1)
    ack = await b.command("call:end", {"callId": call_id})
    assert ack["call"]["state"] == "ended" and ack["call"]["endReason"] == "hangup"
    for ws in (a, b):
        assert (await ws.expect("call:ended"))["data"]["reason"] == "hangup"
    note = await system_message(a, ack["call"]["chatId"])
    assert note["content"] in ("Video call, 0:01", "Video call, 0:02")
    assert note["meta"]["call"]["outcome"] == "answered"
    assert note["meta"]["call"]["durationSeconds"] in (1, 2)
    assert (await alice.http.get("/api/calls")).json()["calls"] == []
    # Both are free again.
    chat_id = ack["call"]["chatId"]
    again = await a.command("call:start", {"chatId": chat_id, "media": "audio"})
    assert again["call"]["state"] == "ringing"


async def test_ringing_times_out_as_a_missed_call(make_server: Any) -> None:
    server: ServerProcess = make_server(env=FAST)
    alice, bob = await register(server), await register(server)
    a, b, call = await ring(alice, bob, "video")
    for ws in (a, b):
        ended = (await ws.expect("call:ended", timeout=4))["data"]
        assert ended["reason"] == "missed" and ended["call"]["state"] == "ended"
    note = await system_message(b, call["chatId"])
    assert note["content"] == "Missed video call" and note["meta"]["call"]["outcome"] == "missed"
    # The callee had not read it: a missed call counts as unread for them only.
    chats = {c["id"]: c for c in (await bob.http.get("/api/chats")).json()["chats"]}
    assert chats[call["chatId"]]["unreadCount"] == 1
    await alice.aclose()
    await bob.aclose()


async def test_a_disconnected_participant_is_removed_after_the_grace_period(
    make_server: Any,
) -> None:
    server: ServerProcess = make_server(env=FAST)
    alice, bob = await register(server), await register(server)
    a, b, _call_id = await answered(alice, bob)
    await b.close()
    await a.quiet(0.5)
    assert a.of_type("call:ended") == []  # still within the grace period
    ended = (await a.expect("call:ended", timeout=4))["data"]
    assert ended["reason"] == "disconnected"
    note = await system_message(a, ended["call"]["chatId"])
    assert note["content"].startswith("Audio call, 0:0")
    await alice.aclose()
    await bob.aclose()


async def test_rejoining_within_the_grace_period_keeps_the_call(make_server: Any) -> None:
    server: ServerProcess = make_server(env=FAST)
    alice, bob = await register(server), await register(server)
    a, b, call_id = await answered(alice, bob)
    await b.close()
    await asyncio.sleep(0.3)
    # A signal meanwhile is acknowledged but cannot be delivered.
    ack = await a.command("call:signal", {"callId": call_id, "to": bob.id, "data": OFFER})
    assert ack == {"delivered": False}
    b2 = await bob.ws()
    rejoined = await b2.command("call:join", {"callId": call_id})
    assert rejoined["call"]["participants"] == [alice.id, bob.id]
    joined = (await a.expect("call:participant_joined"))["data"]
    assert joined["userId"] == bob.id  # alice renegotiates with the new socket
    await asyncio.sleep(1.5)  # past the grace period
    assert a.of_type("call:ended") == [] and a.of_type("call:participant_left") == []
    await a.command("call:signal", {"callId": call_id, "to": bob.id, "data": OFFER})
    assert (await b2.expect("call:signal"))["data"]["from"] == alice.id
    await alice.aclose()
    await bob.aclose()


async def test_another_tab_closing_does_not_touch_the_call(make_server: Any) -> None:
    server: ServerProcess = make_server(env=FAST)
    alice, bob = await register(server), await register(server)
    a, b, call_id = await answered(alice, bob)
    other_tab = await bob.ws()
    await other_tab.close()
    await asyncio.sleep(1.5)
    assert a.of_type("call:ended") == []
    await a.command("call:signal", {"callId": call_id, "to": bob.id, "data": OFFER})
    await b.expect("call:signal")
    await alice.aclose()
    await bob.aclose()
