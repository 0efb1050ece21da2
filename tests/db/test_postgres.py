"""The main flows on a PostgreSQL-backed server (the data layer's second engine)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ServerProcess, register

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_server(
    pg_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        Path(tmp_path_factory.mktemp("pg")), env={"SHOMIK_DATABASE_URL": pg_database}
    )
    proc.start()
    yield proc
    proc.stop()


async def test_conversation_on_postgres(pg_server: ServerProcess) -> None:
    alice, bob, carol = [await register(pg_server) for _ in range(3)]
    # Usernames are unique case-insensitively here too.
    r = await alice.http.post(
        "/api/auth/register",
        json={"username": alice.username.upper(), "password": "a long enough passphrase"},
    )
    assert r.status_code == 409
    found = await alice.http.get("/api/users", params={"q": bob.username[:8]})
    assert bob.id in [u["id"] for u in found.json()["users"]]

    group = await alice.group("pg team", bob)
    a, b = await alice.ws(), await bob.ws()
    sent = await a.command(
        "message:send", {"chatId": group["id"], "content": "hello pg", "clientId": "pg-1"}
    )
    again = await a.command(
        "message:send", {"chatId": group["id"], "content": "hello pg", "clientId": "pg-1"}
    )
    assert again["id"] == sent["id"]
    await b.expect("message:new", lambda d: d["id"] == sent["id"])
    reply = await b.command(
        "message:send",
        {
            "chatId": group["id"],
            "content": "re",
            "clientId": uuid.uuid4().hex,
            "replyTo": sent["id"],
        },
    )
    assert reply["replyPreview"]["content"] == "hello pg"
    await b.command("reaction:add", {"messageId": sent["id"], "emoji": "👍"})
    await b.command("message:read", {"chatId": group["id"], "messageId": sent["id"]})
    await a.command("message:pin", {"chatId": group["id"], "messageId": sent["id"]})
    await a.expect("pin:updated")

    chats = (await alice.http.get("/api/chats")).json()["chats"]
    (mine,) = [c for c in chats if c["id"] == group["id"]]
    # The pin wrote a note after the reply, which its pinner has read.
    note = mine["lastMessage"]
    assert note["meta"]["event"] == "message_pinned" and note["seq"] == reply["seq"] + 1
    assert mine["unreadCount"] == 0
    assert [m["id"] for m in mine["pinnedMessages"]] == [sent["id"]]
    page = (await alice.http.get(f"/api/chats/{group['id']}/messages")).json()
    by_id = {m["id"]: m for m in page["messages"]}
    assert by_id[sent["id"]]["reactions"] == {"👍": [bob.id]}
    assert by_id[sent["id"]]["readBy"] == [bob.id]

    r = await alice.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [carol.id]})
    assert r.status_code == 200
    c = await carol.ws(since=0)
    await c.expect("chat:new", lambda d: d["id"] == group["id"])
    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204
    await c.expect("chat:removed")
    gone = await carol.http.get(f"/api/chats/{group['id']}/messages")
    assert gone.status_code == 404
    for user in (alice, bob, carol):
        await user.aclose()
