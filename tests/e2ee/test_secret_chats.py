"""Secret chats: how they are made (never the ordinary chat of the same people; groups of
at most 50), and what the server does not do with their messages: it stores MLS ciphertext
only (plaintext is refused), finds no mentions or links in it, never indexes or searches it,
and will not forward it. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from tests.chats.support import assert_error, client_id
from tests.e2ee import mls
from tests.e2ee.support import query, secret_chat
from tests.harness import User


async def test_secret_chats_are_their_own_chats(people: Any) -> None:
    alice, bob = await people(2)
    bob_ws = await bob.ws()
    ordinary = await alice.private_chat(bob)
    first = await secret_chat(alice, bob)
    second = await secret_chat(alice, bob)
    assert len({ordinary["id"], first["id"], second["id"]}) == 3
    assert ordinary["secret"] is False
    assert first["secret"] is True and first["type"] == "private"
    assert first["peer"]["id"] == bob.id and first["invitedUserIds"] == []
    # Listed for Bob at once (his devices are about to be welcomed), marked secret.
    news = await bob_ws.expect("chat:new", lambda d: d["id"] == first["id"])
    assert news["data"]["secret"] is True
    listed = (await bob.http.get("/api/chats")).json()["chats"]
    assert {c["id"]: c["secret"] for c in listed} == {first["id"]: True, second["id"]: True}
    group = await secret_chat(alice, bob, name="Plans")
    assert group["type"] == "group" and group["secret"] is True
    assert (await bob.http.get(f"/api/chats/{group['id']}")).json()["secret"] is True
    state = (await alice.http.get(f"/api/e2ee/chats/{group['id']}")).json()
    assert state == {"chatId": group["id"], "epoch": 0, "devices": []}


async def test_secret_chat_creation_rules(people: Any) -> None:
    alice, bob, carol = await people(3)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"type": "private", "userId": alice.id}, 422, "invalid"),
        ({"type": "private", "userId": 10**12}, 422, "unknown_user"),
        ({"type": "group", "name": "  ", "participantIds": [bob.id]}, 422, "invalid"),
        ({"type": "group", "name": "Big", "participantIds": list(range(1, 51))}, 422, "invalid"),
        ({"type": "secret", "userId": bob.id}, 422, "invalid"),
    ]
    for body, status, code in cases:
        assert_error(await alice.http.post("/api/e2ee/chats", json=body), status, code)
    r = await carol.http.post(f"/api/users/{alice.id}/block")
    assert r.status_code == 204, r.text
    for creator, other in ((alice, carol), (carol, alice)):
        body = {"type": "private", "userId": other.id}
        assert_error(await creator.http.post("/api/e2ee/chats", json=body), 403, "blocked")


async def test_a_secret_group_has_at_most_50_members(people: Any) -> None:
    owner, *others = await people(51)
    group = await secret_chat(owner, *others[:49], name="Fifty")
    assert group["memberCount"] == 50
    r = await owner.http.post(
        f"/api/chats/{group['id']}/members", json={"userIds": [others[49].id]}
    )
    assert_error(r, 422, "invalid")
    assert "50" in r.json()["error"]["message"]


async def test_only_ciphertext_is_stored_and_nothing_is_read_from_it(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    plain = f"@{bob.username} look: https://example.com/{client_id()}"
    r = await alice.http.post("/api/messages", json={"chatId": chat["id"], "content": plain})
    assert_error(r, 422, "not_ciphertext")
    ws = await alice.ws()
    err = await ws.request(
        "message:send", {"chatId": chat["id"], "content": plain, "clientId": client_id()}
    )
    assert err["error"]["code"] == "not_ciphertext"

    content = mls.application(20_000)  # a long message: ~27 KB of base64
    sent = await ws.command(
        "message:send", {"chatId": chat["id"], "content": content, "clientId": client_id()}
    )
    assert sent["seq"] == 1  # the refused ones took no seq
    assert sent["content"] == content and sent["mentions"] == [] and sent["linkPreview"] is None
    # The same length in an ordinary chat is still too long.
    ordinary = await alice.private_chat(bob)
    r = await alice.http.post("/api/messages", json={"chatId": ordinary["id"], "content": content})
    assert_error(r, 422, "invalid")

    # Edits: ciphertext for ciphertext only.
    edit = {"messageId": sent["id"], "content": plain}
    assert (await ws.request("message:edit", edit))["error"]["code"] == "not_ciphertext"
    edited = await ws.command(
        "message:edit", {"messageId": sent["id"], "content": mls.application()}
    )
    assert edited["mentions"] == [] and edited["editedAt"] is not None


def _word(content: str) -> str:
    """The longest run of letters and digits in the base64: a "word" to search for."""
    words: list[str] = re.findall(r"[A-Za-z0-9]+", content)
    return max(words, key=len)


async def _search(user: User, q: str, chat_id: int | None = None) -> list[int]:
    params: dict[str, Any] = {"q": q}
    if chat_id is not None:
        params["chatId"] = chat_id
    r = await user.http.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return [hit["message"]["id"] for hit in r.json()["results"]]


async def test_search_never_covers_secret_chats(people: Any) -> None:
    alice, bob = await people(2)
    secret = await secret_chat(alice, bob)
    ordinary = await alice.private_chat(bob)
    content = mls.application(300)
    word = _word(content)
    hidden = await alice.send(secret["id"], content)
    # The same text where search works, the word also on its own: PostgreSQL's parser
    # reads some base64 runs as file paths ("ab/cd"), which would hide the word inside.
    control = await alice.send(ordinary["id"], f"{word} {content}")
    assert await _search(bob, word) == [control["id"]]
    assert await _search(bob, word, ordinary["id"]) == [control["id"]]
    assert await _search(bob, word, secret["id"]) == []
    if "SHOMIK_DATABASE_URL" not in alice.server.env:
        # On SQLite the ciphertext never entered the index at all.
        sql = f"SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"{word}\"'"
        assert await query(alice.server, sql) == [(control["id"],)]
    assert hidden["id"] != control["id"]


async def test_secret_messages_are_not_forwarded_either_way(people: Any) -> None:
    alice, bob = await people(2)
    secret = await secret_chat(alice, bob)
    ordinary = await alice.private_chat(bob)
    hidden = await alice.send(secret["id"], mls.application())
    plain = await alice.send(ordinary["id"], "hello in the clear")
    ws = await alice.ws()
    out = {"messageIds": [hidden["id"]], "toChatId": ordinary["id"], "clientId": client_id()}
    assert (await ws.request("message:forward", out))["error"]["code"] == "secret_chat"
    into = {"messageIds": [plain["id"]], "toChatId": secret["id"], "clientId": client_id()}
    assert (await ws.request("message:forward", into))["error"]["code"] == "not_ciphertext"
