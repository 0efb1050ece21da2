"""Link previews: after a message with an http(s) link is stored, a background task fetches
the page (previews/fetch.py), caches the result per URL in `link_previews`, stores the page's
image re-encoded like an upload, sets `messages.link_preview` and emits `message:updated`.
The sender's ack never waits for any of it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.errors import Forbidden, NotFound
from shomik.messages import audience
from shomik.messages import repository as repo
from shomik.messages.events import MESSAGE_UPDATED
from shomik.messages.schemas import Message
from shomik.previews import repository as store
from shomik.previews.fetch import Fetcher, Refused, parse_allow_hosts
from shomik.previews.parse import parse
from shomik.previews.schemas import REMOVED
from shomik.realtime.events import emit
from shomik.schemas import as_utc, utcnow
from shomik.settings import Settings
from shomik.uploads.decodes import DecodeGate
from shomik.uploads.inspect import IMAGE_TYPES, check_type, decode_cost, reencode_image

if TYPE_CHECKING:  # Services holds a Previewer
    from shomik.services import Services

log = logging.getLogger(__name__)

# Previews being fetched at once: each holds a socket and up to 1 MB for up to 5 s.
CONCURRENCY = 4
FRESH = timedelta(hours=24)
# A failed fetch is cached too (data NULL), so a dead or hostile link is not hammered.
FAILED_FRESH = timedelta(hours=1)
# Like linkifyjs: a scheme URL up to whitespace or a character no URL holds unescaped.
LINK = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?'\""
BRACKETS = {")": "(", "]": "[", "}": "{"}


def first_link(text: str) -> str | None:
    """The first http(s) link of a message, without the punctuation that ends a sentence
    or closes a parenthesis it sits in (as linkifyjs does for the client's links)."""
    for match in LINK.finditer(text):
        url = match.group(0)
        while url and (
            url[-1] in TRAILING
            or (url[-1] in BRACKETS and url.count(url[-1]) > url.count(BRACKETS[url[-1]]))
        ):
            url = url[:-1]
        if len(url) > len("https://") and len(url) <= 2048:
            return url
    return None


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def previews_dir(settings: Settings) -> Path:
    return settings.uploads_dir / "previews"


class Previewer:
    """The background fetches of one app: bounded, deduplicated per URL, cancelled at
    shutdown."""

    def __init__(
        self,
        settings: Settings,
        fetcher: Fetcher | None = None,
        decodes: DecodeGate | None = None,
    ) -> None:
        self.settings = settings
        # Shared with uploads (app.py): a preview image is decoded within the same bounds.
        self.decodes = decodes or DecodeGate(
            settings.decode_memory_mb * 1024 * 1024,
            settings.decode_concurrency,
            settings.decode_queue,
        )
        self.enabled = settings.link_previews
        self.fetcher = fetcher or Fetcher(parse_allow_hosts(settings.link_preview_allow_hosts))
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight: dict[str, asyncio.Task[dict[str, Any] | None]] = {}

    def after_commit(self, tx: WriteTx, services: Services, message_id: int, content: str) -> None:
        """Schedule the preview of the message's first link once the message is committed."""
        url = first_link(content) if self.enabled else None
        if url is None:
            return

        async def start() -> None:
            task = asyncio.create_task(self._run(services, message_id, url))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        tx.after_commit(start)

    async def close(self) -> None:
        for task in list(self._tasks) + list(self._inflight.values()):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._inflight.values(), return_exceptions=True)

    async def _run(self, services: Services, message_id: int, url: str) -> None:
        try:
            data = await self._preview(services, url)
            if data is not None:
                await _attach(services, message_id, data)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("link preview of message %s failed", message_id)

    async def _preview(self, services: Services, url: str) -> dict[str, Any] | None:
        """The stored preview of a URL: cached, or fetched once however many ask at once."""
        key = url_hash(url)
        async with services.db.read() as conn:
            row = await store.cached(conn, key)
        if row is not None:
            age = utcnow() - as_utc(row.fetched_at)
            if age < (FRESH if row.data is not None else FAILED_FRESH):
                return row.data  # type: ignore[no-any-return]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch_and_cache(services, url, key))
            self._inflight[key] = task
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def _fetch_and_cache(
        self, services: Services, url: str, key: str
    ) -> dict[str, Any] | None:
        async with self._slots:
            data = await self._fetch(url)
        async with services.db.write() as tx:
            await store.store(tx.conn, key, url, data)
        return data

    async def _fetch(self, url: str) -> dict[str, Any] | None:
        try:
            page = await self.fetcher.fetch(url)
        except Refused as exc:
            log.info("no link preview for %s: %s", url, exc)
            return None
        meta = parse(page.url, page.body, page.charset)
        if meta is None:
            return None
        image = await self._image(meta.image) if meta.image else None
        return {
            "url": url,
            "siteName": meta.site_name,
            "title": meta.title,
            "description": meta.description,
            "image": image,
        }

    async def _image(self, url: str) -> dict[str, str] | None:
        """The page's image, fetched as safely as the page and re-encoded like an upload
        (metadata stripped, decoded by Pillow in a thread with the upload limits)."""
        try:
            fetched = await self.fetcher.fetch(url, accept=tuple(IMAGE_TYPES), whole=True)
        except Refused as exc:
            log.info("no preview image %s: %s", url, exc)
            return None
        folder = previews_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        name = secrets.token_urlsafe(16)
        path = folder / name
        thumb = folder / f"{name}.thumb.webp"
        try:
            await asyncio.to_thread(path.write_bytes, fetched.body)
            mime = await asyncio.to_thread(check_type, path, fetched.content_type)
            if mime not in IMAGE_TYPES:
                raise ValueError(f"{mime} is not an image")
            cost = await asyncio.to_thread(decode_cost, path, mime)
            await self.decodes.run(cost, reencode_image, path, mime, thumb)
        except Exception as exc:
            log.info("preview image %s refused: %s", url, exc)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return None
        finally:
            with contextlib.suppress(FileNotFoundError):
                thumb.unlink()  # the card shows the image itself, at most 1 MB
        return {"name": name, "mime": mime}


async def _attach(services: Services, message_id: int, data: dict[str, Any]) -> None:
    """Set the preview on the message unless it was removed, deleted or already has one."""
    async with services.db.write(await repo.write_key(services.db, message_id)) as tx:
        if not await store.fill(tx.conn, message_id, data):
            return
        row = await repo.get(tx.conn, message_id)
        (message,) = await repo.hydrate(tx.conn, [row])
        to = await audience.of_message(tx.conn, message.chat_id, message_id)
        if to is not None:
            await emit(tx, services.hub, MESSAGE_UPDATED, message, to)


async def remove(services: Services, user_id: int, message_id: int) -> Message:
    """The author takes the card off their message (for everyone); the fetch, if still
    running, then leaves the message alone."""
    async with services.db.write(await repo.write_key(services.db, message_id)) as tx:
        row = await repo.get(tx.conn, message_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("Message not found.")
        await chats_repo.require_member(tx.conn, row.chat_id, user_id)
        if row.sender_id != user_id:
            raise Forbidden("Only the sender can remove a link preview.")
        if row.link_preview != REMOVED:
            await store.put(tx.conn, message_id, REMOVED)
            row = await repo.get(tx.conn, message_id)
            (message,) = await repo.hydrate(tx.conn, [row])
            to = await audience.of_message(tx.conn, message.chat_id, message_id)
            if to is not None:
                await emit(tx, services.hub, MESSAGE_UPDATED, message, to)
            return message
        (message,) = await repo.hydrate(tx.conn, [row])
        return message


async def image_file(services: Services, user_id: int, message_id: int) -> tuple[Path, str]:
    """The stored preview image of a message the user can read."""
    async with services.db.read() as conn:
        row = await repo.get(conn, message_id)
        if row is None or row.deleted_at is not None:
            raise NotFound("Image not found.")
        await chats_repo.require_member(conn, row.chat_id, user_id)
    stored = row.link_preview
    image = stored.get("image") if isinstance(stored, dict) else None
    if not isinstance(image, dict):
        raise NotFound("Image not found.")
    return previews_dir(services.settings) / str(image["name"]), str(image["mime"])


async def on_edit(tx: WriteTx, services: Services, row: Any, content: str) -> None:
    """An edit that changes the first link drops the old card and previews the new link."""
    if first_link(content) == first_link(row.content):
        return
    await store.put(tx.conn, row.id, None)
    services.previews.after_commit(tx, services, row.id, content)
