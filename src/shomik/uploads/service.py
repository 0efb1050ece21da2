"""Storing uploads and deciding who may read them."""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.errors import Invalid, NotFound
from shomik.messages import repository as messages_repo
from shomik.messages.repository import attachment_out
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.uploads import repository as repo
from shomik.uploads.inspect import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    ImageInfo,
    check_type,
    decode_cost,
    reencode_image,
)
from shomik.uploads.media import media_info
from shomik.uploads.schemas import UploadOut
from shomik.uploads.stream import ReceivedFile


def clean_filename(name: str) -> str:
    """Only for display and Content-Disposition: the disk name is always generated."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    # Control characters, and the bidirectional overrides that make "cod.exe" look like
    # "exe.doc" when displayed.
    name = re.sub(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", name)
    name = name.strip().lstrip(".")
    return name[:255] or "file"


def thumbnail_path(services: Services, storage_name: str) -> Path:
    return services.settings.uploads_dir / f"{storage_name}.thumb.webp"


async def _poster(services: Services, received: ReceivedFile, thumb: Path) -> ImageInfo:
    """A video's poster frame (drawn by the browser) becomes its thumbnail, re-encoded like
    any image; its size is the video's."""
    poster = received.poster
    assert poster is not None
    mime = await asyncio.to_thread(check_type, poster, received.poster_type)
    if mime not in IMAGE_TYPES:
        raise Invalid("The poster must be a PNG, JPEG or WebP image.")
    cost = await asyncio.to_thread(decode_cost, poster, mime)
    return await services.decodes.run(cost, reencode_image, poster, mime, thumb)


# A secret chat's file, encrypted in the browser (docs/e2ee.md): opaque bytes, stored as they
# came (no type check, no re-encoding, no thumbnail), attached only in secret chats and served
# only as a download.
SEALED_MIME = "application/octet-stream"


def sealed(received: ReceivedFile) -> bool:
    """Uploaded with the field `sealed=true`: ciphertext. Only the empty file is refused."""
    if received.fields.get("sealed") not in ("true", None):
        raise Invalid("`sealed` is true or absent.", field="sealed")
    if received.fields.get("sealed") is None:
        return False
    if received.size == 0:
        raise Invalid("The file is empty.")
    if received.poster is not None or set(received.fields) != {"sealed"}:
        raise Invalid("A sealed file comes alone: what it is travels inside the message.")
    return True


async def store(services: Services, user_id: int, received: ReceivedFile) -> UploadOut:
    file_id = secrets.token_urlsafe(16)  # 22 chars, unguessable
    final = services.settings.uploads_dir / file_id
    thumb = thumbnail_path(services, file_id)
    try:
        if sealed(received):
            mime = SEALED_MIME
        else:
            mime = await asyncio.to_thread(check_type, received.path, received.declared_type)
        width = height = None
        size = received.size
        has_thumbnail = False
        if mime in IMAGE_TYPES:
            cost = await asyncio.to_thread(decode_cost, received.path, mime)
            info = await services.decodes.run(cost, reencode_image, received.path, mime, thumb)
            width, height, size, has_thumbnail = (
                info.width,
                info.height,
                info.size,
                info.has_thumbnail,
            )
        media = media_info(mime, received.fields)
        if received.poster is not None:
            if mime not in VIDEO_TYPES:
                raise Invalid("Only a video has a poster.")
            poster = await _poster(services, received, thumb)
            width, height, has_thumbnail = poster.width, poster.height, True
        received.path.rename(final)
        async with services.db.write() as tx:
            await repo.insert(
                tx.conn,
                id=file_id,
                uploader_id=user_id,
                storage_name=file_id,
                name=clean_filename(received.filename),
                mime=mime,
                size=size,
                width=width,
                height=height,
                has_thumbnail=has_thumbnail,
                duration_ms=media.duration_ms,
                waveform=media.waveform,
                created_at=utcnow(),
            )
            row = await repo.get(tx.conn, file_id)
            assert row is not None
    except BaseException:
        for path in (received.path, final, thumb):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise
    finally:
        if received.poster is not None:
            with contextlib.suppress(FileNotFoundError):
                received.poster.unlink()
    return UploadOut(**attachment_out(row).model_dump())


async def readable(services: Services, user_id: int, file_id: str) -> Any:
    """The attachment row if this user may read it: its uploader, anyone for avatars, or a
    member of the chat it was sent to. Everyone else gets the same 404."""
    async with services.db.read() as conn:
        row = await repo.get(conn, file_id)
        if row is None:
            raise NotFound("File not found.")
        if row.uploader_id == user_id or row.is_avatar:
            return row
        if row.message_id is not None:
            message = await messages_repo.get(conn, row.message_id)
            member = message and await chats_repo.membership(conn, message.chat_id, user_id)
            if member is not None:
                return row
    raise NotFound("File not found.")


async def copy_rows(tx: WriteTx, message_id: int, user_id: int) -> list[str]:
    """New attachment rows (new ids, the forwarder as uploader) over the same stored files
    as a message's attachments, for a forwarded copy: no upload, and the copy's access and
    life no longer depend on the original's. Returns the new ids, unsent yet."""
    return await repo.copy_for(tx.conn, message_id, user_id)


async def avatar(services: Services, file_id: str) -> Any:
    """The attachment row if it is someone's (or a group's) avatar now; else a 404."""
    async with services.db.read() as conn:
        row = await repo.get(conn, file_id)
    if row is None or not row.is_avatar:
        raise NotFound("File not found.")
    return row
