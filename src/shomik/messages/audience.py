"""Who hears about a message: its chat's members, except, in a private chat, a member who
hid it (delete for me, or a blocked sender's message withheld from them: privacy/withhold.py).
An edit, a reaction, a pin or a link preview of such a message goes to the other member
alone, so a withheld message never reaches the blocker by way of its changes. Group chats
keep one event for the whole chat (a per-member copy would multiply the event log)."""

from __future__ import annotations

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, hidden_messages
from shomik.realtime.events import Audience

_h = hidden_messages
_PRIVATE_MEMBERS = (
    sa.select(
        chat_members.c.user_id,
        sa.exists()
        .where(_h.c.user_id == chat_members.c.user_id, _h.c.message_id == sa.bindparam("message"))
        .label("hid"),
    )
    .join(chats, chats.c.id == chat_members.c.chat_id)
    .where(chat_members.c.chat_id == sa.bindparam("chat"), chats.c.type == "private")
)


async def of_message(conn: Conn, chat_id: int, message_id: int) -> Audience | None:
    """The audience of an event about this message; None if nobody is to hear of it."""
    rows = (await conn.execute(_PRIVATE_MEMBERS, {"chat": chat_id, "message": message_id})).all()
    if not any(row.hid for row in rows):
        return Audience(chat_id=chat_id)
    keep = [row.user_id for row in rows if not row.hid]
    return Audience(user_id=keep[0]) if keep else None
