"""Avatars: an uploaded image that any signed-in user may fetch while it is in use."""

from __future__ import annotations

import sqlalchemy as sa

from shomik.db.engine import WriteTx
from shomik.db.tables import attachments, chats, users
from shomik.errors import Invalid


async def use_as_avatar(tx: WriteTx, user_id: int, attachment_id: str) -> None:
    """An avatar must be an image this user uploaded; from now on any signed-in user may
    fetch it."""
    query = sa.select(attachments).where(attachments.c.id == attachment_id)
    row = (await tx.conn.execute(query)).first()
    if row is None or row.uploader_id != user_id or row.width is None:
        raise Invalid("An avatar must be an image you uploaded.", code="unknown_attachment")
    await tx.conn.execute(
        sa.update(attachments).where(attachments.c.id == attachment_id).values(is_avatar=True)
    )


async def release_avatar(tx: WriteTx, attachment_id: str | None) -> None:
    """Call after an avatar was replaced: if no user or chat shows it any more, it is private
    again (and swept like any unsent upload)."""
    if attachment_id is None:
        return
    in_use = sa.union_all(
        sa.select(users.c.id).where(users.c.avatar_id == attachment_id),
        sa.select(chats.c.id).where(chats.c.avatar_id == attachment_id),
    )
    if (await tx.conn.execute(in_use.limit(1))).first() is None:
        await tx.conn.execute(
            sa.update(attachments).where(attachments.c.id == attachment_id).values(is_avatar=False)
        )


def public_avatar_url(attachment_id: str) -> str:
    """Where an avatar's thumbnail is served without a token (GET /api/avatars/{id}): for a
    notification the service worker shows, which has no token. The id is 128 random bits,
    so the URL is a capability: only those given it (contacts, through a push) can fetch
    it, and only while it is someone's avatar."""
    return f"/api/avatars/{attachment_id}"
