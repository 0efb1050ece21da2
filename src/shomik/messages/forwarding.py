"""Forwarding: copies of messages the forwarder may read, into a chat they may write to.
Each copy is a new message (`message:new`) with `forwardedFrom` naming the original author
(kept through re-forwards, as Telegram does); attachments are not uploaded again: the copy
gets its own attachment rows over the same stored files, so deleting the original never
takes the copy's files. Idempotent by `clientId` like `message:send`: copy i is stored with
clientId "<clientId>:<i>", and a retry returns the stored copies."""

from __future__ import annotations

from typing import Any

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.errors import Conflict, Invalid, NotFound
from shomik.messages import changes_repository as store
from shomik.messages import repository as repo
from shomik.messages.schemas import ForwardedFrom, Message, MessageForward
from shomik.messages.store import check_can_send, insert_message
from shomik.privacy import repository as privacy_repo
from shomik.privacy import withhold
from shomik.services import Services
from shomik.uploads.service import copy_rows
from shomik.users import repository as users_repo


async def forward(services: Services, user_id: int, data: MessageForward) -> list[Message]:
    async with services.db.write() as tx:
        await chats_repo.require_member(tx.conn, data.to_chat_id, user_id)
        stored = await _stored_copies(tx, user_id, data)
        if stored is not None:
            return stored
        peer = await privacy_repo.private_peer(tx.conn, data.to_chat_id, user_id)
        await check_can_send(tx, services, data.to_chat_id, peer)
        await services.limiter.hit("send", str(user_id))
        originals = await _readable(tx, user_id, data.message_ids)
        authors = await _names(tx, {r.sender_id for r in originals if r.sender_id is not None})
        copies = []
        for index, row in enumerate(originals):
            if row.forwarded_from:
                origin = ForwardedFrom.model_validate(row.forwarded_from)
            else:
                origin = ForwardedFrom(
                    user_id=row.sender_id,
                    display_name=authors.get(row.sender_id, "Deleted account"),
                    chat_id=row.chat_id,
                    message_id=row.id,
                    sent_at=row.created_at,
                )
            files = await copy_rows(tx, row.id, user_id)
            copies.append(
                await insert_message(
                    tx,
                    services,
                    chat_id=data.to_chat_id,
                    sender_id=user_id,
                    type_=row.type,
                    content=row.content,
                    client_id=f"{data.client_id}:{index}",
                    attachment_ids=files,
                    forwarded_from=origin,
                    withheld=withhold.from_peer(peer, user_id),
                )
            )
        return copies


async def _stored_copies(tx: WriteTx, user_id: int, data: MessageForward) -> list[Message] | None:
    first = await repo.by_client_id(tx.conn, user_id, data.to_chat_id, f"{data.client_id}:0")
    if first is None:
        return None
    rows = []
    for index in range(len(data.message_ids)):
        client_id = f"{data.client_id}:{index}"
        row = await repo.by_client_id(tx.conn, user_id, data.to_chat_id, client_id)
        if row is None:
            raise Conflict(
                "This clientId was already used for a different forward.", code="client_id_reused"
            )
        rows.append(row)
    return await repo.hydrate(tx.conn, rows)


async def _readable(tx: WriteTx, user_id: int, ids: list[int]) -> list[Any]:
    """The originals, of one chat the user is in now, that they may still see, in order."""
    unique = list(dict.fromkeys(ids))
    rows = await store.get_many(tx.conn, unique, visible_for=user_id)
    if len(rows) != len(unique):
        raise NotFound("Message not found.")
    if len({r.chat_id for r in rows}) != 1:
        raise Invalid("Forward messages of one chat at a time.")
    await chats_repo.require_member(tx.conn, rows[0].chat_id, user_id)
    source = await chats_repo.get(tx.conn, rows[0].chat_id)
    if source is not None and source.secret:
        # Ciphertext means nothing outside its group; a client re-encrypts instead.
        raise Invalid("Messages of a secret chat cannot be forwarded.", code="secret_chat")
    if any(r.type == "system" for r in rows):
        raise Invalid("System messages cannot be forwarded.")
    return sorted(rows, key=lambda r: r.seq)


async def _names(tx: WriteTx, user_ids: set[int]) -> dict[int, str]:
    found = await users_repo.get_many(tx.conn, list(user_ids)) if user_ids else {}
    return {uid: str(row.display_name) for uid, row in found.items()}
