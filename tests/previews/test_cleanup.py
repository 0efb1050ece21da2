"""Preview images leave the disk once no cached preview and no message's card names them."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from shomik.app import build_services
from shomik.chats import service as chats
from shomik.chats.schemas import GroupChatCreate
from shomik.db.migrate import upgrade
from shomik.db.tables import link_previews, messages
from shomik.messages import service as messages_service
from shomik.messages.schemas import MessageSend
from shomik.previews import cleanup
from shomik.previews.service import previews_dir
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.settings import Settings
from tests.db.test_query_counts import _user


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 32, link_previews=False)
    await asyncio.to_thread(upgrade, settings)
    built = build_services(settings)
    yield built
    await built.db.dispose()


async def test_unused_preview_images_are_swept_and_used_ones_kept(services: Services) -> None:
    folder = previews_dir(services.settings)
    folder.mkdir(parents=True)
    day_ago = time.time() - 2 * 24 * 3600
    for name in ("cached", "shown", "orphan", "fresh-orphan"):
        (folder / name).write_bytes(b"img")
        if name != "fresh-orphan":
            os.utime(folder / name, (day_ago, day_ago))
    me, other = await _user(services), await _user(services)
    chat = await chats.create_group(
        services, me, GroupChatCreate(type="group", name="g", participant_ids=[other])
    )
    sent, _ = await messages_service.send(
        services, me, MessageSend(chat_id=chat.id, content="see https://example.org/")
    )
    card = {"url": "https://example.org/", "image": {"name": "shown", "mime": "image/png"}}
    async with services.db.write() as tx:
        await tx.conn.execute(
            sa.update(messages).where(messages.c.id == sent.id).values(link_preview=card)
        )
        await tx.conn.execute(
            sa.insert(link_previews).values(
                url_hash="h" * 64,
                url="https://example.net/",
                data={"url": "https://example.net/", "image": {"name": "cached", "mime": "x"}},
                fetched_at=utcnow(),
            )
        )
    assert await cleanup.sweep(services) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["cached", "fresh-orphan", "shown"]
