"""A secret chat's self-destruct timer: any member sets it (as in Telegram's secret chats);
a system message says who set what, and `chat:updated` carries the new value. Messages sent
while it is set get `expiresAt` (messages/service.py), and messages/expiry.py deletes them
for everyone when it comes."""

from __future__ import annotations

from shomik.chats import repository as chats_repo
from shomik.chats.schemas import ChatInfo
from shomik.chats.service import announce_updated, display_name, require_users, system_message
from shomik.e2ee.devices import require_secret_member
from shomik.e2ee.schemas import TimerIn
from shomik.services import Services

_UNITS = ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def spoken(seconds: int) -> str:
    """ "5 seconds", "1 hour": the English of the system message (clients compose their own
    from `meta.seconds`)."""
    size, unit = next((s, u) for s, u in _UNITS if seconds % s == 0)
    n = seconds // size
    return f"{n} {unit}{'' if n == 1 else 's'}"


async def set_timer(services: Services, user_id: int, chat_id: int, data: TimerIn) -> ChatInfo:
    async with services.db.write(chat_id=chat_id) as tx:
        await require_secret_member(tx.conn, chat_id, user_id)
        chat = await chats_repo.get(tx.conn, chat_id)
        assert chat is not None
        if chat.self_destruct_seconds == data.seconds:
            return chats_repo.heading(chat, None)  # nothing changed: no note, no event
        await chats_repo.update_chat(tx.conn, chat_id, self_destruct_seconds=data.seconds)
        actor = display_name(await require_users(tx, [user_id]), user_id)
        text = (
            f"{actor} set messages to self-destruct after {spoken(data.seconds)}"
            if data.seconds is not None
            else f"{actor} turned off self-destructing messages"
        )
        meta = {"event": "self_destruct", "seconds": data.seconds}
        await system_message(tx, services, chat_id, user_id, text, meta)
        await announce_updated(tx, services, chat_id)
        return await chats_repo.info(tx.conn, chat_id)
