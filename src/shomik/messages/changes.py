"""Editing and deleting messages.

Edit: the author's own text or caption, within SHOMIK_EDIT_WINDOW_SECONDS (48 h); never a
system message. Delete for everyone: one's own messages anywhere; any message for a group's
owner and admins; the other side's too in a private chat (as Telegram allows). Such a message
keeps its row and seq (so history has no holes to explain) with its text cleared, its
reactions, pins, mentions and attachments gone; a file leaves the disk once no remaining
attachment row uses it (a forwarded copy has its own row). Delete for me hides messages for
one user on all their devices."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.errors import Forbidden, Invalid, NotFound
from shomik.messages import audience
from shomik.messages import changes_repository as store
from shomik.messages import mentions as mentions_mod
from shomik.messages import repository as repo
from shomik.messages.events import MESSAGE_DELETED, MESSAGE_UPDATED, PIN_UPDATED
from shomik.messages.schemas import Message, MessagesDeleted, PinUpdated
from shomik.messages.send_checks import check_content
from shomik.previews import service as previews
from shomik.realtime.events import Audience, emit
from shomik.schemas import as_utc, utcnow
from shomik.services import Services

ADMINS = ("owner", "admin")


async def edit(services: Services, user_id: int, message_id: int, content: str) -> Message:
    async with services.db.write(await repo.write_key(services.db, message_id)) as tx:
        row = await repo.get(tx.conn, message_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("Message not found.")
        await chats_repo.require_member(tx.conn, row.chat_id, user_id)
        if row.type in ("system", "control"):
            what = row.type.capitalize()
            raise Invalid(f"{what} messages cannot be edited.", code="not_editable")
        if row.sender_id != user_id:
            raise Forbidden("You can only edit your own messages.")
        window = services.settings.edit_window_seconds
        if utcnow() - as_utc(row.created_at) > timedelta(seconds=window):
            hours = window // 3600
            raise Invalid(
                f"Messages can be edited for {hours} hours after sending.", code="edit_expired"
            )
        text = content.strip()
        if not text and row.type == "text":
            raise Invalid("A message needs text: delete it instead.")
        if text == row.content.strip():
            (same,) = await repo.hydrate(tx.conn, [row])
            return same  # nothing changed: no event, no "edited" mark
        chat = await chats_repo.get(tx.conn, row.chat_id)
        secret = bool(chat is not None and chat.secret)
        check_content(content, secret)
        # New ciphertext in a secret chat: no mentions or links the server could read.
        mentioned = (
            [] if secret else await mentions_mod.resolve(tx.conn, row.chat_id, content, user_id)
        )
        await store.set_content(tx.conn, message_id, content, mentioned)
        await mentions_mod.store(tx.conn, row.chat_id, message_id, row.seq, mentioned)
        if not secret:
            await previews.on_edit(tx, services, row, content)
        updated = await repo.get(tx.conn, message_id)
        (message,) = await repo.hydrate(tx.conn, [updated])
        to = await audience.of_message(tx.conn, row.chat_id, message_id)
        if to is not None:
            await emit(tx, services.hub, MESSAGE_UPDATED, message, to)
        return message


async def _rows_of_one_chat(tx: WriteTx, user_id: int, ids: Sequence[int]) -> tuple[int, list[Any]]:
    """The messages, all of one chat the user is in; a missing one is a 404."""
    unique = list(dict.fromkeys(ids))
    rows = await store.get_many(tx.conn, unique)
    if len(rows) != len(unique):
        raise NotFound("Message not found.")
    chats = sorted({r.chat_id for r in rows})
    for chat_id in chats:  # first: a message of someone else's chat is simply not found
        await chats_repo.require_member(tx.conn, chat_id, user_id)
    if len(chats) != 1:
        raise Invalid("Messages of one chat at a time.")
    return chats[0], sorted(rows, key=lambda r: r.seq)


async def delete(
    services: Services, user_id: int, ids: Sequence[int], for_everyone: bool
) -> MessagesDeleted:
    key = await repo.write_key(services.db, ids[0]) if ids else None
    async with services.db.write(key) as tx:
        chat_id, rows = await _rows_of_one_chat(tx, user_id, ids)
        if not for_everyone:
            return await _hide(tx, services, user_id, chat_id, rows)
        member = await chats_repo.require_member(tx.conn, chat_id, user_id)
        chat = await chats_repo.get(tx.conn, chat_id)
        assert chat is not None
        for row in rows:
            if row.type == "system":
                raise Invalid("System messages can only be deleted for yourself.")
            allowed = (
                row.sender_id == user_id
                or chat.type == "private"
                or (chat.type == "group" and member.role in ADMINS)
            )
            if not allowed:
                raise Forbidden("Only group admins can delete other people's messages.")
        live = [r.id for r in rows if r.deleted_at is None]  # deleting twice changes nothing
        if live:
            await erase_for_everyone(tx, services, user_id, chat_id, live)
        return MessagesDeleted(chat_id=chat_id, message_ids=[r.id for r in rows], for_everyone=True)


async def _by_audience(tx: WriteTx, chat_id: int, ids: list[int]) -> dict[Audience, list[int]]:
    """The messages grouped by who is to hear of them (messages/audience.py)."""
    groups: dict[Audience, list[int]] = {}
    for message_id in ids:
        to = await audience.of_message(tx.conn, chat_id, message_id)
        if to is not None:
            groups.setdefault(to, []).append(message_id)
    return groups


async def _hide(
    tx: WriteTx, services: Services, user_id: int, chat_id: int, rows: list[Any]
) -> MessagesDeleted:
    already = await store.hidden_among(tx.conn, user_id, [r.id for r in rows])
    new = [r.id for r in rows if r.id not in already]
    data = MessagesDeleted(chat_id=chat_id, message_ids=[r.id for r in rows], for_everyone=False)
    if new:
        await store.hide(tx.conn, user_id, chat_id, new)
        event = data.model_copy(update={"message_ids": new})
        await emit(tx, services.hub, MESSAGE_DELETED, event, Audience(user_id=user_id))
    return data


async def erase_for_everyone(
    tx: WriteTx, services: Services, user_id: int, chat_id: int, ids: list[int]
) -> list[int]:
    """Delete these messages of one chat for everyone, as `user_id` (who unpins them), and
    tell those who are to hear of it. Only those not deleted yet are erased (and returned):
    two writers deleting the same message (a sweep in each of several processes) announce
    it once."""
    ids = await store.erase(tx.conn, ids)
    if not ids:
        return []
    for message_id in await store.pinned_among(tx.conn, chat_id, ids):
        await store.unpin(tx.conn, chat_id, message_id)
        unpinned = PinUpdated(
            chat_id=chat_id, message_id=message_id, pinned=False, by=user_id, message=None
        )
        to = await audience.of_message(tx.conn, chat_id, message_id)
        if to is not None:
            await emit(tx, services.hub, PIN_UPDATED, unpinned, to)
    orphans = await store.release_files(tx.conn, ids)
    if orphans:
        uploads = services.settings.uploads_dir

        def unlink() -> None:
            for name in orphans:
                for path in (uploads / name, uploads / f"{name}.thumb.webp"):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()

        async def remove_files() -> None:
            # After the commit: a rolled-back delete must not have lost the file.
            await asyncio.to_thread(unlink)

        tx.after_commit(remove_files)
    for to, heard in (await _by_audience(tx, chat_id, ids)).items():
        event = MessagesDeleted(chat_id=chat_id, message_ids=heard, for_everyone=True)
        await emit(tx, services.hub, MESSAGE_DELETED, event, to)
    return ids
