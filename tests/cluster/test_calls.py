"""Calls whose participants' sockets are on different processes: ringing, answering,
signaling, the grace period of a socket that drops and the end, each owned once by the
calls leader (no double "missed")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.calls.support import CANDIDATE, OFFER
from tests.cluster.harness import Cluster
from tests.sfu.conftest import Janus, janus  # noqa: F401 (the fixture: a Janus of this run)

FAST = {"SHOMIK_CALL_RING_SECONDS": "2", "SHOMIK_CALL_GRACE_SECONDS": "2"}


async def test_a_call_across_processes_rings_connects_signals_and_ends(
    make_cluster: Callable[..., Cluster],
) -> None:
    cluster = make_cluster(size=3, env=FAST)
    alice, bob = await cluster.register(), await cluster.register()
    try:
        chat = await alice.private_chat(bob)
        a = await cluster.ws_on(alice, 0)
        b = await cluster.ws_on(bob, 1)
        watcher = await cluster.ws_on(bob, 2)  # another tab, elsewhere: it is rung too
        call = (await a.command("call:start", {"chatId": chat["id"], "media": "video"}))["call"]
        for ws in (b, watcher):
            assert (await ws.expect("call:incoming"))["data"]["call"]["id"] == call["id"]
        await b.command("call:accept", {"callId": call["id"]})
        await a.expect("call:accepted")
        # Signals go to the one socket that joined, across processes, both ways.
        sent = await a.command("call:signal", {"callId": call["id"], "to": bob.id, "data": OFFER})
        assert sent == {"delivered": True}
        got = await b.expect("call:signal")
        assert got["data"]["from"] == alice.id and got["data"]["data"] == OFFER
        await b.command("call:signal", {"callId": call["id"], "to": alice.id, "data": CANDIDATE})
        candidate = (await a.expect("call:signal"))["data"]["data"]["candidate"]
        assert candidate["candidate"] == CANDIDATE["candidate"]["candidate"]
        await watcher.quiet(0.3)
        assert not watcher.of_type("call:signal")
        # The one who did not join cannot signal from another socket.
        refused = await watcher.request(
            "call:signal", {"callId": call["id"], "to": alice.id, "data": OFFER}
        )
        assert refused["type"] == "error" and refused["error"]["code"] == "not_participant"
        r = await bob.http.get(f"{cluster.processes[2].url}/api/calls")
        assert [c["id"] for c in r.json()["calls"]] == [call["id"]]
        await a.command("call:end", {"callId": call["id"]})
        for ws in (a, b, watcher):
            ended = await ws.expect("call:ended")
            assert ended["data"]["reason"] == "hangup"
        note = await b.expect("message:new", lambda d: d["type"] == "system")
        assert note["data"]["meta"]["call"]["outcome"] == "answered"
    finally:
        await alice.aclose()
        await bob.aclose()


async def test_an_unanswered_call_is_missed_once(make_cluster: Callable[..., Cluster]) -> None:
    cluster = make_cluster(size=3, env=FAST)
    alice, bob = await cluster.register(), await cluster.register()
    try:
        chat = await alice.private_chat(bob)
        sockets = [await cluster.ws_on(alice, 0), await cluster.ws_on(bob, 1)]
        await cluster.ws_on(bob, 2)
        await sockets[0].command("call:start", {"chatId": chat["id"], "media": "audio"})
        for ws in sockets:
            assert (await ws.expect("call:ended", timeout=10))["data"]["reason"] == "missed"
        await asyncio.sleep(3)  # a second ring timer on another process would fire by now
        r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
        outcomes = [
            m["meta"]["call"]["outcome"]
            for m in r.json()["messages"]
            if m["type"] == "system" and (m.get("meta") or {}).get("event") == "call"
        ]
        assert outcomes == ["missed"]
    finally:
        await alice.aclose()
        await bob.aclose()


async def test_a_dropped_call_socket_has_its_grace_period_on_another_process(
    make_cluster: Callable[..., Cluster],
) -> None:
    cluster = make_cluster(size=3, env=FAST)
    alice, bob, carol = [await cluster.register() for _ in range(3)]
    try:
        group = await alice.group("Stand-up", bob, carol)
        a = await cluster.ws_on(alice, 0)
        b = await cluster.ws_on(bob, 1)
        c = await cluster.ws_on(carol, 2)
        call = (await a.command("call:start", {"chatId": group["id"], "media": "audio"}))["call"]
        await b.command("call:accept", {"callId": call["id"]})
        await c.expect("call:incoming")
        await c.command("call:join", {"callId": call["id"]})
        await c.close()  # carol's page reloads: her place is kept for the grace period
        await asyncio.sleep(0.5)
        again = await cluster.ws_on(carol, 0)  # back, on another process
        await again.command("call:join", {"callId": call["id"]})
        await again.command("call:signal", {"callId": call["id"], "to": bob.id, "data": OFFER})
        assert (await b.expect("call:signal"))["data"]["from"] == carol.id
        await again.close()  # gone for good this time
        left = await a.expect("call:participant_left", timeout=10)
        assert left["data"]["userId"] == carol.id
        assert left["data"]["call"]["state"] == "active"
    finally:
        for user in (alice, bob, carol):
            await user.aclose()


async def test_a_group_call_through_the_sfu_across_processes(
    make_cluster: Callable[..., Cluster],
    janus: Janus,  # noqa: F811
) -> None:
    """The calls leader keeps the Janus room; each ack, from whichever process, carries its
    own user's way in."""
    cluster = make_cluster(size=2, env={**FAST, **janus.env()})
    alice, bob, carol = [await cluster.register() for _ in range(3)]
    try:
        group = await alice.group("standup", bob, carol)
        a = await cluster.ws_on(alice, 0)
        b = await cluster.ws_on(bob, 1)
        started = await a.command("call:start", {"chatId": group["id"], "media": "video"})
        assert started["call"]["topology"] == "sfu" and started["sfu"]["feedId"] == alice.id
        room = started["sfu"]["room"]
        assert room in await janus.rooms()
        accepted = await b.command("call:accept", {"callId": started["call"]["id"]})
        assert accepted["sfu"]["room"] == room and accepted["sfu"]["feedId"] == bob.id
        assert accepted["sfu"]["token"] != started["sfu"]["token"]
        for ws in (b, a):
            await ws.command("call:end", {"callId": started["call"]["id"]})
        for _ in range(100):  # Janus hears of the end right after the ack
            if room not in await janus.rooms():
                break
            await asyncio.sleep(0.1)
        assert room not in await janus.rooms()
    finally:
        for user in (alice, bob, carol):
            await user.aclose()
