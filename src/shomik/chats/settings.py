"""A member's own settings of a chat: mute, archive, pin to the top (at most 5, ordered),
marked unread. Stored on the membership row, synced to the user's devices with
`chat:settings`. Other domains call `after_message` (a new message brings an
unmuted archived chat back) and `clear_marked_unread` (reading clears the mark)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shomik.chats import repository as repo
from shomik.chats.events import CHAT_SETTINGS
from shomik.chats.schemas import ChatSettings, ChatSettingsChanged, ChatSettingsUpdate
from shomik.db.engine import WriteTx
from shomik.errors import Invalid
from shomik.realtime.events import Audience, emit
from shomik.schemas import utcnow
from shomik.services import Services

MAX_PINNED = 5


def settings_of(row: Any) -> ChatSettings:
    return ChatSettings(
        muted_until=row.muted_until,
        archived=row.archived,
        pinned=row.pinned_at is not None,
        pinned_at=row.pinned_at,
        marked_unread=row.marked_unread,
    )


async def _announce(tx: WriteTx, services: Services, chat_id: int, user_id: int) -> ChatSettings:
    row = await repo.membership(tx.conn, chat_id, user_id)
    assert row is not None
    settings = settings_of(row)
    data = ChatSettingsChanged(chat_id=chat_id, settings=settings)
    await emit(tx, services.hub, CHAT_SETTINGS, data, Audience(user_id=user_id))
    return settings


async def update(
    services: Services, user_id: int, chat_id: int, data: ChatSettingsUpdate
) -> ChatSettings:
    fields = data.model_fields_set
    async with services.db.write() as tx:
        member = await repo.require_member(tx.conn, chat_id, user_id)
        values: dict[str, Any] = {}
        if "muted_until" in fields:
            until = data.muted_until
            values["muted_until"] = until if until is not None and until > utcnow() else None
        if data.archived is not None:
            values["archived"] = data.archived
        if data.marked_unread is not None:
            values["marked_unread"] = data.marked_unread
        if data.pinned is not None and data.pinned != (member.pinned_at is not None):
            if data.pinned and await repo.pinned_count(tx.conn, user_id) >= MAX_PINNED:
                raise Invalid(f"At most {MAX_PINNED} chats can be pinned.", code="too_many_pins")
            values["pinned_at"] = utcnow() if data.pinned else None
        if not values:
            return settings_of(member)
        await repo.update_member(tx.conn, chat_id, user_id, **values)
        return await _announce(tx, services, chat_id, user_id)


async def reorder_pinned(services: Services, user_id: int, chat_ids: list[int]) -> None:
    """Put the pinned chats in this order (top first); the list must be exactly them."""
    async with services.db.write() as tx:
        pinned = await repo.pinned_chat_ids(tx.conn, user_id)
        if len(set(chat_ids)) != len(chat_ids) or set(chat_ids) != pinned:
            raise Invalid("List exactly the chats that are pinned now, each once.")
        base = utcnow()
        # A millisecond apart: the order is the timestamps' order. Announced bottom first:
        # each chat:settings moves one chat behind the others, so a device that applies
        # them one by one (its own order already shown with earlier times) never shows an
        # order that is neither the old one nor the new one.
        for index, chat_id in reversed(list(enumerate(chat_ids))):
            at = base + timedelta(milliseconds=index)
            await repo.update_member(tx.conn, chat_id, user_id, pinned_at=at)
            await _announce(tx, services, chat_id, user_id)


async def announce_back(tx: WriteTx, services: Services, chat_id: int, user_ids: list[int]) -> None:
    """The members a new message brought back from the archive (as in Telegram, unless they
    muted it: chats/repository.py `after_message`) get their settings anew."""
    for user_id in user_ids:
        await _announce(tx, services, chat_id, user_id)


async def clear_marked_unread(tx: WriteTx, services: Services, chat_id: int, user_id: int) -> None:
    await repo.update_member(tx.conn, chat_id, user_id, marked_unread=False)
    await _announce(tx, services, chat_id, user_id)
