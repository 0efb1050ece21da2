"""Self-destructing messages in secret chats: the timer (any member sets it; only the
allowed values; a system message and `chat:updated`), `expiresAt` on what is sent while it
is set (edits keep it), and the sweep that deletes what is due for everyone, with its
attachment's file, announcing `message:deleted`. On SQLite and PostgreSQL, with the sweep
every half second."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.chats.support import assert_error, fetch_chat
from tests.e2ee import mls
from tests.e2ee.support import query, secret_chat
from tests.engines import ENGINES, engine_server, people_on
from tests.harness import ServerProcess, User

SWEEP = {"SHOMIK_SELF_DESTRUCT_SWEEP_SECONDS": "0.5"}


@pytest.fixture(scope="module", params=ENGINES)
def sweep_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with engine_server(request, tmp_path_factory, SWEEP) as proc:
        yield proc


@pytest.fixture
async def people(sweep_server: ServerProcess) -> AsyncIterator[Any]:
    async with people_on(sweep_server) as make:
        yield make


async def set_timer(user: User, chat_id: int, seconds: Any) -> Any:
    return await user.http.put(f"/api/e2ee/chats/{chat_id}/timer", json={"seconds": seconds})


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_any_member_sets_the_timer_of_a_secret_chat(people: Any) -> None:
    alice, bob, eve = await people(3)
    chat = await secret_chat(alice, bob)
    assert chat["selfDestructSeconds"] is None
    alice_ws = await alice.ws()
    r = await set_timer(bob, chat["id"], 30)
    assert r.status_code == 200, r.text
    assert r.json()["selfDestructSeconds"] == 30 and r.json()["id"] == chat["id"]
    updated = await alice_ws.expect("chat:updated", lambda d: d["id"] == chat["id"])
    assert updated["data"]["selfDestructSeconds"] == 30
    note = await alice_ws.expect("message:new", lambda d: d["chatId"] == chat["id"])
    assert note["data"]["type"] == "system" and note["data"]["expiresAt"] is None
    assert note["data"]["meta"] == {"actorId": bob.id, "event": "self_destruct", "seconds": 30}
    assert "30 seconds" in note["data"]["content"]
    assert (await fetch_chat(alice, chat["id"]))["selfDestructSeconds"] == 30
    # The same value again changes nothing: no second note.
    assert (await set_timer(alice, chat["id"], 30)).status_code == 200
    r = await set_timer(alice, chat["id"], None)
    assert r.status_code == 200 and r.json()["selfDestructSeconds"] is None
    off = await alice_ws.expect("message:new", lambda d: d["meta"]["seconds"] is None)
    assert "turned off" in off["data"]["content"]
    history = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["meta"]["seconds"] for m in history if m["type"] == "system"] == [30, None]

    for seconds in (0, 1, 7, 120, -5, 10**9, "30", True):
        assert_error(await set_timer(alice, chat["id"], seconds), 422, "invalid")
    r = await alice.http.put(f"/api/e2ee/chats/{chat['id']}/timer", json={})
    assert_error(r, 422, "invalid")
    # Not a member: as for any chat not one's own. Not a secret chat: refused.
    assert_error(await set_timer(eve, chat["id"], 60), 404, "not_found")
    plain = await alice.private_chat(bob)
    assert_error(await set_timer(alice, plain["id"], 60), 422, "not_secret")
    assert_error(await set_timer(alice, 10**12, 60), 404, "not_found")


async def test_messages_sent_under_a_timer_expire_then_and_edits_keep_it(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    before = await alice.send(chat["id"], mls.application())
    assert before["expiresAt"] is None
    assert (await set_timer(alice, chat["id"], 86400)).status_code == 200
    sent = await alice.send(chat["id"], mls.application())
    expires = when(sent["expiresAt"])
    assert expires - when(sent["createdAt"]) == timedelta(days=1)
    ws = await alice.ws()
    edited = await ws.command(
        "message:edit", {"messageId": sent["id"], "content": mls.application()}
    )
    assert edited["editedAt"] is not None and when(edited["expiresAt"]) == expires
    history = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    by_id = {m["id"]: m for m in history}
    assert by_id[before["id"]]["expiresAt"] is None
    assert when(by_id[sent["id"]]["expiresAt"]) == expires


async def upload_ciphertext(user: User) -> dict[str, Any]:
    files = {"file": ("file.bin", os.urandom(3000), "application/octet-stream")}
    r = await user.http.post("/api/upload", files=files, data={"sealed": "true"})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_sweep_deletes_expired_messages_for_everyone(
    people: Any, sweep_server: ServerProcess
) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    bob_ws = await bob.ws()
    keep = await alice.send(chat["id"], mls.application())
    assert (await set_timer(alice, chat["id"], 5)).status_code == 200
    upload = await upload_ciphertext(alice)
    doomed = await alice.send(chat["id"], mls.application(), attachmentIds=[upload["id"]])
    stored = await query(
        sweep_server, f"SELECT storage_name FROM attachments WHERE id = '{upload['id']}'"
    )
    path = Path(sweep_server.data_dir) / "uploads" / stored[0][0]
    assert path.exists()
    assert doomed["expiresAt"] is not None

    gone = await bob_ws.expect(
        "message:deleted", lambda d: doomed["id"] in d["messageIds"], timeout=12
    )
    assert gone["data"] == {"chatId": chat["id"], "messageIds": [doomed["id"]], "forEveryone": True}
    # Not before its time (5 s after sending, the sweep runs every 0.5 s).
    assert datetime.now(when(doomed["expiresAt"]).tzinfo) >= when(doomed["expiresAt"])
    rows = await query(
        sweep_server,
        f"SELECT content, deleted_at IS NOT NULL, expires_at FROM messages "
        f"WHERE id = {doomed['id']}",
    )
    assert rows == [("", True, None)]
    attached = f"SELECT id FROM attachments WHERE id = '{upload['id']}'"
    assert await query(sweep_server, attached) == []
    assert not path.exists()
    history = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["id"] for m in history if m["type"] != "system"] == [keep["id"]]
    # Announced once, whatever the sweeps that ran since.
    await bob_ws.quiet(1.2)
    deletions = bob_ws.of_type("message:deleted")
    assert [f["data"]["messageIds"] for f in deletions].count([doomed["id"]]) == 1
