"""GET /api/search and history `around=`, on SQLite and on PostgreSQL: words in Russian and
English, prefixes, case, snippets, paging, and who may find what."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.harness import ServerProcess, User, register


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def search_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = {}
    if request.param == "postgres":
        env["SHOMIK_DATABASE_URL"] = request.getfixturevalue("pg_database")
    proc = ServerProcess(Path(tmp_path_factory.mktemp(f"search-{request.param}")), env)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def people(search_server: ServerProcess) -> AsyncIterator[list[User]]:
    batch = [await register(search_server) for _ in range(3)]
    yield batch
    for user in batch:
        await user.aclose()


async def sql(server: ServerProcess, statement: str, *args: Any) -> None:
    """Change the server's database behind its back (the edit and delete commands are
    tested elsewhere; here what matters is that the index follows the rows)."""
    url = server.env.get("SHOMIK_DATABASE_URL")
    if url is None:
        with sqlite3.connect(server.data_dir / "shomik.db") as db:
            db.execute(statement.replace("$1", "?").replace("$2", "?").replace("$3", "?"), args)
        return
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


def marker() -> str:
    """A word no other test writes, to keep each test's results its own."""
    return "mk" + uuid.uuid4().hex[:10]


async def find(user: User, q: str, **params: Any) -> Any:
    r = await user.http.get("/api/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def contents(page: Any) -> list[str]:
    return [r["message"]["content"] for r in page["results"]]


async def test_russian_and_english_words_prefixes_and_case(people: list[User]) -> None:
    alice, bob, _ = people
    chat = await alice.private_chat(bob)
    mk = marker()
    ru = await alice.send(chat["id"], f"{mk} Привет! Встретимся в ПОНЕДЕЛЬНИК с приветом")
    en = await bob.send(chat["id"], f"{mk} Hello World, the Meeting is on monday")
    assert contents(await find(bob, f"{mk} привет")) == [ru["content"]]
    assert contents(await find(bob, f"{mk} ПРИВЕТ")) == [ru["content"]]
    assert contents(await find(bob, f"{mk} прив встрет")) == [ru["content"]]  # prefixes
    assert contents(await find(bob, f"{mk} понедельник")) == [ru["content"]]
    assert contents(await find(alice, f"{mk} hello")) == [en["content"]]
    assert contents(await find(alice, f"{mk} MEET")) == [en["content"]]
    # Every word must match; a word is not found from its middle.
    assert contents(await find(alice, f"{mk} hello привет")) == []
    assert contents(await find(alice, f"{mk} ello")) == []
    # Newest first.
    assert contents(await find(alice, mk)) == [en["content"], ru["content"]]
    result = (await find(alice, f"{mk} hello"))["results"][0]
    assert result["chatId"] == chat["id"] and result["message"]["id"] == en["id"]


async def test_snippet_marks_matches_and_keeps_html_as_text(people: list[User]) -> None:
    alice, bob, _ = people
    chat = await alice.private_chat(bob)
    mk = marker()
    text = f"<b>{mk}</b> <img src=x onerror=alert(1)> зебра & Зебры"
    await alice.send(chat["id"], text)
    (result,) = (await find(bob, f"{mk} зебр"))["results"]
    snippet = result["snippet"]
    assert "".join(p["text"] for p in snippet) == text
    assert [p["text"] for p in snippet if p["match"]] == [mk, "зебра", "Зебры"]
    assert snippet[0] == {"text": "<b>", "match": False}
    # A long text: the window opens near the first match, with ellipses.
    long = " ".join(["слово"] * 60) + f" {mk}target " + " ".join(["word"] * 60)
    await alice.send(chat["id"], long)
    (result,) = (await find(bob, f"{mk}target"))["results"]
    snippet = result["snippet"]
    assert snippet[0]["text"].startswith("…") and snippet[-1]["text"].endswith("…")
    assert [p["text"] for p in snippet if p["match"]] == [f"{mk}target"]
    assert len("".join(p["text"] for p in snippet)) <= 170


async def test_pages_newest_first_with_before(people: list[User]) -> None:
    alice, bob, _ = people
    chat = await alice.private_chat(bob)
    mk = marker()
    sent = [await alice.send(chat["id"], f"{mk} number {i}") for i in range(5)]
    ids = [m["id"] for m in reversed(sent)]
    first = await find(bob, mk, limit=2)
    assert [r["message"]["id"] for r in first["results"]] == ids[:2] and first["hasMore"]
    second = await find(bob, mk, limit=2, before=ids[1])
    assert [r["message"]["id"] for r in second["results"]] == ids[2:4] and second["hasMore"]
    third = await find(bob, mk, limit=2, before=ids[3])
    assert [r["message"]["id"] for r in third["results"]] == ids[4:] and not third["hasMore"]
    # Chats and people come with the first page across all chats only.
    assert second["chats"] == [] and second["users"] == []


async def test_only_chats_one_is_a_member_of_now(people: list[User]) -> None:
    alice, bob, carol = people
    mk = marker()
    group = await alice.group(f"{mk} group", bob, carol)
    private = await alice.private_chat(bob)
    await alice.send(group["id"], f"{mk} for the group")
    await alice.send(private["id"], f"{mk} for bob only")
    assert len((await find(bob, mk))["results"]) == 2
    assert contents(await find(carol, mk)) == [f"{mk} for the group"]
    assert contents(await find(bob, mk, chatId=private["id"])) == [f"{mk} for bob only"]
    r = await carol.http.get("/api/search", params={"q": mk, "chatId": private["id"]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = await carol.http.get("/api/search", params={"q": mk, "chatId": 10**12})
    assert r.status_code == 404
    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204
    assert (await find(carol, mk))["results"] == []
    r = await carol.http.get("/api/search", params={"q": mk, "chatId": group["id"]})
    assert r.status_code == 404


async def test_deleted_hidden_and_system_messages_are_not_found(
    people: list[User], search_server: ServerProcess
) -> None:
    alice, bob, _ = people
    mk = marker()
    group = await alice.group(f"{mk} crew", bob)  # its creation note is a system message
    kept = await alice.send(group["id"], f"{mk} kept")
    gone = await alice.send(group["id"], f"{mk} deleted for everyone")
    hidden = await alice.send(group["id"], f"{mk} hidden for bob")
    await sql(
        search_server,
        "UPDATE messages SET content = '', deleted_at = created_at WHERE id = $1",
        gone["id"],
    )
    await sql(
        search_server,
        "INSERT INTO hidden_messages (user_id, message_id, chat_id) VALUES ($1, $2, $3)",
        bob.id,
        hidden["id"],
        group["id"],
    )
    assert contents(await find(bob, mk)) == [kept["content"]]
    assert contents(await find(alice, mk)) == [hidden["content"], kept["content"]]
    assert (await find(alice, f"{mk} everyone"))["results"] == []
    assert (await find(alice, "crew", chatId=group["id"]))["results"] == []


async def test_an_edit_is_found_by_its_new_words_only(
    people: list[User], search_server: ServerProcess
) -> None:
    alice, bob, _ = people
    chat = await alice.private_chat(bob)
    mk = marker()
    sent = await alice.send(chat["id"], f"{mk} typo oldword")
    await sql(
        search_server,
        "UPDATE messages SET content = $1, edited_at = created_at WHERE id = $2",
        f"{mk} fixed новоеслово",
        sent["id"],
    )
    assert (await find(bob, f"{mk} oldword"))["results"] == []
    assert contents(await find(bob, f"{mk} новоеслово")) == [f"{mk} fixed новоеслово"]


async def test_chats_and_people_by_name_on_the_first_page(people: list[User]) -> None:
    alice, bob, carol = people
    mk = marker()
    group = await alice.group(f"Команда {mk.upper()}", carol)
    await alice.private_chat(bob)
    page = await find(alice, mk)
    assert [c["id"] for c in page["chats"]] == [group["id"]]
    by_peer = await find(alice, bob.me["displayName"].upper())
    assert any(
        c["type"] == "private" and c["peer"]["id"] == bob.id and c["memberCount"] == 2
        for c in by_peer["chats"]
    )
    assert [u["id"] for u in (await find(alice, bob.username))["users"]] == [bob.id]
    # Not within one chat, nor for others.
    assert (await find(alice, mk, chatId=group["id"]))["chats"] == []
    assert (await find(bob, mk))["chats"] == []


async def test_bad_queries(people: list[User]) -> None:
    alice, bob, _ = people
    chat = await alice.private_chat(bob)
    mk = marker()
    await alice.send(chat["id"], f'{mk} "quoted" AND NEAR(x y) a*b -minus')
    for q in ("", "   ", "x" * 257):
        r = await alice.http.get("/api/search", params={"q": q})
        assert r.status_code == 422, q
        error = r.json()["error"]
        assert error["code"] == "invalid" and error["message"]
    r = await alice.http.get("/api/search")
    assert r.status_code == 422
    for params in ({"limit": 0}, {"limit": 51}, {"before": 0}, {"chatId": "x"}):
        r = await alice.http.get("/api/search", params={"q": "x", **params})
        assert r.status_code == 422, params
    assert (await find(alice, "x" * 256))["results"] == []
    # FTS syntax is text: it neither breaks the query nor changes its meaning.
    syntax = ['"', "'", '" OR "', "AND", "NEAR(a b)", "*", "-", ":*", "&|!()", "a:*", "\\"]
    for q in syntax:
        await find(alice, q)
    assert len((await find(alice, f'{mk} "quoted" AND NEAR'))["results"]) == 1
    assert len((await find(alice, f"{mk} minus*"))["results"]) == 1


async def test_history_around_a_message(people: list[User], search_server: ServerProcess) -> None:
    alice, bob, carol = people
    chat = await alice.private_chat(bob)
    sent = [await alice.send(chat["id"], f"m{i}") for i in range(1, 31)]  # seqs 1..30
    url = f"/api/chats/{chat['id']}/messages"

    async def around(seq: int, limit: int, user: User = bob) -> Any:
        r = await user.http.get(url, params={"around": seq, "limit": limit})
        assert r.status_code == 200, r.text
        return r.json()

    page = await around(15, 10)
    assert [m["seq"] for m in page["messages"]] == list(range(10, 20))
    assert page["hasMore"] is True and page["hasNewer"] is True
    start = await around(2, 10)
    assert [m["seq"] for m in start["messages"]] == list(range(1, 11))
    assert start["hasMore"] is False and start["hasNewer"] is True
    end = await around(29, 10)
    assert [m["seq"] for m in end["messages"]] == list(range(21, 31))
    assert end["hasMore"] is True and end["hasNewer"] is False
    whole = await around(5, 50)
    assert len(whole["messages"]) == 30 and not whole["hasMore"] and not whole["hasNewer"]
    # Other pages keep their shape; hasNewer is only computed around a message.
    assert (await bob.http.get(url)).json()["hasNewer"] is None
    # Deleted for everyone and hidden for the reader are left out.
    await sql(
        search_server, "UPDATE messages SET deleted_at = created_at WHERE id = $1", sent[14]["id"]
    )
    await sql(
        search_server,
        "INSERT INTO hidden_messages (user_id, message_id, chat_id) VALUES ($1, $2, $3)",
        bob.id,
        sent[15]["id"],
        chat["id"],
    )
    page = await around(15, 4)
    assert [m["seq"] for m in page["messages"]] == [13, 14, 17, 18]
    assert [m["seq"] for m in (await around(15, 4, alice))["messages"]] == [13, 14, 16, 17]
    for params in ({"around": 5, "before": 9}, {"around": 0}, {"around": 5, "limit": 101}):
        r = await bob.http.get(url, params=params)
        assert r.status_code == 422, params
    r = await carol.http.get(url, params={"around": 5})
    assert r.status_code == 404
