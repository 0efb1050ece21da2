"""Nothing acknowledged is ever lost: SIGKILL the server right after acks, restart it on the
same data, and find every acknowledged message exactly once, in order."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.harness import ServerProcess, User, open_ws, register


async def _blast(user: User, chat_id: int, count: int, label: str) -> list[dict[str, Any]]:
    ws = await user.ws()
    acks = []
    for i in range(count):
        acks.append(
            await ws.command(
                "message:send",
                {"chatId": chat_id, "content": f"{label} {i}", "clientId": uuid.uuid4().hex},
            )
        )
    return acks


async def _kill_and_check(server: ServerProcess) -> None:
    alice, bob = await register(server), await register(server)
    chat = await alice.group("durable", bob)
    b = await bob.ws()
    since = b.of_type("ready")[0]["data"]["seq"]
    await b.close()
    acks_a, acks_b = await asyncio.gather(
        _blast(alice, chat["id"], 150, "a"), _blast(bob, chat["id"], 150, "b")
    )
    server.kill()  # immediately after the last ack: no graceful shutdown
    server.start()

    fresh = await alice.http.post(
        f"{server.url}/api/auth/login",
        json={"username": alice.username, "password": "a long enough passphrase"},
    )
    assert fresh.status_code == 200
    history: list[dict[str, Any]] = []
    before = None
    while True:
        params = {"limit": 100, **({"before": before} if before else {})}
        r = await alice.http.get(f"/api/chats/{chat['id']}/messages", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        history = page["messages"] + history
        if not page["hasMore"]:
            break
        before = page["messages"][0]["seq"]
    stored = {m["id"]: m for m in history}
    acked = acks_a + acks_b
    lost = [a["id"] for a in acked if a["id"] not in stored]
    assert lost == [], f"{len(lost)} acknowledged messages lost"
    assert len(history) == len(stored), "a message is stored twice"
    seqs = [m["seq"] for m in history]
    assert seqs == list(range(1, len(history) + 1)), "seqs are not contiguous and ordered"
    for ack in acked:
        assert stored[ack["id"]]["content"] == ack["content"]
        assert stored[ack["id"]]["seq"] == ack["seq"]
    # Resuming from before the crash replays every message, once, in order.
    ws = await open_ws(server, bob.token, since=since)
    replayed = [(await ws.expect("message:new"))["data"]["id"] for _ in range(len(history) - 1)]
    assert replayed == [m["id"] for m in history if m["type"] != "system"]
    await ws.close()
    # Retrying a send acked before the crash returns the original, creates nothing.
    last = acks_a[-1]
    retry = await alice.http.post(
        "/api/messages",
        json={"chatId": chat["id"], "content": last["content"], "clientId": last["clientId"]},
    )
    assert retry.status_code == 200 and retry.json()["id"] == last["id"]
    await alice.aclose()
    await bob.aclose()


async def test_sigkill_after_acks_loses_nothing_on_sqlite(make_server: Any) -> None:
    await _kill_and_check(make_server())


@pytest.mark.postgres
async def test_sigkill_after_acks_loses_nothing_on_postgres(
    make_server: Any, pg_database: str
) -> None:
    await _kill_and_check(make_server(env={"SHOMIK_DATABASE_URL": pg_database}))
