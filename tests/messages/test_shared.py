"""A chat's shared media, files and links (`GET /api/chats/{id}/shared`): what each kind
lists, its pages, who may see it, and its validation; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ServerProcess, User, register
from tests.uploads import files
from tests.uploads.client import assert_error, uploaded


def url(chat_id: int) -> str:
    return f"/api/chats/{chat_id}/shared"


async def shared(user: User, chat_id: int, kind: str, **params: Any) -> dict[str, Any]:
    r = await user.http.get(url(chat_id), params={"kind": kind, **params})
    assert r.status_code == 200, r.text
    return dict(r.json())


def contents(page: dict[str, Any]) -> list[str]:
    return [m["content"] for m in page["items"]]


async def fill(alice: User, chat_id: int) -> dict[str, Any]:
    """One message of each kind, plus plain text that is none of them."""
    photo = await uploaded(alice, files.image("PNG"), "p.png")
    doc = await uploaded(alice, b"minutes of the meeting\n", "notes.txt", "text/plain")
    as_file = await uploaded(alice, files.image("PNG"), "raw.png")
    return {
        "text": await alice.send(chat_id, "no link here, just http talk"),
        "photo": await alice.send(chat_id, "a photo", attachmentIds=[photo["id"]]),
        "doc": await alice.send(chat_id, "", attachmentIds=[doc["id"]]),
        # An image sent as a file is a file, as in Telegram.
        "as_file": await alice.send(chat_id, "", attachmentIds=[as_file["id"]], type="file"),
        "link": await alice.send(chat_id, "see HTTPS://Example.com/a?b=1 and http://x.org"),
    }


async def check_kinds(alice: User, bob: User) -> None:
    group = await alice.group("shared", bob)
    sent = await fill(alice, group["id"])

    media = await shared(bob, group["id"], "media")
    assert [m["id"] for m in media["items"]] == [sent["photo"]["id"]]
    assert media["items"][0]["attachments"][0]["thumbnailUrl"]
    assert media["hasMore"] is False

    found = await shared(bob, group["id"], "files")
    assert [m["id"] for m in found["items"]] == [sent["as_file"]["id"], sent["doc"]["id"]]
    names = [m["attachments"][0]["name"] for m in found["items"]]
    assert names == ["raw.png", "notes.txt"]

    links = await shared(bob, group["id"], "links")
    assert [m["id"] for m in links["items"]] == [sent["link"]["id"]]


async def test_each_kind_lists_its_messages_newest_first(users: Any) -> None:
    alice, bob = await users(2)
    await check_kinds(alice, bob)


async def test_pages_go_back_by_seq(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    for i in range(7):
        await alice.send(chat["id"], f"https://example.com/{i}")
        await alice.send(chat["id"], f"plain {i}")
    first = await shared(bob, chat["id"], "links", limit=3)
    assert contents(first) == [f"https://example.com/{i}" for i in (6, 5, 4)]
    assert first["hasMore"] is True
    seen = contents(first)
    page = first
    while page["hasMore"]:
        page = await shared(bob, chat["id"], "links", limit=3, before=page["items"][-1]["seq"])
        seen += contents(page)
    assert seen == [f"https://example.com/{i}" for i in range(6, -1, -1)]
    assert len(page["items"]) == 1  # 3 + 3 + 1
    empty = await shared(bob, chat["id"], "media")
    assert empty == {"items": [], "hasMore": False}


async def test_only_members_see_what_was_shared(users: Any) -> None:
    alice, bob, carol, mallory = await users(4)
    group = await alice.group("private things", bob, carol)
    await alice.send(group["id"], "https://example.com/secret")
    assert contents(await shared(carol, group["id"], "links")) == ["https://example.com/secret"]
    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204, r.text
    for outsider in (mallory, carol):  # never a member, and removed: as if no such chat
        for kind in ("media", "files", "links"):
            r = await outsider.http.get(url(group["id"]), params={"kind": kind})
            assert_error(r, 404, "not_found")
    assert_error(await mallory.http.get(url(10**12), params={"kind": "links"}), 404, "not_found")
    r = await bob.http.get(url(group["id"]), params={"kind": "links"})
    assert r.status_code == 200


async def test_bad_input_is_refused(users: Any) -> None:
    alice, bob = await users(2)
    chat = await alice.private_chat(bob)
    bad: list[dict[str, Any]] = [
        {},
        {"kind": "photos"},
        {"kind": ""},
        {"kind": "links", "limit": 0},
        {"kind": "links", "limit": 101},
        {"kind": "links", "limit": "x"},
        {"kind": "links", "before": 0},
        {"kind": "links", "before": 2**63},
    ]
    for params in bad:
        r = await alice.http.get(url(chat["id"]), params=params)
        assert r.status_code == 422, params
    assert (
        await alice.http.get("/api/chats/0/shared", params={"kind": "links"})
    ).status_code == 422
    anonymous = await alice.http.get(
        url(chat["id"]), params={"kind": "links"}, headers={"Authorization": ""}
    )
    assert anonymous.status_code == 401


@pytest.fixture(scope="module")
def pg_server(
    pg_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        Path(tmp_path_factory.mktemp("pg-shared")), env={"SHOMIK_DATABASE_URL": pg_database}
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.mark.postgres
async def test_each_kind_on_postgres(pg_server: ServerProcess) -> None:
    alice, bob = await register(pg_server), await register(pg_server)
    try:
        await check_kinds(alice, bob)
    finally:
        await alice.aclose()
        await bob.aclose()
