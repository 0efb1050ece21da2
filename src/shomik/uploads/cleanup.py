"""Housekeeping for uploads: files nobody will ever see again are removed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

import sqlalchemy as sa

from shomik.db.tables import attachments
from shomik.schemas import utcnow
from shomik.services import Services

# An upload not sent within a day was abandoned (a closed tab, a removed preview).
UNSENT_TTL = timedelta(days=1)
# A temporary file this old belongs to an upload whose process died mid-stream.
TEMP_TTL_SECONDS = 3600


def _sweep_temp_files(services: Services) -> int:
    removed = 0
    cutoff = time.time() - TEMP_TTL_SECONDS
    for path in services.settings.uploads_dir.glob(".upload-*"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


async def sweep(services: Services) -> int:
    """Delete abandoned temporary files and never-sent attachments; returns the count."""
    removed = await asyncio.to_thread(_sweep_temp_files, services)
    stale = (
        attachments.c.message_id.is_(None),
        attachments.c.is_avatar.is_(False),
        attachments.c.created_at < utcnow() - UNSENT_TTL,
    )
    async with services.db.write() as tx:
        query = sa.select(attachments.c.id, attachments.c.storage_name).where(*stale)
        rows = (await tx.conn.execute(query)).all()
        if rows:
            ids = [r.id for r in rows]
            await tx.conn.execute(sa.delete(attachments).where(attachments.c.id.in_(ids)))
    uploads = services.settings.uploads_dir

    def unlink_all() -> None:
        for row in rows:
            for path in (uploads / row.storage_name, uploads / f"{row.storage_name}.thumb.webp"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    await asyncio.to_thread(unlink_all)
    return removed + len(rows)
