"""SQL of the changes to stored messages: edits, deletions (for everyone, for one user),
pins, and the attachments a deletion releases. Callers hold the write transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import attachments, hidden_messages, mentions, messages, pins, reactions
from shomik.messages.repository import visible_to
from shomik.schemas import utcnow


async def get_many(conn: Conn, ids: Sequence[int], visible_for: int | None = None) -> list[Any]:
    """The messages with these ids (those `visible_for` may see, if given)."""
    query = sa.select(messages).where(messages.c.id.in_(ids))
    if visible_for is not None:
        query = query.where(visible_to(visible_for))
    return list((await conn.execute(query)).all())


async def set_content(conn: Conn, message_id: int, content: str, mentioned: list[int]) -> None:
    await conn.execute(
        sa.update(messages)
        .where(messages.c.id == message_id)
        .values(content=content, edited_at=utcnow(), mentions=mentioned or None)
    )


async def hidden_among(conn: Conn, user_id: int, ids: Sequence[int]) -> set[int]:
    h = hidden_messages
    query = sa.select(h.c.message_id).where(h.c.user_id == user_id, h.c.message_id.in_(ids))
    return {row[0] for row in (await conn.execute(query)).all()}


async def hide(conn: Conn, user_id: int, chat_id: int, ids: Sequence[int]) -> None:
    await conn.execute(
        sa.insert(hidden_messages),
        [{"user_id": user_id, "message_id": mid, "chat_id": chat_id} for mid in ids],
    )


async def erase(conn: Conn, ids: Sequence[int]) -> list[int]:
    """Deleted for everyone: the row and its seq stay, the text, reactions and mentions go
    (and a self-destruct time, done with). Only rows not deleted yet, which are returned: on
    PostgreSQL a concurrent eraser of the same row waits for its lock and then finds it
    deleted, so each row is erased (and announced) once."""
    erased = await conn.execute(
        sa.update(messages)
        .where(messages.c.id.in_(ids), messages.c.deleted_at.is_(None))
        .values(content="", deleted_at=utcnow(), mentions=None, meta=None, expires_at=None)
        .returning(messages.c.id)
    )
    done = sorted(row[0] for row in erased.all())
    if done:
        await conn.execute(sa.delete(reactions).where(reactions.c.message_id.in_(done)))
        await conn.execute(sa.delete(mentions).where(mentions.c.message_id.in_(done)))
    return done


async def pinned_among(conn: Conn, chat_id: int, ids: Sequence[int]) -> list[int]:
    query = sa.select(pins.c.message_id).where(
        pins.c.chat_id == chat_id, pins.c.message_id.in_(ids)
    )
    return [row[0] for row in (await conn.execute(query)).all()]


async def is_pinned(conn: Conn, chat_id: int, message_id: int) -> bool:
    query = sa.select(pins.c.message_id).where(
        pins.c.chat_id == chat_id, pins.c.message_id == message_id
    )
    return (await conn.execute(query)).first() is not None


async def pin_count(conn: Conn, chat_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(pins).where(pins.c.chat_id == chat_id)
    return int((await conn.execute(query)).scalar_one())


async def pin(conn: Conn, chat_id: int, message_id: int, by: int) -> None:
    await conn.execute(
        sa.insert(pins).values(
            chat_id=chat_id, message_id=message_id, pinned_by=by, pinned_at=utcnow()
        )
    )


async def unpin(conn: Conn, chat_id: int, message_id: int) -> None:
    await conn.execute(
        sa.delete(pins).where(pins.c.chat_id == chat_id, pins.c.message_id == message_id)
    )


async def release_files(conn: Conn, ids: Sequence[int]) -> set[str]:
    """Delete the messages' attachment rows; the stored files no other row uses any more
    (a forwarded copy's rows keep theirs), for the caller to unlink after the commit."""
    query = sa.select(attachments.c.storage_name).where(attachments.c.message_id.in_(ids))
    names = {row[0] for row in (await conn.execute(query)).all()}
    if not names:
        return set()
    await conn.execute(sa.delete(attachments).where(attachments.c.message_id.in_(ids)))
    still = sa.select(attachments.c.storage_name).where(attachments.c.storage_name.in_(names))
    return names - {row[0] for row in (await conn.execute(still)).all()}
