"""@mentions: which members a text names, decided by the server. A mention is `@username`
(the username rules: 3-32 Latin letters, digits, _ or .) not preceded by a word character,
so an e-mail address is not a mention. Only current members other than the author count."""

from __future__ import annotations

import re

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, mentions, users

_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]{3,32})")


def usernames_in(text: str) -> set[str]:
    # A trailing dot ends a sentence, not the name: "thanks @bob." names bob.
    return {m.group(1).rstrip(".").lower() for m in _MENTION.finditer(text)} - {""}


async def resolve(conn: Conn, chat_id: int, text: str, author_id: int | None) -> list[int]:
    """The ids of the members the text mentions, in id order (empty without any @)."""
    names = usernames_in(text) if "@" in text else set()
    if not names:
        return []
    query = (
        sa.select(users.c.id)
        .join(chat_members, chat_members.c.user_id == users.c.id)
        .where(chat_members.c.chat_id == chat_id, users.c.username_lower.in_(names))
        .order_by(users.c.id)
    )
    return [uid for (uid,) in (await conn.execute(query)).all() if uid != author_id]


async def store(conn: Conn, chat_id: int, message_id: int, seq: int, user_ids: list[int]) -> None:
    """The rows behind the unread-mention count; replaced whole on an edit."""
    await conn.execute(sa.delete(mentions).where(mentions.c.message_id == message_id))
    if user_ids:
        await conn.execute(
            sa.insert(mentions),
            [
                {"user_id": uid, "message_id": message_id, "chat_id": chat_id, "seq": seq}
                for uid in user_ids
            ],
        )
