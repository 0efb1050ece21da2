"""Several processes serving the same users: delivery across processes, once and in order;
seq order under concurrent writers on every process; resume on another process; membership
changes and log-outs on every process; presence and rate limits of the whole cluster."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.cluster.harness import Cluster
from tests.harness import User, Ws

Users = Callable[[int], Awaitable[list[User]]]


async def send_on(cluster: Cluster, user: User, index: int, chat_id: int, text: str) -> int:
    """A message sent over REST straight to process `index`; its id."""
    url = f"{cluster.processes[index].url}/api/messages"
    r = await user.http.post(url, json={"chatId": chat_id, "content": text})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def messages_of(ws: Ws, n: int, timeout: float = 20) -> list[dict[str, Any]]:
    return [await ws.expect("message:new", timeout=timeout) for _ in range(n)]


async def test_a_message_reaches_members_on_every_process_once_in_order(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob, carol = await cluster_users(3)
    chat = await alice.group("Across", bob, carol)
    sockets = [await cluster.ws_on(bob, 1), await cluster.ws_on(carol, 2)]
    own = await cluster.ws_on(alice, 0)
    texts = [f"m{i}" for i in range(20)]
    for text in texts:
        await send_on(cluster, alice, 0, chat["id"], text)
    for ws in [*sockets, own]:
        got = await messages_of(ws, len(texts))
        assert [f["data"]["content"] for f in got] == texts
        await ws.quiet(0.5)
        assert len(ws.of_type("message:new")) == len(texts)  # once each


async def test_concurrent_writers_on_every_process_are_seen_in_seq_order(
    cluster: Cluster, cluster_users: Users
) -> None:
    """With writers on three processes at once, ids could commit out of order; a client
    that saw seq N must never later get a smaller one, nor miss one."""
    people = await cluster_users(3)
    chat = await people[0].group("Race", *people[1:])
    watchers = [await cluster.ws_on(person, i) for i, person in enumerate(people)]
    per_writer = 25

    async def write(index: int) -> list[int]:
        return [
            await send_on(cluster, people[index], index, chat["id"], f"w{index}-{n}")
            for n in range(per_writer)
        ]

    sent = await asyncio.gather(*(write(i) for i in range(3)))
    all_ids = sorted(i for ids in sent for i in ids)
    for ws in watchers:
        frames = await messages_of(ws, len(all_ids))
        seqs = [f["seq"] for f in frames]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "out of order"
        assert sorted(f["data"]["id"] for f in frames) == all_ids  # none missed


async def test_writers_to_different_chats_on_every_process_keep_one_order(
    cluster: Cluster, cluster_users: Users
) -> None:
    """Writes to different chats run side by side (db/engine.py): each chat's messages
    still arrive in their per-chat order, and all of them in one ascending seq order,
    none missed, none twice, on every process."""
    people = await cluster_users(3)
    chats = [await people[i].group(f"Chat {i}", *people[:i], *people[i + 1 :]) for i in range(3)]
    watchers = [await cluster.ws_on(person, i) for i, person in enumerate(people)]
    per_writer = 20

    async def write(index: int) -> list[int]:
        # Writer i on process i, round robin over the chats, so each chat has writers on
        # every process at once.
        return [
            await send_on(cluster, people[index], index, chats[(index + n) % 3]["id"], f"{n}")
            for n in range(per_writer)
        ]

    sent = await asyncio.gather(*(write(i) for i in range(3)))
    all_ids = sorted(i for ids in sent for i in ids)
    for ws in watchers:
        frames = await messages_of(ws, len(all_ids))
        seqs = [f["seq"] for f in frames]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "out of order"
        assert sorted(f["data"]["id"] for f in frames) == all_ids  # none missed
        for chat in chats:
            in_chat = [f["data"]["seq"] for f in frames if f["data"]["chatId"] == chat["id"]]
            assert in_chat == sorted(in_chat), "a chat's messages out of their order"
        await ws.quiet(0.5)
        assert len(ws.of_type("message:new")) == len(all_ids)  # once each


async def test_resume_on_another_process_gets_exactly_what_was_missed(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob = await cluster_users(2)
    chat = await alice.group("Resume", bob)
    first = await cluster.ws_on(bob, 0)
    await send_on(cluster, alice, 1, chat["id"], "before")
    seen = await first.expect("message:new")
    await first.close()
    missed = [f"while away {i}" for i in range(5)]
    for text in missed:
        await send_on(cluster, alice, 2, chat["id"], text)
    again = await cluster.ws_on(bob, 1, since=seen["seq"])
    got = await messages_of(again, len(missed))
    assert [f["data"]["content"] for f in got] == missed
    await again.quiet(0.5)
    assert len(again.of_type("message:new")) == len(missed)
    await send_on(cluster, alice, 2, chat["id"], "live again")
    live = await again.expect("message:new")
    assert live["data"]["content"] == "live again"


async def test_a_removed_member_on_another_process_stops_receiving(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob, carol = await cluster_users(3)
    chat = await alice.group("Members", bob, carol)
    carol_ws = await cluster.ws_on(carol, 2)
    bob_ws = await cluster.ws_on(bob, 1)
    await send_on(cluster, alice, 0, chat["id"], "all of us")
    await carol_ws.expect("message:new")
    url = f"{cluster.processes[0].url}/api/chats/{chat['id']}/members/{carol.id}"
    assert (await alice.http.delete(url)).status_code == 204
    await carol_ws.expect("chat:removed")
    await send_on(cluster, alice, 0, chat["id"], "without carol")
    await bob_ws.expect("message:new", lambda d: d["content"] == "without carol")
    await carol_ws.quiet(0.5)
    assert [f["data"]["content"] for f in carol_ws.of_type("message:new")] == ["all of us"]


async def test_ending_sessions_closes_sockets_on_every_process(
    cluster: Cluster, cluster_users: Users
) -> None:
    (alice,) = await cluster_users(1)
    sockets = [await cluster.ws_on(alice, i) for i in range(3)]
    r = await alice.http.post(f"{cluster.processes[0].url}/api/auth/logout-all")
    assert r.status_code == 200
    for ws in sockets:
        code, _ = await asyncio.wait_for(asyncio.shield(ws.closed), 10)
        assert code == 4401


async def test_presence_is_the_best_of_every_process(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob = await cluster_users(2)
    await alice.group("Presence", bob)
    watcher = await cluster.ws_on(alice, 0)

    def bob_is(status: str) -> Callable[[dict[str, Any]], bool]:
        return lambda d: d["userId"] == bob.id and d["status"] == status

    on_1 = await cluster.ws_on(bob, 1)
    await watcher.expect("user:status", bob_is("online"))
    on_2 = await cluster.ws_on(bob, 2)
    await on_1.close()  # still online on process 2: no "offline" in between
    await watcher.quiet(1)
    assert not [f for f in watcher.of_type("user:status") if bob_is("offline")(f["data"])]
    r = await alice.http.get(f"{cluster.processes[1].url}/api/users/{bob.id}")
    assert r.json()["status"] == "online"
    await on_2.close()
    await watcher.expect("user:status", bob_is("offline"))


async def test_a_killed_process_takes_its_users_offline(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob = await cluster_users(2)
    await alice.group("Crash", bob)
    watcher = await cluster.ws_on(alice, 0)
    await cluster.ws_on(bob, 2)
    await watcher.expect("user:status", lambda d: d["userId"] == bob.id and d["status"] == "online")
    await asyncio.to_thread(cluster.kill, 2)
    # No socket closed cleanly: the process's heartbeat expires (15 s), then it is reaped.
    offline = await watcher.expect(
        "user:status", lambda d: d["userId"] == bob.id and d["status"] == "offline", timeout=40
    )
    assert offline["data"]["lastSeen"]


async def test_rate_limits_count_across_the_cluster(make_cluster: Callable[..., Cluster]) -> None:
    cluster = make_cluster(
        size=3, env={"SHOMIK_RATE_LIMITS_ENABLED": "true", "SHOMIK_RATE_SEND": "6/minute"}
    )
    alice, bob = await cluster.register(), await cluster.register()
    try:
        chat = await alice.group("Limits", bob)
        codes = []
        for n in range(9):  # three on each process: N processes must not mean N x the limit
            url = f"{cluster.processes[n % 3].url}/api/messages"
            r = await alice.http.post(url, json={"chatId": chat["id"], "content": f"{n}"})
            codes.append(r.status_code)
        assert codes == [201] * 6 + [429] * 3
    finally:
        await alice.aclose()
        await bob.aclose()


async def test_typing_reaches_members_on_other_processes(
    cluster: Cluster, cluster_users: Users
) -> None:
    alice, bob = await cluster_users(2)
    chat = await alice.group("Typing", bob)
    typist = await cluster.ws_on(alice, 0)
    reader = await cluster.ws_on(bob, 2)
    await typist.command("typing:start", {"chatId": chat["id"]})
    update = await reader.expect("typing:update", lambda d: d["userId"] == alice.id)
    assert update["data"]["chatId"] == chat["id"] and update["data"]["isTyping"] is True
    await typist.command("typing:stop", {"chatId": chat["id"]})
    await reader.expect("typing:update", lambda d: d["userId"] == alice.id and not d["isTyping"])
