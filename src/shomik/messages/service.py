"""Sending, reading, reacting and pinning: the rules and transactions of messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import emoji

from shomik.chats import listing, readers
from shomik.chats import repository as chats_repo
from shomik.chats import settings as chat_settings
from shomik.chats.events import CHAT_NEW
from shomik.db.engine import WriteTx
from shomik.errors import Conflict, Forbidden, Invalid, NotFound
from shomik.messages import audience, mentions, send_checks, send_gate
from shomik.messages import changes_repository as changes_store
from shomik.messages import repository as repo
from shomik.messages.events import MESSAGE_NEW, REACTION_UPDATED, READ_UPDATED
from shomik.messages.schemas import (
    ForwardedFrom,
    Message,
    MessageSend,
    ReactionUpdated,
    ReadAck,
    ReadUpdated,
    SharedKind,
)
from shomik.privacy import withhold
from shomik.privacy.repository import PrivatePeer
from shomik.privacy.withhold import Withheld
from shomik.push import service as push
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.uploads import repository as uploads_repo
from shomik.users import repository as users_repo

MAX_DISTINCT_REACTIONS = 20
# A message the send gate's own statement stored (`send`): when it was sent, and what
# storing it learnt.
StoredAt = tuple[datetime, repo.Stored]


async def insert_message(
    tx: WriteTx,
    services: Services,
    *,
    chat_id: int,
    sender_id: int | None,
    type_: str,
    content: str,
    reply_to: int | None = None,
    client_id: str | None = None,
    meta: dict[str, Any] | None = None,
    attachment_ids: list[str] | None = None,
    forwarded_from: ForwardedFrom | None = None,
    withheld: Withheld | None = None,
    stored_already: StoredAt | None = None,
) -> Message:
    """Store a message, advance the chat's sequence and emit `message:new`. Also used for
    system messages (sender None). The hot path of the server: the stored message is built
    from what is known here rather than read back (a new message has no reactions and no
    reader yet, as read positions never pass the chat's last seq). A `withheld` message
    (privacy/withhold.py) reaches its author alone. `stored_already`: the row is stored
    already, by the send gate's statement (`send`)."""
    # Sending means having read everything up to one's own message; a withheld message
    # brings nothing back from anyone's archive.
    unarchive = withheld is None
    mentioned: list[int] = []
    if stored_already is not None:  # stored so only without an "@": no mentions
        created_at, stored = stored_already
    else:
        forwarded = None
        if forwarded_from is not None:
            forwarded = forwarded_from.model_dump(mode="json", by_alias=True)
        row = new_row(chat_id, sender_id, type_, content, reply_to, client_id, meta, forwarded)
        # Mentions are resolved before the row is stored, and only where there can be any.
        if repo.in_one_trip(tx.conn) and (type_ == "system" or "@" not in content):
            stored = await repo.store_in_one(tx.conn, row, unarchive)
        else:
            stored, mentioned = await _store(tx, row, unarchive)
        created_at = row["created_at"]
    seq, secret, expires_at = stored.seq, stored.secret, stored.expires_at
    if type_ != "system":
        send_checks.check_content(content, secret)  # refused: the transaction rolls back
    message_id = stored.message_id
    hidden_for = withheld.hidden_for if withheld else frozenset()
    if seq == 1:
        await reveal_private(tx, services, chat_id, skip=hidden_for)
    if mentioned:
        await mentions.store(tx.conn, chat_id, message_id, seq, mentioned)
    for user_id in hidden_for:
        await changes_store.hide(tx.conn, user_id, chat_id, [message_id])
    await chat_settings.announce_back(tx, services, chat_id, stored.brought_back)
    files = []
    if attachment_ids:
        await uploads_repo.attach(tx.conn, attachment_ids, message_id)
        files = await repo.attachments_of(tx.conn, message_id)
    message = Message(
        id=message_id,
        chat_id=chat_id,
        seq=seq,
        sender_id=sender_id,
        type=type_,
        content=content,
        reply_to=reply_to,
        reply_preview=await repo.reply_preview(tx.conn, reply_to) if reply_to else None,
        attachments=files,
        reactions={},
        read_by=[],
        client_id=client_id,
        meta=meta,
        created_at=created_at,
        edited_at=None,
        deleted_at=None,
        forwarded_from=forwarded_from,
        mentions=mentioned,
        link_preview=None,
        expires_at=expires_at,
    )
    to = Audience(user_id=withheld.author_id) if withheld else Audience(chat_id=chat_id)
    await emit(tx, services.hub, MESSAGE_NEW, message, to)
    if type_ != "system" and not secret:
        services.previews.after_commit(tx, services, message_id, content)
    if withheld is None:
        push.after_message(tx, services, message)
    return message


def new_row(
    chat_id: int,
    sender_id: int | None,
    type_: str,
    content: str,
    reply_to: int | None,
    client_id: str | None,
    meta: dict[str, Any] | None,
    forwarded: dict[str, Any] | None,
) -> dict[str, Any]:
    """A new message's row as `repo.store_in_one` takes it, sent now."""
    return {
        "chat_id": chat_id,
        "sender_id": sender_id,
        "type": type_,
        "content": content,
        "reply_to_id": reply_to,
        "client_id": client_id,
        "meta": meta,
        "created_at": utcnow(),
        "forwarded_from": forwarded,
        "mentions": None,
    }


async def _store(
    tx: WriteTx, row: dict[str, Any], unarchive: bool
) -> tuple[repo.Stored, list[int]]:
    """`repo.store_in_one` statement by statement (SQLite), with the mentions the text
    makes; a secret chat's content is ciphertext: nothing in it to find mentions in."""
    chat_id, sender_id = row["chat_id"], row["sender_id"]
    counted = await repo.next_seq(tx.conn, chat_id, sender_id)
    content = row["content"]
    read_content = row["type"] != "system" and not counted.secret
    mentioned = await mentions.resolve(tx.conn, chat_id, content, sender_id) if read_content else []
    expires_at = expiry_of(row["created_at"], counted.self_destruct_seconds, row["type"])
    full = row | {"seq": counted.last_seq, "mentions": mentioned or None, "expires_at": expires_at}
    message_id = await repo.insert(tx.conn, full)
    back = await chats_repo.after_message(tx.conn, chat_id, sender_id, counted.last_seq, unarchive)
    stored = repo.Stored(message_id, counted.last_seq, counted.secret, expires_at, back)
    return stored, mentioned


def expiry_of(created_at: datetime, seconds: int | None, type_: str) -> datetime | None:
    """When a message sent now self-destructs: the chat's timer (secret chats only) counts
    from the send; system messages (the timer's own note among them) stay."""
    if seconds is None or type_ == "system":
        return None
    return created_at + timedelta(seconds=seconds)


async def reveal_private(
    tx: WriteTx, services: Services, chat_id: int, skip: frozenset[int] = frozenset()
) -> None:
    """The first message of a private chat (or a call placed in it): the other person has
    not been told of the chat yet (chats/service.py `create_private`), so `chat:new` goes
    first, as the chat was before this message, which then arrives as news. Also the first
    message that reaches them after messages withheld from them (a block). Not to `skip`:
    those this message is withheld from."""
    for member_id in await chats_repo.unlisted_members(tx.conn, chat_id):
        if member_id in skip:
            continue
        await chats_repo.list_member(tx.conn, chat_id, member_id)
        (listed,) = await listing.list_for(tx.conn, member_id, chat_id)
        before = listed.model_copy(update={"last_seq": 0, "last_message": None, "unread_count": 0})
        await emit(tx, services.hub, CHAT_NEW, before, Audience(user_id=member_id))


async def check_can_send(
    tx: WriteTx, services: Services, chat_id: int, peer: PrivatePeer | None
) -> None:
    """One does not write into the private chat of someone one blocked. And a message that
    will reach the other person while they were never told of the chat (what was written
    before was withheld from them) tells them of it first, as a first message does."""
    if peer is None:
        return
    if peer.blocked_by_me:
        row = await users_repo.get(tx.conn, peer.user_id)
        name = row.display_name if row is not None else "this user"
        raise Forbidden(f"Unblock {name} to send messages.", code="blocked")
    if not peer.listed and not peer.blocks_me:
        await reveal_private(tx, services, chat_id)


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


async def _gate(
    tx: WriteTx, user_id: int, data: MessageSend, session: str | None
) -> tuple[send_gate.SendGate, StoredAt | None]:
    """The send gate (send_gate.py); on PostgreSQL, a plain text is stored by the gate's
    own statement when the gate lets it through as it is, and the checks below that could
    still refuse it (the rate limit, the content) roll its transaction back."""
    if not (repo.in_one_trip(tx.conn) and _plain_text(data)):
        return await send_gate.read(tx.conn, data.chat_id, user_id, data.client_id, session), None
    row = new_row(data.chat_id, user_id, "text", data.content, None, data.client_id, None, None)
    gate, stored = await send_gate.read_and_store(tx.conn, user_id, session, row)
    return gate, None if stored is None else (row["created_at"], stored)


def _plain_text(data: MessageSend) -> bool:
    """Text alone, with no reply, attachment, or mention to resolve first."""
    return (
        data.type in (None, "text")
        and not data.attachment_ids
        and data.reply_to is None
        and bool(data.content.strip())
        and "@" not in data.content
    )


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
