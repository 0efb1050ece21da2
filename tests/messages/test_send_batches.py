"""PostgreSQL's plain-text sends share transactions (db/sendbatch.py): those of one turn
commit together, in the order they joined, their events in that order; a chat's line waits
only for its own batches; a send the gate does not let through goes on alone; and a send
that fails after its store fails its whole batch, so that nothing of it is stored and
nobody's send is acknowledged. All of it in one process and in a process of a cluster
(whose gate is PostgreSQL's advisory locks and whose ids come under the order lock), and two
processes' batches to the same chats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shomik.app import build_services
from shomik.chats import service as chats
from shomik.chats.schemas import GroupChatCreate
from shomik.db.sendbatch import LINES, BatchFailed, SendBatches
from shomik.db.tables import events, messages
from shomik.errors import Busy, NotFound
from shomik.messages import service as sending
from shomik.messages.schemas import MessageSend
from shomik.services import Services
from tests.inprocess import engine_services, new_user

pytestmark = pytest.mark.postgres


class Boom(Exception):
    pass


@pytest.fixture(params=["postgres", "postgres+cluster"])
async def services(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Services]:
    async with engine_services(request, tmp_path, monkeypatch, link_previews=False) as built:
        assert built.db.clustered == (request.param == "postgres+cluster")
        yield built


@pytest.fixture(params=["postgres+cluster"])
async def cluster_services(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Services]:
    async with engine_services(request, tmp_path, monkeypatch, link_previews=False) as built:
        yield built


def _batches(services: Services) -> SendBatches:
    assert services.db.send_batches is not None
    return services.db.send_batches


async def _group(services: Services) -> tuple[int, int]:
    owner, other = await new_user(services), await new_user(services)
    data = GroupChatCreate(type="group", name="g", participant_ids=[other])
    return (await chats.create_group(services, owner, data)).id, owner


async def _on_one_line(services: Services, count: int) -> list[tuple[int, int]]:
    """`count` groups whose sends share batches: on one line (chat id modulo LINES)."""
    by_line: dict[int, list[tuple[int, int]]] = {}
    while True:
        chat, owner = await _group(services)
        on_line = by_line.setdefault(chat % LINES, [])
        on_line.append((chat, owner))
        if len(on_line) == count:
            return on_line


async def _stored(services: Services, chat_id: int) -> list[tuple[int, str]]:
    async with services.db.read() as conn:
        rows: Any = await conn.execute(
            sa.select(messages.c.seq, messages.c.content)
            .where(messages.c.chat_id == chat_id, messages.c.type == "text")
            .order_by(messages.c.seq)
        )
        return [(int(seq), str(content)) for seq, content in rows]


async def _new_message_events(services: Services) -> list[tuple[int, int]]:
    """(event id, chat) of every `message:new` in the log, in id order."""
    async with services.db.read() as conn:
        rows: Any = await conn.execute(
            sa.select(events.c.id, events.c.chat_id)
            .where(events.c.type == "message:new")
            .order_by(events.c.id)
        )
        return [(int(id_), int(chat)) for id_, chat in rows]


def _send(services: Services, user: int, chat: int, text: str, client: str | None = None) -> Any:
    return sending.send(services, user, MessageSend(chat_id=chat, content=text, client_id=client))


async def test_the_sends_of_one_turn_share_a_batch_in_their_order(services: Services) -> None:
    (a, alice), (b, bob) = await _on_one_line(services, 2)
    before = await _new_message_events(services)
    batches, sends = _batches(services).batches, _batches(services).sends
    plan = [(alice, a, "a1"), (bob, b, "b1"), (alice, a, "a2"), (bob, b, "b2"), (alice, a, "a3")]
    sent = await asyncio.gather(*(_send(services, u, c, t) for u, c, t in plan))
    assert _batches(services).batches == batches + 1
    assert _batches(services).sends == sends + len(plan)
    assert all(created for _, created in sent)
    assert [m.content for m, _ in sent] == [t for _, _, t in plan]
    # Each chat's seqs follow the order the sends joined, and so do the event ids.
    assert await _stored(services, a) == [(2, "a1"), (3, "a2"), (4, "a3")]
    assert await _stored(services, b) == [(2, "b1"), (3, "b2")]
    logged = (await _new_message_events(services))[len(before) :]
    assert [chat for _, chat in logged] == [c for _, c, _ in plan]
    assert [m.seq for m, _ in sent] == [2, 2, 3, 3, 4]


async def test_a_send_failing_after_its_store_fails_its_batch(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a, alice), (b, bob), (c, carol) = await _on_one_line(services, 3)
    stopped = services.typing.stopped_by_send

    def failing(chat_id: int, user_id: int) -> None:  # runs after the store
        if chat_id == b:
            raise Boom("after the store")
        stopped(chat_id, user_id)

    monkeypatch.setattr(services.typing, "stopped_by_send", failing)
    results = await asyncio.gather(
        _send(services, alice, a, "x"),
        _send(services, bob, b, "y"),
        _send(services, carol, c, "z"),
        return_exceptions=True,
    )
    assert isinstance(results[1], Boom)
    # The others were rolled back with it, unacknowledged: a 503 to send again.
    for other in (results[0], results[2]):
        assert isinstance(other, BatchFailed) and isinstance(other, Busy), other
    for chat in (a, b, c):
        assert await _stored(services, chat) == []
    monkeypatch.setattr(services.typing, "stopped_by_send", stopped)
    again, created = await _send(services, alice, a, "x")
    assert created and again.seq == 2  # the rolled-back send took no seq


async def test_a_send_not_let_through_goes_alone(services: Services) -> None:
    (a, alice), (b, _bob) = await _group(services), await _group(services)
    first, _ = await _send(services, alice, a, "once", client="c1")
    results = await asyncio.gather(
        _send(services, alice, a, "once", client="c1"),  # a retry: the original
        _send(services, alice, a, "next"),
        _send(services, alice, b, "not a member"),
        return_exceptions=True,
    )
    retry, sent, refused = results
    assert not isinstance(retry, BaseException) and retry == (first, False)
    assert not isinstance(sent, BaseException) and sent[1] and sent[0].seq == first.seq + 1
    assert isinstance(refused, NotFound)
    assert await _stored(services, a) == [(first.seq, "once"), (first.seq + 1, "next")]
    assert await _stored(services, b) == []


async def test_a_caller_cancelled_before_its_store_fails_its_batch(services: Services) -> None:
    """Its message would be stored with no event to tell anyone: the batch is rolled back."""
    (a, alice), (b, bob) = await _on_one_line(services, 2)
    gone = asyncio.create_task(_send(services, alice, a, "gone"))
    kept = asyncio.create_task(_send(services, bob, b, "kept"))
    await asyncio.sleep(0)  # both joined the batch, whose statement has not run yet
    gone.cancel()
    results = await asyncio.gather(gone, kept, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert isinstance(results[1], BatchFailed)
    assert await _stored(services, a) == [] and await _stored(services, b) == []
    sent, _ = await _send(services, bob, b, "kept")
    assert sent.seq == 2


async def test_a_line_waits_only_for_its_own_batches(services: Services) -> None:
    by_line: dict[int, list[tuple[int, int]]] = {}
    for _ in range(LINES + 1):  # two chats on one line at least
        chat, user = await _group(services)
        by_line.setdefault(chat % LINES, []).append((chat, user))
    line = next(n for n, chats in by_line.items() if len(chats) >= 2)
    (held, holder), (queued, queuer) = by_line[line][:2]
    free, free_user = next(chats[0] for n, chats in by_line.items() if n != line)
    release = asyncio.Event()
    entered = asyncio.Event()

    async def hold() -> None:  # another write of the held chat, in progress
        async with services.db.write(chat_id=held):
            entered.set()
            await release.wait()

    holding = asyncio.create_task(hold())
    await entered.wait()
    waiting = asyncio.create_task(_send(services, holder, held, "waits for the chat"))
    await asyncio.sleep(0.05)  # its batch is waiting for the chat's key by now
    behind = asyncio.create_task(_send(services, queuer, queued, "waits for the line"))
    # A chat on another line goes through meanwhile.
    elsewhere, created = await asyncio.wait_for(_send(services, free_user, free, "free"), 10)
    assert created and elsewhere.content == "free"
    assert not waiting.done() and not behind.done()
    release.set()
    await holding
    assert (await waiting)[0].content == "waits for the chat"
    assert (await behind)[0].content == "waits for the line"


async def test_two_processes_batches_to_the_same_chats_all_commit_in_order(
    cluster_services: Services,
) -> None:
    """Two processes of a cluster batch sends to the same chats, joined in opposite orders:
    each batch takes its chats' keys in sorted order with its BEGIN, so neither waits for the
    other in a circle, and every chat's events carry its seqs in the order of their ids."""
    services = cluster_services
    other = build_services(services.settings)
    try:
        (a, alice), (b, bob) = await _on_one_line(services, 2)
        rounds = 6

        def burst(on: Services, first: str, n: int) -> list[Any]:
            pairs = [(alice, a), (bob, b)] if first == "a" else [(bob, b), (alice, a)]
            return [_send(on, u, c, f"{first}{n}-{c}") for u, c in pairs]

        sends = [s for n in range(rounds) for s in burst(services, "a", n) + burst(other, "b", n)]
        sent = await asyncio.wait_for(asyncio.gather(*sends), 30)
        assert all(created for _, created in sent)
        assert _batches(services).batches > 0 and _batches(other).batches > 0
        for chat in (a, b):
            stored = await _stored(services, chat)
            assert [seq for seq, _ in stored] == list(range(2, 2 + 2 * rounds))
        async with services.db.read() as conn:
            rows: Any = await conn.execute(
                sa.select(events.c.chat_id, events.c.data)
                .where(events.c.type == "message:new")
                .order_by(events.c.id)
            )
            by_chat: dict[int, list[int]] = {}
            for chat, data in rows:
                by_chat.setdefault(int(chat), []).append(int(json.loads(data)["seq"]))
        for chat in (a, b):
            # The group's first message (seq 1, its creation), then every send, in id order.
            assert by_chat[chat] == list(range(1, 2 + 2 * rounds))
    finally:
        await other.db.dispose()
