"""Housekeeping of preview images: a file no cached preview and no message's card names any
more (the cache entry was refreshed, the message deleted or its card removed) leaves the
disk. Files younger than a day are left alone: a preview being fetched now has stored its
image before any row names it."""

from __future__ import annotations

import asyncio
import contextlib
import time

from shomik.previews import repository as store
from shomik.previews.service import previews_dir
from shomik.services import Services

MIN_AGE_SECONDS = 24 * 3600


async def sweep(services: Services) -> int:
    folder = previews_dir(services.settings)
    if not folder.is_dir():
        return 0
    async with services.db.read() as conn:
        in_use = await store.image_names_in_use(conn)

    def unlink_unused() -> int:
        removed = 0
        cutoff = time.time() - MIN_AGE_SECONDS
        for path in folder.iterdir():
            if path.name in in_use or path.stat().st_mtime > cutoff:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed

    return await asyncio.to_thread(unlink_unused)
