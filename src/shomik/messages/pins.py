"""Pinning: a chat's pinned messages (at most 50), with the note a pin writes into the chat
("Alice pinned «…»"), as Telegram does; unpinning writes none."""

from __future__ import annotations

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.errors import Forbidden, Invalid, NotFound
from shomik.messages import audience
from shomik.messages import changes_repository as store
from shomik.messages import repository as repo
from shomik.messages.events import PIN_UPDATED
from shomik.messages.schemas import Message, PinUpdated
from shomik.realtime.events import emit
from shomik.services import Services

MAX_PINS = 50


async def set_pin(
    services: Services, user_id: int, chat_id: int, message_id: int, pinned: bool
) -> PinUpdated:
    async with services.db.write(chat_id=chat_id) as tx:
        member = await chats_repo.require_member(tx.conn, chat_id, user_id)
        chat = await chats_repo.get(tx.conn, chat_id)
        assert chat is not None
        if chat.type == "group" and member.role not in ("owner", "admin"):
            raise Forbidden("Only admins can pin messages in a group.")
        row = await repo.get(tx.conn, message_id)
        if row is None or row.chat_id != chat_id:
            raise NotFound("Message not found.")
        if row.type == "control":
            raise Invalid("A control message cannot be pinned.", code="control_message")
        is_pinned = await store.is_pinned(tx.conn, chat_id, message_id)
        (message,) = await repo.hydrate(tx.conn, [row])
        event = PinUpdated(
            chat_id=chat_id, message_id=message_id, pinned=pinned, by=user_id, message=message
        )
        if pinned == is_pinned:
            return event
        if pinned:
            if await store.pin_count(tx.conn, chat_id) >= MAX_PINS:
                raise Invalid(f"A chat can have at most {MAX_PINS} pinned messages.")
            await store.pin(tx.conn, chat_id, message_id, user_id)
        else:
            await store.unpin(tx.conn, chat_id, message_id)
        to = await audience.of_message(tx.conn, chat_id, message_id)
        if to is not None:
            await emit(tx, services.hub, PIN_UPDATED, event, to)
        if pinned:  # Telegram notes a pin in the chat, but not an unpin
            await _pin_note(tx, services, user_id, message)
        return event


PIN_NOTE_CHARS = 40  # of the pinned text quoted in the note, as Telegram shortens it
_UNQUOTED = {
    "image": "a photo",
    "file": "a file",
    "voice": "a voice message",
    "video": "a video",
}  # what a pinned message without text is


async def _pin_note(tx: WriteTx, services: Services, user_id: int, message: Message) -> None:
    """Write "Alice pinned «…»" into the chat, in the pin's own transaction."""
    # Imported here: chats.service imports this module for insert_message.
    from shomik.chats.service import display_name, require_users, system_message

    actor = display_name(await require_users(tx, [user_id]), user_id)
    # A secret chat's text is ciphertext: the note names no part of it.
    chat = await chats_repo.get(tx.conn, message.chat_id)
    secret = bool(chat is not None and chat.secret)
    text = "" if secret else " ".join(message.content.split())
    if len(text) > PIN_NOTE_CHARS:
        text = text[:PIN_NOTE_CHARS].rstrip() + "…"
    what = f"«{text}»" if text else _UNQUOTED.get(message.type, "a message")
    if secret:
        what = "a message"  # what the attachments are is inside the ciphertext too
    # The seq too: a client jumps to the pinned message without looking it up first.
    meta = {"event": "message_pinned", "messageId": message.id, "seq": message.seq}
    await system_message(tx, services, message.chat_id, user_id, f"{actor} pinned {what}", meta)
