"""Search and the page around a message: the rules of who finds what (only chats one is a
member of now, nothing deleted for everyone or hidden for oneself, no system notes)."""

from __future__ import annotations

from typing import Any

from shomik.chats import repository as chats_repo
from shomik.chats.schemas import ChatInfo
from shomik.db.engine import Conn
from shomik.errors import Invalid
from shomik.messages import repository as repo
from shomik.messages import search as search_repo
from shomik.messages import search_index
from shomik.messages.schemas import Message
from shomik.messages.search_schemas import MAX_QUERY, SearchPage, SearchResult
from shomik.messages.snippet import snippet
from shomik.services import Services
from shomik.users import service as users_service

# Chats found by name on a first page: a screenful.
CHATS_LIMIT = 20


def _check_query(q: str) -> str:
    q = q.strip()
    if not q:
        raise Invalid("Type something to search for.", field="q")
    if len(q) > MAX_QUERY:
        raise Invalid(f"A search is at most {MAX_QUERY} characters.", field="q")
    return q


async def search(
    services: Services,
    user_id: int,
    q: str,
    chat_id: int | None,
    limit: int,
    before: int | None,
) -> SearchPage:
    """Messages matching every word of `q` (as word prefixes), newest first; page on with
    `before` = the id of the last message. The first page of a search across all chats also
    lists the user's chats and the people matching `q` by name."""
    q = _check_query(q)
    tokens = search_repo.words(q)
    first_everywhere = chat_id is None and before is None
    # SQLite indexes after the commit: what is committed but not indexed yet, first.
    await search_index.index_pending(services)
    # A transaction (PostgreSQL: not an autocommit read), for the `SET LOCAL` that makes
    # the search plan with the actual words (search.py `find`); outside one it is ignored,
    # and the generic plan took 0.9 s for a common word in 100,000 messages.
    async with services.db.snapshot() as conn:
        if chat_id is not None:
            await chats_repo.require_member(conn, chat_id, user_id)
        rows: list[Any] = []
        has_more = False
        if tokens:
            rows, has_more = await search_repo.find(conn, user_id, tokens, chat_id, limit, before)
        found = await repo.hydrate(conn, rows)
        chats = await _chats_named(conn, user_id, q) if first_everywhere else []
    people = await users_service.search(services, user_id, q) if first_everywhere else []
    results = [
        SearchResult(message=m, chat_id=m.chat_id, snippet=snippet(m.content, tokens))
        for m in found
    ]
    return SearchPage(results=results, has_more=has_more, chats=chats, users=people)


async def _chats_named(conn: Conn, user_id: int, q: str) -> list[ChatInfo]:
    needle = q.casefold()
    ids = [
        chat_id
        for chat_id, names in await search_repo.chats_named(conn, user_id)
        if any(needle in name.casefold() for name in names)
    ][:CHATS_LIMIT]
    if not ids:
        return []
    rows = {r.id: r for r in await search_repo.chats_by_id(conn, ids)}
    private = [i for i in ids if rows[i].type == "private"]
    peers = await chats_repo.peers_of(conn, user_id, private)
    return [chats_repo.heading(rows[i], peers.get(i)) for i in ids]


async def around(
    services: Services, user_id: int, chat_id: int, seq: int, limit: int
) -> tuple[list[Message], bool, bool]:
    """The page of history holding message `seq`, for members only: (messages ascending,
    older ones exist, newer ones exist)."""
    async with services.db.read() as conn:
        await chats_repo.require_member(conn, chat_id, user_id)
        rows, has_older, has_newer = await search_repo.around(conn, user_id, chat_id, seq, limit)
        return await repo.hydrate(conn, rows), has_older, has_newer
