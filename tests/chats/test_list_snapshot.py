"""A chat-list page and its totals are read as of one moment. Read apart, a chat archived
between the page's statements was counted by the totals but shown unarchived in the page;
the client then added the chat's own `chat:settings` to that count and showed
"Archived chats (2)" for one archived chat (a failure CI caught in
tests/e2e/test_chat_list_control.py). In-process, on both engines, with the archive
committed deterministically between the page's first and second statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from shomik.chats import service as chats
from shomik.chats import settings as chat_settings
from shomik.chats.schemas import ChatSettingsUpdate, GroupChatCreate
from shomik.db.tables import chat_members
from shomik.messages import service as messages
from shomik.messages.schemas import MessageSend
from shomik.services import Services
from tests.inprocess import new_user, quiet_services  # noqa: F401 (a fixture)


@pytest.fixture
def services(quiet_services: Services) -> Services:  # noqa: F811 (the imported fixture)
    return quiet_services


class _Interrupted:
    """A connection that runs `meanwhile` (another connection's committed write) after its
    first statement, before its second."""

    def __init__(self, conn: Any, meanwhile: Callable[[], Awaitable[None]]) -> None:
        self._conn = conn
        self._meanwhile = meanwhile
        self._statements = 0

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._statements += 1
        if self._statements == 2:
            await self._meanwhile()
        return await self._conn.execute(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _interrupt_reads(
    services: Services, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], Awaitable[None]]
) -> None:
    """Every read the next call takes (`read` or `snapshot`) is interrupted once."""
    db = services.db
    for name in ("read", "snapshot"):
        original = getattr(db, name)

        def wrapped(original: Any = original) -> Any:
            @asynccontextmanager
            async def interrupted() -> AsyncIterator[Any]:
                async with original() as conn:
                    yield _Interrupted(conn, meanwhile)

            return interrupted()

        monkeypatch.setattr(db, name, wrapped)


async def _two_chats(services: Services) -> tuple[int, int, int]:
    """Me, the other member, and the first of two groups with a message from them."""
    me, other = await new_user(services), await new_user(services)
    ids = []
    for name in ("first", "second"):
        chat = await chats.create_group(
            services, me, GroupChatCreate(type="group", name=name, participant_ids=[other])
        )
        await messages.send(services, other, MessageSend(chat_id=chat.id, content="hi"))
        ids.append(chat.id)
    return me, other, ids[0]


async def test_an_archive_between_the_page_and_its_totals_is_in_both_or_neither(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, _, first = await _two_chats(services)

    async def archive() -> None:
        await chat_settings.update(services, me, first, ChatSettingsUpdate(archived=True))

    _interrupt_reads(services, monkeypatch, archive)
    page = await chats.list_chats(services, me)
    shown = sum(c.settings.archived for c in page.chats)
    assert page.archived_count == shown, (page.archived_count, shown)
    unread = sum(c.unread_count for c in page.chats)
    assert page.unread_total == unread, (page.unread_total, unread)


async def test_a_message_between_the_page_and_its_counts_is_in_both_or_neither(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, other, first = await _two_chats(services)

    async def send() -> None:
        await messages.send(services, other, MessageSend(chat_id=first, content="between"))

    _interrupt_reads(services, monkeypatch, send)
    page = await chats.list_chats(services, me)
    # Each chat's unread count agrees with its last seq as the page has it: the client
    # counts a `message:new` with a later seq once more.
    for chat in page.chats:
        assert chat.unread_count == chat.last_seq - chat.last_read_seq, chat
    assert page.unread_total == sum(c.unread_count for c in page.chats)


async def test_a_snapshot_does_not_see_a_commit_made_during_it(services: Services) -> None:
    me, _, first = await _two_chats(services)
    archived = sa.select(sa.func.count()).where(
        chat_members.c.user_id == me, chat_members.c.archived
    )
    async with services.db.snapshot() as conn:
        before = (await conn.execute(archived)).scalar_one()
        await chat_settings.update(services, me, first, ChatSettingsUpdate(archived=True))
        during = (await conn.execute(archived)).scalar_one()
    async with services.db.read() as conn:
        after = (await conn.execute(archived)).scalar_one()
    assert (before, during, after) == (0, 0, 1)
