"""SQL for attachments (the uploads domain's table). Other domains ask here, not the table."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import attachments
from shomik.schemas import utcnow


async def get(conn: Conn, file_id: str) -> Any | None:
    return (await conn.execute(sa.select(attachments).where(attachments.c.id == file_id))).first()


async def get_many(conn: Conn, ids: Sequence[str]) -> list[Any]:
    return list((await conn.execute(sa.select(attachments).where(attachments.c.id.in_(ids)))).all())


async def insert(conn: Conn, **values: Any) -> None:
    await conn.execute(sa.insert(attachments).values(**values))


async def attach(conn: Conn, ids: Sequence[str], message_id: int) -> None:
    """The uploads are sent: they belong to this message from now on."""
    await conn.execute(
        sa.update(attachments).where(attachments.c.id.in_(ids)).values(message_id=message_id)
    )


async def copy_for(conn: Conn, message_id: int, user_id: int) -> list[str]:
    """New rows (new ids, `user_id` as uploader, unsent) over the same stored files as a
    message's attachments; the new ids, in the original order."""
    query = sa.select(attachments).where(attachments.c.message_id == message_id)
    rows = (await conn.execute(query.order_by(attachments.c.created_at))).all()
    ids = []
    for row in rows:
        new_id = secrets.token_urlsafe(16)
        values = {
            **row._mapping,
            "id": new_id,
            "uploader_id": user_id,
            "message_id": None,
            "is_avatar": False,
            "created_at": utcnow(),
        }
        await insert(conn, **values)
        ids.append(new_id)
    return ids
