"""Sending, reading, reacting and pinning: the rules and transactions of messages."""

from __future__ import annotations

from typing import Any

import emoji

from shomik.chats import readers
from shomik.chats import repository as chats_repo
from shomik.chats import settings as chat_settings
from shomik.db.engine import WriteTx
from shomik.errors import Conflict, Invalid, NotFound
from shomik.messages import audience, send_checks, send_gate
from shomik.messages import repository as repo
from shomik.messages.events import REACTION_UPDATED, READ_UPDATED
from shomik.messages.schemas import (
    MAX_MESSAGE_LENGTH,
    Message,
    MessageSend,
    ReactionUpdated,
    ReadAck,
    ReadUpdated,
    SharedKind,
)
from shomik.messages.store import StoredAt, check_can_send, insert_message, new_row
from shomik.privacy import withhold
from shomik.realtime.events import Audience, emit
from shomik.services import Services

MAX_DISTINCT_REACTIONS = 20


def _same_send(original: Message, data: MessageSend) -> bool:
    """A retry repeats the request exactly; anything else under the same clientId is a bug
    in the client, refused rather than silently answered with another message."""
    return (
        original.content == data.content
        and original.reply_to == data.reply_to
        and sorted(a.id for a in original.attachments) == sorted(data.attachment_ids)
        and (data.type is None or data.type == original.type)
    )


async def send(
    services: Services, user_id: int, data: MessageSend, *, session: str | None = None
) -> tuple[Message, bool]:
    """Store and fan out a message; returns (message, created). A retry with the same
    clientId returns the stored original and emits nothing. `session`: a socket's, checked
    here (SessionEnded) instead of by the gateway."""
    counted = False
    if services.db.send_batches is not None and _batchable(data):
        await services.limiter.hit("send", str(user_id))
        counted = True
        batched = await _send_batched(services, user_id, data, session)
        if batched is not None:
            return batched, True
    async with services.db.write(chat_id=data.chat_id) as tx:
        gate, stored = await _gate(tx, user_id, data, session)
        peer = gate.peer
        if gate.earlier_id is not None:
            existing = await repo.get(tx.conn, gate.earlier_id)
            if existing is not None:
                (message,) = await repo.hydrate(tx.conn, [existing])
                if not _same_send(message, data):
                    raise Conflict(
                        "This clientId was already used for a different message.",
                        code="client_id_reused",
                    )
                return message, False
        await check_can_send(tx, services, data.chat_id, peer)
        if not counted:
            await services.limiter.hit("send", str(user_id))
        content = data.content.strip()
        if not content and not data.attachment_ids:
            raise Invalid("A message needs text or an attachment.")
        type_ = "text"
        if data.type == "control":
            type_ = await send_checks.check_control(tx, data)
        elif data.attachment_ids:
            chat = await chats_repo.get(tx.conn, data.chat_id)
            secret = bool(chat is not None and chat.secret)
            type_ = await send_checks.check_attachments(tx, user_id, data.attachment_ids, secret)
            if data.type == "file":
                type_ = "file"
        elif data.type not in (None, "text"):
            raise Invalid(f"A {data.type} message needs an attachment.")
        if data.reply_to is not None:
            original = await repo.get(tx.conn, data.reply_to)
            if original is None or original.chat_id != data.chat_id:
                raise Invalid("The replied-to message is not in this chat.")
            if original.type == "control":
                raise Invalid("A control message cannot be replied to.", code="control_message")
        message = await insert_message(
            tx,
            services,
            chat_id=data.chat_id,
            sender_id=user_id,
            type_=type_,
            content=data.content,
            reply_to=data.reply_to,
            client_id=data.client_id,
            attachment_ids=data.attachment_ids,
            withheld=withhold.from_peer(peer, user_id),
            stored_already=stored,
        )
        services.typing.stopped_by_send(data.chat_id, user_id)
        return message, True


def _batchable(data: MessageSend) -> bool:
    """A plain text that nothing can refuse once the gate's statement has stored it."""
    return send_gate.plain_text(data) and len(data.content) <= MAX_MESSAGE_LENGTH


async def _send_batched(
    services: Services, user_id: int, data: MessageSend, session: str | None
) -> Message | None:
    """PostgreSQL (one process or a cluster's): the send's gate and store join its chat's
    open batch of sends (db/sendbatch.py). None when the gate did not let it through as it
    is (a retry, a private chat to tell the other person of, a block, a secret chat):
    nothing was written, and the send goes the usual way."""
    assert services.db.send_batches is not None
    row = new_row(data.chat_id, user_id, "text", data.content, None, data.client_id, None, None)
    params = send_gate.store_params(user_id, session, row)
    batches = services.db.send_batches
    async with batches.store(data.chat_id, send_gate.BATCHED, params, send_gate.wrote) as (
        rows,
        tx,
    ):
        gate = await send_gate.gate_of(tx.conn, rows, user_id, session)
        if not send_gate.wrote(rows):
            return None
        message = await insert_message(
            tx,
            services,
            chat_id=data.chat_id,
            sender_id=user_id,
            type_="text",
            content=data.content,
            client_id=data.client_id,
            withheld=withhold.from_peer(gate.peer, user_id),
            stored_already=(row["created_at"], send_gate.stored_of(rows, user_id)),
        )
        services.typing.stopped_by_send(data.chat_id, user_id)
    return message


async def _gate(
    tx: WriteTx, user_id: int, data: MessageSend, session: str | None
) -> tuple[send_gate.SendGate, StoredAt | None]:
    """The send gate (send_gate.py); on PostgreSQL, a plain text is stored by the gate's
    own statement when the gate lets it through as it is, and the checks below that could
    still refuse it (the rate limit, the content) roll its transaction back."""
    if not (repo.in_one_trip(tx.conn) and send_gate.plain_text(data)):
        return await send_gate.read(tx.conn, data.chat_id, user_id, data.client_id, session), None
    row = new_row(data.chat_id, user_id, "text", data.content, None, data.client_id, None, None)
    gate, stored = await send_gate.read_and_store(tx.conn, user_id, session, row)
    return gate, None if stored is None else (row["created_at"], stored)


async def _message_for_member(tx: WriteTx, user_id: int, message_id: int) -> Any:
    row = await repo.get(tx.conn, message_id)
    if row is None:
        raise NotFound("Message not found.")
    await chats_repo.require_member(tx.conn, row.chat_id, user_id)
    return row


async def mark_read(services: Services, user_id: int, chat_id: int, message_id: int) -> ReadAck:
    async with services.db.write(chat_id=chat_id) as tx:
        member = await chats_repo.require_member(tx.conn, chat_id, user_id)
        row = await repo.get(tx.conn, message_id)
        if row is None or row.chat_id != chat_id:
            raise NotFound("Message not found.")
        if member.marked_unread:  # reading is what the mark asked for
            await chat_settings.clear_marked_unread(tx, services, chat_id, user_id)
        if row.seq <= member.last_read_seq:
            return ReadAck(chat_id=chat_id, seq=member.last_read_seq)
        await readers.mark(tx.conn, chat_id, user_id, row.seq)
        event = ReadUpdated(chat_id=chat_id, user_id=user_id, message_id=row.id, seq=row.seq)
        await emit(tx, services.hub, READ_UPDATED, event, Audience(chat_id=chat_id))
        return ReadAck(chat_id=chat_id, seq=row.seq)


def _check_emoji(value: str) -> None:
    if not emoji.is_emoji(value):
        raise Invalid("A reaction must be a single emoji.", code="invalid_emoji")


async def react(
    services: Services, user_id: int, message_id: int, value: str, add: bool
) -> ReactionUpdated:
    _check_emoji(value)
    async with services.db.write(await repo.write_key(services.db, message_id)) as tx:
        row = await _message_for_member(tx, user_id, message_id)
        chat = await chats_repo.get(tx.conn, row.chat_id)
        if chat is not None and chat.secret:
            # The emoji would be stored in the clear: there they travel encrypted, as
            # control messages (docs/e2ee.md).
            raise Invalid(
                "Reactions in a secret chat are sent encrypted, as control messages.",
                code="secret_chat",
            )
        current = await repo.reactions_of(tx.conn, message_id)
        has = user_id in current.get(value, [])
        if add and not has:
            if value not in current and len(current) >= MAX_DISTINCT_REACTIONS:
                raise Invalid("This message has too many different reactions.")
            await repo.add_reaction(tx.conn, message_id, user_id, value)
        elif not add and has:
            await repo.remove_reaction(tx.conn, message_id, user_id, value)
        else:  # nothing changed: acknowledge, emit nothing
            return ReactionUpdated(chat_id=row.chat_id, message_id=message_id, reactions=current)
        event = ReactionUpdated(
            chat_id=row.chat_id,
            message_id=message_id,
            reactions=await repo.reactions_of(tx.conn, message_id),
        )
        to = await audience.of_message(tx.conn, row.chat_id, message_id)
        if to is not None:
            await emit(tx, services.hub, REACTION_UPDATED, event, to)
        return event


async def history(
    services: Services,
    user_id: int,
    chat_id: int,
    limit: int,
    before: int | None,
    after: int | None,
) -> tuple[list[Message], bool]:
    async with services.db.read() as conn:
        await chats_repo.require_member(conn, chat_id, user_id)
        rows, has_more = await repo.page(conn, user_id, chat_id, limit, before, after)
        return await repo.hydrate(conn, rows), has_more


async def shared(
    services: Services,
    user_id: int,
    chat_id: int,
    kind: SharedKind,
    limit: int,
    before: int | None,
) -> tuple[list[Message], bool]:
    """A page of the chat's shared media, files or links, for its members only."""
    async with services.db.read() as conn:
        await chats_repo.require_member(conn, chat_id, user_id)
        rows, has_more = await repo.shared_page(conn, chat_id, kind, limit, before)
        return await repo.hydrate(conn, rows), has_more
