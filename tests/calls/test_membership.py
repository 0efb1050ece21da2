"""A member who leaves a group, or is removed from it, is out of its call at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.support import OFFER
from tests.harness import WsError


async def test_a_removed_member_is_out_of_the_call_at_once(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("g", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "audio"}))["call"]
    await b.command("call:accept", {"callId": call["id"]})
    await c.command("call:join", {"callId": call["id"]})
    await a.expect("call:participant_joined", lambda d: d["userId"] == carol.id)

    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204, r.text
    for ws in (a, b):  # the usual event, as if she had hung up; the call goes on
        left = (await ws.expect("call:participant_left"))["data"]
        assert left["userId"] == carol.id
        assert left["call"]["participants"] == [alice.id, bob.id]
        assert left["call"]["state"] == "active"

    # Her call socket may no longer signal, nor be signalled, nor come back in.
    with pytest.raises(WsError) as exc:
        await c.command("call:signal", {"callId": call["id"], "to": alice.id, "data": OFFER})
    assert exc.value.code == "not_participant"
    with pytest.raises(WsError) as exc:
        await a.command("call:signal", {"callId": call["id"], "to": carol.id, "data": OFFER})
    assert exc.value.code == "not_participant"
    for command in ("call:join", "call:accept", "call:end"):
        with pytest.raises(WsError) as exc:
            await c.command(command, {"callId": call["id"]})
        assert exc.value.code == "not_found"  # as for any outsider
    assert a.of_type("call:signal") == []
    # The others still talk to each other.
    await b.command("call:signal", {"callId": call["id"], "to": alice.id, "data": OFFER})
    assert (await a.expect("call:signal"))["data"]["from"] == bob.id
    assert c.of_type("call:signal") == []
    listed = (await carol.http.get("/api/calls")).json()["calls"]
    assert all(item["id"] != call["id"] for item in listed)


async def test_the_last_participant_leaving_the_group_ends_its_call(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("g", bob, carol)
    a, b, c = await alice.ws(), await bob.ws(), await carol.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "video"}))["call"]
    await b.command("call:accept", {"callId": call["id"]})
    await b.command("call:end", {"callId": call["id"]})
    await c.expect("call:participant_left", lambda d: d["userId"] == bob.id)

    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{alice.id}")  # she leaves
    assert r.status_code == 204, r.text
    for ws in (b, c):
        ended = (await ws.expect("call:ended"))["data"]
        assert ended["callId"] == call["id"] and ended["reason"] == "hangup"

    def call_note(data: dict[str, Any]) -> bool:
        return data["chatId"] == group["id"] and (data["meta"] or {}).get("event") == "call"

    note = await b.expect("message:new", call_note)
    assert note["data"]["content"].startswith("Video call, 0:0")
    # The chat is free for a new call.
    again = await b.command("call:start", {"chatId": group["id"], "media": "audio"})
    assert again["call"]["state"] == "ringing"


async def test_removing_the_last_member_still_rung_ends_a_ringing_call(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("g", bob, carol)
    a, b = await alice.ws(), await bob.ws()
    call = (await a.command("call:start", {"chatId": group["id"], "media": "audio"}))["call"]
    await b.command("call:decline", {"callId": call["id"]})
    await a.expect("call:declined")

    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204, r.text
    ended = (await a.expect("call:ended"))["data"]  # not the 45 s of ringing: nobody is left
    assert ended["callId"] == call["id"] and ended["reason"] == "declined"
