"""History pages, REST sends, and their validation."""

from __future__ import annotations

from typing import Any

from tests.harness import ServerProcess, register


async def test_history_pages_by_seq_ascending(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    sent = [await alice.send(chat["id"], f"m{i}") for i in range(12)]
    url = f"/api/chats/{chat['id']}/messages"
    newest = (await bob.http.get(url, params={"limit": 5})).json()
    assert [m["content"] for m in newest["messages"]] == [f"m{i}" for i in range(7, 12)]
    assert newest["hasMore"] is True
    older = (await bob.http.get(url, params={"limit": 5, "before": 8})).json()
    assert [m["seq"] for m in older["messages"]] == [3, 4, 5, 6, 7]
    oldest = (await bob.http.get(url, params={"limit": 5, "before": 3})).json()
    assert [m["seq"] for m in oldest["messages"]] == [1, 2] and oldest["hasMore"] is False
    newer = (await bob.http.get(url, params={"limit": 3, "after": 9})).json()
    assert [m["seq"] for m in newer["messages"]] == [10, 11, 12] and newer["hasMore"] is False
    assert newest["messages"][-1]["id"] == sent[-1]["id"]
    for params in ({"limit": 0}, {"limit": 101}, {"before": "x"}, {"before": -1}):
        r = await bob.http.get(url, params=params)
        assert r.status_code == 422, params


async def test_rest_send_is_idempotent_by_client_id(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    body = {"chatId": chat["id"], "content": "hello", "clientId": "rest-1"}
    first = await alice.http.post("/api/messages", json=body)
    second = await alice.http.post("/api/messages", json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json()
    clash = await alice.http.post("/api/messages", json={**body, "content": "other"})
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "client_id_reused"
    # The same clientId from another sender is another message.
    theirs = await bob.http.post("/api/messages", json=body)
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    page = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()
    assert len(page["messages"]) == 2


async def test_rest_send_validation(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    bad: list[Any] = [
        {"chatId": chat["id"], "content": ""},
        {"chatId": chat["id"], "content": "x" * 4097},
        {"chatId": chat["id"], "content": "x", "type": "image"},
        {"chatId": chat["id"], "content": "x", "type": "system"},
        {"chatId": chat["id"], "content": "x", "attachmentIds": ["nope"]},
        {"chatId": chat["id"], "content": "x", "replyTo": 10**9},
        {"chatId": "abc", "content": "x"},
        {"content": "x"},
        [],
        "text",
    ]
    for body in bad:
        r = await alice.http.post("/api/messages", json=body)
        assert r.status_code == 422, (body, r.text)
        assert set(r.json()["error"]) >= {"code", "message"}
    r = await alice.http.post(
        "/api/messages", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    page = (await alice.http.get(f"/api/chats/{chat['id']}/messages")).json()
    assert page["messages"] == []
    ok = await alice.http.post("/api/messages", json={"chatId": chat["id"], "content": "x" * 4096})
    assert ok.status_code == 201 and ok.json()["seq"] == 1


async def test_text_is_stored_verbatim(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    text = "<img src=x onerror=alert(1)> & «ёжик» 👍🏽\nline two"
    sent = await alice.send(chat["id"], text)
    assert sent["content"] == text
    page = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()
    assert page["messages"][0]["content"] == text


async def test_sending_is_rate_limited(make_server: Any) -> None:
    server: ServerProcess = make_server(
        env={"SHOMIK_RATE_LIMITS_ENABLED": "true", "SHOMIK_RATE_SEND": "3/minute"}
    )
    alice, bob = await register(server), await register(server)
    chat = await alice.private_chat(bob)
    codes = []
    for i in range(4):
        r = await alice.http.post(
            "/api/messages", json={"chatId": chat["id"], "content": f"{i}", "clientId": f"c{i}"}
        )
        codes.append(r.status_code)
    assert codes == [201, 201, 201, 429]
    # A retry of an acknowledged send is not a new send: still answered.
    retry = await alice.http.post(
        "/api/messages", json={"chatId": chat["id"], "content": "0", "clientId": "c0"}
    )
    assert retry.status_code == 200
    ws = await alice.ws()
    reply = await ws.request(
        "message:send", {"chatId": chat["id"], "content": "x", "clientId": "c9"}
    )
    assert reply["type"] == "error" and reply["error"]["code"] == "rate_limited"
    assert reply["error"]["retryAfter"] >= 1
    await alice.aclose()
    await bob.aclose()
