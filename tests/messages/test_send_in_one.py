"""A plain text on PostgreSQL is stored by the send gate's own statement
(messages/send_gate.py `read_and_store`), and only when the gate lets it through as it is:
whatever the gate or a later check refuses leaves nothing written. The same sends run on
SQLite, where the gate and the store are apart, and must end the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shomik.chats import service as chats
from shomik.chats.schemas import GroupChatCreate, PrivateChatCreate
from shomik.db import fast
from shomik.db.tables import chat_members, hidden_messages, messages
from shomik.errors import Forbidden, NotFound, RateLimited, SessionEnded
from shomik.messages import repository as repo
from shomik.messages import send_gate
from shomik.messages import service as sending
from shomik.messages.schemas import MessageSend
from shomik.privacy import service as privacy
from shomik.services import Services
from tests.inprocess import ENGINE_PARAMS, engine_services, new_user


@pytest.fixture(params=ENGINE_PARAMS)
async def services(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Services]:
    async with engine_services(
        request, tmp_path, monkeypatch, link_previews=False, rate_limits_enabled=True,
        rate_send="3/minute",
    ) as built:  # fmt: skip
        yield built


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The hot statements run through db/fast.py, in order."""
    ran: list[Any] = []
    original = fast.fetch

    async def fetch(conn: Any, hot: fast.Hot, params: Any) -> Any:
        ran.append(hot)
        return await original(conn, hot, params)

    monkeypatch.setattr(fast, "fetch", fetch)
    return ran


def _postgres(services: Services) -> bool:
    return not services.settings.is_sqlite


async def _written(services: Services, chat_id: int) -> tuple[int, int]:
    """The chat's messages and the highest read position of its members."""
    async with services.db.read() as conn:
        count = (
            await conn.execute(sa.select(sa.func.count()).where(messages.c.chat_id == chat_id))
        ).scalar_one()
        read = (
            await conn.execute(
                sa.select(sa.func.max(chat_members.c.last_read_seq)).where(
                    chat_members.c.chat_id == chat_id
                )
            )
        ).scalar_one()
    return int(count), int(read or 0)


async def _group(services: Services, owner: int, *others: int) -> int:
    data = GroupChatCreate(type="group", name="g", participant_ids=list(others))
    return (await chats.create_group(services, owner, data)).id


async def test_a_plain_text_is_stored_by_the_gates_statement(
    services: Services, statements: list[Any]
) -> None:
    me, other = await new_user(services), await new_user(services)
    chat_id = await _group(services, me, other)
    count, last = await _written(services, chat_id)  # the group's "created" note
    statements.clear()
    sent, created = await sending.send(
        services, me, MessageSend(chat_id=chat_id, content="hello", client_id="c1")
    )
    assert created and sent.seq == last + 1 and sent.content == "hello"
    assert await _written(services, chat_id) == (count + 1, sent.seq)  # read their own
    async with services.db.read() as conn:
        stored = await repo.get(conn, sent.id)
    assert stored is not None and stored.client_id == "c1" and stored.seq == sent.seq
    if _postgres(services):  # in a batch of sends (db/sendbatch.py), not one by one
        assert services.db.send_batches is not None and services.db.send_batches.sends == 1
        assert send_gate._GATED_HOT not in statements
        assert send_gate._GATE_HOT not in statements
        assert repo._SENT_IN_ONE not in statements


async def test_a_retry_returns_the_original_and_writes_nothing(
    services: Services, statements: list[Any]
) -> None:
    me, other = await new_user(services), await new_user(services)
    chat_id = await _group(services, me, other)
    data = MessageSend(chat_id=chat_id, content="once", client_id="same")
    first, _ = await sending.send(services, me, data)
    written = await _written(services, chat_id)
    statements.clear()
    again, created = await sending.send(services, me, data)
    assert not created and again.id == first.id
    assert await _written(services, chat_id) == written
    if _postgres(services):
        assert statements[0] is send_gate._GATED_HOT


async def test_a_non_member_or_an_ended_session_writes_nothing(services: Services) -> None:
    me, other, stranger = [await new_user(services) for _ in range(3)]
    chat_id = await _group(services, me, other)
    written = await _written(services, chat_id)
    with pytest.raises(NotFound):
        await sending.send(services, stranger, MessageSend(chat_id=chat_id, content="hi"))
    with pytest.raises(SessionEnded):
        await sending.send(services, me, MessageSend(chat_id=chat_id, content="hi"), session="gone")
    assert await _written(services, chat_id) == written  # and the seq stays where it was
    sent, _ = await sending.send(services, me, MessageSend(chat_id=chat_id, content="in"))
    assert sent.seq == written[1] + 1


async def test_a_send_over_the_rate_limit_rolls_back(services: Services) -> None:
    me, other = await new_user(services), await new_user(services)
    chat_id = await _group(services, me, other)
    for n in range(3):
        await sending.send(services, me, MessageSend(chat_id=chat_id, content=f"m{n}"))
    written = await _written(services, chat_id)
    with pytest.raises(RateLimited):
        await sending.send(services, me, MessageSend(chat_id=chat_id, content="one too many"))
    assert await _written(services, chat_id) == written
    sent, _ = await sending.send(services, other, MessageSend(chat_id=chat_id, content="next"))
    assert sent.seq == written[1] + 1  # the refused send took no seq


async def test_blocks_in_a_private_chat_take_the_long_way(services: Services) -> None:
    me, peer = await new_user(services), await new_user(services)
    chat, _ = await chats.create_private(
        services, me, PrivateChatCreate(type="private", user_id=peer)
    )
    await sending.send(services, me, MessageSend(chat_id=chat.id, content="first"))
    await privacy.block(services, me, peer)
    with pytest.raises(Forbidden):
        await sending.send(services, me, MessageSend(chat_id=chat.id, content="blocked"))
    assert (await _written(services, chat.id))[0] == 1
    # The peer blocked by me writes on: stored, and withheld from me.
    sent, created = await sending.send(services, peer, MessageSend(chat_id=chat.id, content="hi"))
    assert created and sent.seq == 2
    async with services.db.read() as conn:
        hidden = await conn.execute(
            sa.select(hidden_messages.c.user_id).where(hidden_messages.c.message_id == sent.id)
        )
        assert [row[0] for row in hidden] == [me]
