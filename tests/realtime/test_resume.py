"""Resume: a reconnecting client gets every durable event it missed, in order, before live
ones, exactly once; or an explicit resync_required."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.harness import ServerProcess, open_ws, register


async def test_reconnect_with_since_replays_missed_events_in_order(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    first = await alice.send(chat["id"], "before the gap")
    seen = await b.expect("message:new", lambda d: d["id"] == first["id"])
    await b.close()

    a = await alice.ws()
    missed = [await alice.send(chat["id"], f"missed {i}") for i in range(3)]
    await a.command("reaction:add", {"messageId": missed[0]["id"], "emoji": "🔥"})

    b2 = await bob.ws(since=seen["seq"])
    replayed = [await b2.expect("message:new") for _ in range(3)]
    reaction = await b2.expect("reaction:updated")
    assert [e["data"]["id"] for e in replayed] == [m["id"] for m in missed]
    seqs = [e["seq"] for e in replayed] + [reaction["seq"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4 and seqs[0] > seen["seq"]
    assert reaction["data"]["reactions"] == {"🔥": [alice.id]}
    # The first message is not replayed again, and live events follow the replay.
    live = await alice.send(chat["id"], "live")
    after = await b2.expect("message:new")
    assert after["data"]["id"] == live["id"] and after["seq"] > seqs[-1]
    assert all(e["data"]["id"] != first["id"] for e in b2.of_type("message:new"))


async def test_ready_carries_the_head_and_since_at_head_replays_nothing(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    await alice.send(chat["id"], "x")
    b = await bob.ws()
    head = b.of_type("ready")[0]["data"]["seq"]
    await b.close()
    b2 = await bob.ws(since=head)
    await b2.quiet(0.4)
    assert b2.of_type("message:new") == [] and b2.of_type("resync_required") == []


async def test_replay_only_covers_the_users_own_chats_after_joining(users: Any) -> None:
    alice, bob, carol = await users(3)
    group = await alice.group("team", bob)
    await alice.send(group["id"], "before carol joined")
    other = await alice.private_chat(bob)
    await alice.send(other["id"], "private to bob")
    r = await alice.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [carol.id]})
    assert r.status_code == 200
    await alice.send(group["id"], "after carol joined")
    c = await carol.ws(since=0)
    await c.expect("chat:new", lambda d: d["id"] == group["id"])
    await c.quiet(0.5)
    contents = [e["data"]["content"] for e in c.of_type("message:new")]
    assert "after carol joined" in contents
    assert "before carol joined" not in contents and "private to bob" not in contents


async def test_since_beyond_the_head_requires_resync(users: Any) -> None:
    (alice,) = await users(1)
    ws = await alice.ws(since=10**12)
    frame = await ws.expect("resync_required")
    assert frame["data"]["seq"] == ws.of_type("ready")[0]["data"]["seq"]


async def test_gap_larger_than_replay_max_requires_resync(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_REPLAY_MAX": "3"})
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    b = await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    await b.close()
    for i in range(2):
        await alice.send(chat["id"], f"m{i}")
    small = await bob.ws(since=since)
    assert len([await small.expect("message:new") for _ in range(2)]) == 2
    for i in range(5):
        await alice.send(chat["id"], f"n{i}")
    big = await bob.ws(since=since)
    await big.expect("resync_required")
    assert big.of_type("message:new") == []
    await alice.aclose()
    await bob.aclose()


async def test_pruned_log_requires_resync(make_server: Any, tmp_path: Any) -> None:
    env = {"SHOMIK_EVENT_RETENTION": "5"}
    server: ServerProcess = make_server(env=env, data_dir=tmp_path / "prune")
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    for i in range(12):
        await alice.send(chat["id"], f"m{i}")
    await alice.aclose()
    await bob.aclose()
    server.stop()
    server.start()  # pruning runs at start-up, then every 10 minutes
    ws = await open_ws(server, bob.token, since=1)
    await ws.expect("resync_required")
    await ws.close()


async def test_reconnect_storm_loses_and_duplicates_nothing(users: Any) -> None:
    """A receiver that keeps dropping and resuming while messages flow sees every message
    exactly once, in order."""
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    a = await alice.ws()
    total = 150
    acked: list[int] = []

    async def sender() -> None:
        for i in range(total):
            ack = await a.command(
                "message:send",
                {"chatId": chat["id"], "content": f"m{i}", "clientId": uuid.uuid4().hex},
            )
            acked.append(ack["id"])

    received: list[int] = []
    # Bob's starting point comes before the first send: everything after it must arrive.
    first = await open_ws(bob.server, bob.token)
    last_seq = first.of_type("ready")[0]["data"]["seq"]
    await first.close()
    task = asyncio.create_task(sender())
    for _ in range(200):
        ws = await open_ws(bob.server, bob.token, since=last_seq)
        await asyncio.sleep(0.02)
        await ws.close()
        assert ws.of_type("resync_required") == []
        for frame in ws.frames:
            if "seq" in frame:
                assert frame["seq"] > last_seq, "seq must increase across reconnects"
                last_seq = frame["seq"]
                if frame["type"] == "message:new":
                    received.append(frame["data"]["id"])
        if task.done() and len(received) >= total:
            break
    await task
    final = await open_ws(bob.server, bob.token, since=last_seq)
    await final.quiet(0.5)
    received += [f["data"]["id"] for f in final.of_type("message:new")]
    await final.close()
    assert received == acked, (
        f"lost {set(acked) - set(received)}, dup {len(received) - len(set(received))}"
    )
