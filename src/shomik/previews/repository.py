"""SQL of link previews: the per-URL cache and the message's `link_preview` column."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import link_previews, messages
from shomik.schemas import utcnow


async def cached(conn: Conn, url_hash: str) -> Any | None:
    query = sa.select(link_previews).where(link_previews.c.url_hash == url_hash)
    return (await conn.execute(query)).first()


async def store(conn: Conn, url_hash: str, url: str, data: dict[str, Any] | None) -> None:
    """Replace the cached preview of a URL; `data` None caches a failure (SQL NULL). An
    older image file stays: messages that showed it still point at it."""
    image = data.get("image") if data else None
    await conn.execute(sa.delete(link_previews).where(link_previews.c.url_hash == url_hash))
    await conn.execute(
        sa.insert(link_previews).values(
            url_hash=url_hash,
            url=url,
            data=data if data is not None else sa.null(),
            image_storage_name=image["name"] if image else None,
            fetched_at=utcnow(),
        )
    )


async def fill(conn: Conn, message_id: int, data: dict[str, Any]) -> bool:
    """Set a message's preview unless it has one, was removed, or the message was deleted;
    True if set."""
    result = await conn.execute(
        sa.update(messages)
        .where(
            messages.c.id == message_id,
            messages.c.link_preview.is_(None),
            messages.c.deleted_at.is_(None),
        )
        .values(link_preview=data)
    )
    return bool(result.rowcount == 1)


async def put(conn: Conn, message_id: int, value: dict[str, Any] | None) -> None:
    """Overwrite a message's preview (None: SQL NULL, to be fetched again)."""
    await conn.execute(
        sa.update(messages)
        .where(messages.c.id == message_id)
        .values(link_preview=value if value is not None else sa.null())
    )


async def image_names_in_use(conn: Conn) -> set[str]:
    """Every preview image a cached preview or a message's card still names. A scan of the
    messages that have a card (housekeeping, hourly), not of every message."""
    names: set[str] = set()
    cached = sa.select(link_previews.c.data).where(link_previews.c.data.is_not(None))
    shown = sa.select(messages.c.link_preview).where(messages.c.link_preview.is_not(None))
    for query in (cached, shown):
        for (data,) in (await conn.execute(query)).all():
            image = data.get("image") if isinstance(data, dict) else None
            if isinstance(image, dict) and isinstance(image.get("name"), str):
                names.add(image["name"])
    return names
