"""SQLite's full-text index is filled after the commit (messages/search_index.py): a search
still finds every committed message, edits and deletions made before or after a message
was indexed leave only its current words findable, and a backlog is worked off in batches."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from shomik.chats import service as chats
from shomik.chats.schemas import GroupChatCreate
from shomik.messages import changes, search_index, search_service
from shomik.messages import service as messages
from shomik.messages.schemas import MessageSend
from shomik.services import Services
from tests.inprocess import new_user, quiet_services  # noqa: F401 (a fixture)

# PostgreSQL's GIN index is kept by PostgreSQL in the writing transaction: nothing to test.
pytestmark = pytest.mark.parametrize("quiet_services", ["sqlite"], indirect=True)


@pytest.fixture
def services(quiet_services: Services) -> Services:  # noqa: F811 (the imported fixture)
    return quiet_services


async def _indexed(services: Services, word: str) -> list[int]:
    async with services.db.quick_read() as conn:
        match = sa.text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :w ORDER BY 1")
        return [row[0] for row in (await conn.execute(match, {"w": f'"{word}"'})).all()]


async def _found(services: Services, user_id: int, q: str) -> list[int]:
    page = await search_service.search(services, user_id, q, None, 20, None)
    return [result.message.id for result in page.results]


async def _chat(services: Services) -> tuple[int, int, int]:
    me, other = await new_user(services), await new_user(services)
    group = GroupChatCreate(type="group", name="g", participant_ids=[other])
    return me, other, (await chats.create_group(services, me, group)).id


async def _send(services: Services, user_id: int, chat_id: int, text: str) -> Any:
    message, _ = await messages.send(services, user_id, MessageSend(chat_id=chat_id, content=text))
    return message


async def test_a_message_is_indexed_after_its_send_and_found_at_once(services: Services) -> None:
    me, other, chat_id = await _chat(services)
    sent = await _send(services, me, chat_id, "fresh pineapple")
    # The send's own transaction no longer touches the index...
    assert await _indexed(services, "pineapple") == []
    # ...and a search indexes what is waiting before it looks.
    assert await _found(services, other, "pineapple") == [sent.id]
    assert await _indexed(services, "pineapple") == [sent.id]


async def test_edits_and_deletions_before_and_after_indexing(services: Services) -> None:
    me, other, chat_id = await _chat(services)
    early = await _send(services, me, chat_id, "walrus early")
    gone = await _send(services, me, chat_id, "walrus gone")
    # Before the indexer saw them: indexed later as they are by then.
    await changes.edit(services, me, early.id, "narwhal early")
    await changes.delete(services, me, [gone.id], for_everyone=True)
    await search_index.index_pending(services)
    assert await _indexed(services, "walrus") == []
    assert await _found(services, other, "narwhal") == [early.id]
    # After: the triggers replace and remove the indexed words.
    late = await _send(services, me, chat_id, "beluga late")
    await search_index.index_pending(services)
    await changes.edit(services, me, late.id, "orca late")
    assert await _indexed(services, "beluga") == []
    assert await _found(services, other, "orca") == [late.id]
    await changes.delete(services, me, [late.id], for_everyone=True)
    assert await _indexed(services, "orca") == []


async def test_a_backlog_is_indexed_in_batches(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "BATCH", 3)
    me, _, chat_id = await _chat(services)
    sent = [await _send(services, me, chat_id, f"kiwi number{i}") for i in range(8)]
    transactions = 0
    write = services.db.write

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal transactions
        transactions += 1
        return write(*args, **kwargs)

    monkeypatch.setattr(services.db, "write", counted)
    await search_index.index_pending(services)
    assert await _indexed(services, "kiwi") == [m.id for m in sent]
    # The group's creation note and eight messages, three to a transaction.
    assert transactions == 3
