"""The chat list, a member page and a history page cost a fixed number of queries, however
many chats, members, reactions or attachments there are (no N+1). Run in-process against the
services, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from shomik.chats import service as chats
from shomik.chats.schemas import GroupChatCreate
from shomik.messages import pins
from shomik.messages import service as messages
from shomik.messages.schemas import MessageSend
from shomik.services import Services
from tests.inprocess import new_user, quiet_services  # noqa: F401 (a fixture)


@pytest.fixture
def services(quiet_services: Services) -> Services:  # noqa: F811 (the imported fixture)
    return quiet_services


class QueryCounter:
    def __init__(self, services: Services) -> None:
        self.count = 0
        event.listen(services.db.engine.sync_engine, "before_cursor_execute", self._hit)
        if services.db.writer is not None:  # SQLite writes run on their own connection
            event.listen(services.db.writer, "before_cursor_execute", self._hit)

    def _hit(self, *_args: Any) -> None:
        self.count += 1


async def _user(services: Services) -> int:
    return await new_user(services)


async def _fill(services: Services, me: int, others: list[int], chats_n: int) -> list[int]:
    ids = []
    for i in range(chats_n):
        chat = await chats.create_group(
            services, me, GroupChatCreate(type="group", name=f"g{i}", participant_ids=others)
        )
        for j in range(3):
            sent, _ = await messages.send(
                services, others[j % len(others)], MessageSend(chat_id=chat.id, content=f"m{j}")
            )
            await messages.react(services, me, sent.id, "👍", add=True)
        await pins.set_pin(services, me, chat.id, sent.id, pinned=True)
        ids.append(chat.id)
    return ids


async def test_chat_list_query_count_does_not_grow(services: Services) -> None:
    me, *others = [await _user(services) for _ in range(4)]
    counter = QueryCounter(services)
    await _fill(services, me, others, 2)
    counter.count = 0
    few = (await chats.list_chats(services, me)).chats
    small = counter.count
    await _fill(services, me, others, 10)
    # Bigger groups too: members are counted, never loaded, in the list.
    crowd = [await _user(services) for _ in range(12)]
    await _fill(services, me, crowd, 2)
    counter.count = 0
    many = (await chats.list_chats(services, me)).chats
    assert len(few) == 2 and len(many) == 14
    assert counter.count == small, f"{small} queries for 2 chats, {counter.count} for 14"
    assert all(c.last_message and c.pinned_messages for c in many)
    assert {c.member_count for c in many} == {4, 13}
    # A later page costs the same as the first.
    first = await chats.list_chats(services, me, limit=5)
    counter.count = 0
    second = await chats.list_chats(services, me, limit=5, cursor=first.next_cursor)
    assert len(second.chats) == 5 and counter.count == small


async def test_member_page_query_count_does_not_grow(services: Services) -> None:
    me, *others = [await _user(services) for _ in range(13)]
    (chat_id,) = await _fill(services, me, others, 1)
    counter = QueryCounter(services)
    short = await chats.members(services, me, chat_id, 2, None, "")
    small = counter.count
    counter.count = 0
    page = await chats.members(services, me, chat_id, 13, None, "")
    assert len(short.members) == 2 and len(page.members) == 13
    assert counter.count == small, f"{small} queries for 2 members, {counter.count} for 13"


async def test_history_page_query_count_does_not_grow(services: Services) -> None:
    me, *others = [await _user(services) for _ in range(3)]
    (chat_id,) = await _fill(services, me, others, 1)
    counter = QueryCounter(services)
    counter.count = 0
    short, _ = await messages.history(services, me, chat_id, 2, None, None)
    small = counter.count
    for i in range(30):
        sent, _ = await messages.send(
            services, others[i % 2], MessageSend(chat_id=chat_id, content=f"x{i}", reply_to=None)
        )
        await messages.react(services, me, sent.id, "🔥", add=True)
    counter.count = 0
    page, _ = await messages.history(services, me, chat_id, 30, None, None)
    assert len(short) == 2 and len(page) == 30
    assert counter.count == small, f"{small} queries for 2 messages, {counter.count} for 30"


async def test_shared_page_query_count_does_not_grow(services: Services) -> None:
    me, *others = [await _user(services) for _ in range(3)]
    (chat_id,) = await _fill(services, me, others, 1)
    await messages.send(services, me, MessageSend(chat_id=chat_id, content="https://a.example"))
    counter = QueryCounter(services)
    short, _ = await messages.shared(services, me, chat_id, "links", 30, None)
    small = counter.count
    for i in range(20):
        sent, _ = await messages.send(
            services, others[i % 2], MessageSend(chat_id=chat_id, content=f"https://{i}.example")
        )
        await messages.react(services, me, sent.id, "🔥", add=True)
    counter.count = 0
    page, _ = await messages.shared(services, me, chat_id, "links", 30, None)
    assert len(short) == 1 and len(page) == 21
    assert counter.count == small, f"{small} queries for 1 link, {counter.count} for 21"
