"""What a message must be before it is stored: its content (ciphertext in a secret chat,
plain text within the length limit elsewhere), its attachments and the message type they
imply, and the rules of control messages (docs/e2ee.md §9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shomik.chats import repository as chats_repo
from shomik.db.engine import WriteTx
from shomik.e2ee import wire
from shomik.errors import Invalid
from shomik.messages.schemas import MAX_MESSAGE_LENGTH, MessageSend
from shomik.uploads import repository as uploads_repo
from shomik.uploads.inspect import AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES
from shomik.uploads.service import SEALED_MIME


def check_content(content: str, secret: bool) -> None:
    """A secret chat's messages are MLS ciphertext the server never reads (docs/e2ee.md):
    plaintext there is a client's bug, refused rather than stored. Elsewhere the length
    limit of plain text holds."""
    if secret:
        if not wire.is_application_ciphertext(content):
            raise Invalid(
                "A secret chat's messages are MLS application messages, in base64.",
                field="content",
                code="not_ciphertext",
            )
    elif len(content) > MAX_MESSAGE_LENGTH:
        raise Invalid(
            f"content: a message is at most {MAX_MESSAGE_LENGTH} characters.", field="content"
        )


async def check_attachments(tx: WriteTx, user_id: int, ids: list[str], secret: bool) -> str:
    """The attachments must be this user's, unsent; returns the message type they imply.
    A secret chat takes only sealed files (encrypted in the browser: a plain one would put
    plaintext on the server), and only a secret chat takes them (opaque bytes the server
    could not check)."""
    if len(set(ids)) != len(ids):
        raise Invalid("An attachment is listed twice.")
    rows = await uploads_repo.get_many(tx.conn, ids)
    found = {r.id: r for r in rows}
    for attachment_id in ids:
        row = found.get(attachment_id)
        if row is None or row.uploader_id != user_id:
            raise Invalid(f"Unknown attachment {attachment_id}.", code="unknown_attachment")
        if row.message_id is not None:
            raise Invalid(f"Attachment {attachment_id} was already sent.")
        if (row.mime == SEALED_MIME) != secret:
            raise Invalid(
                f"Attachment {attachment_id}: a secret chat's files are sealed "
                "(encrypted, uploaded with `sealed`), and only a secret chat's are.",
                code="not_ciphertext" if secret else "sealed_attachment",
            )
    return type_of(rows)


async def check_control(tx: WriteTx, data: MessageSend) -> str:
    """A control message is ciphertext for the clients alone (a reaction in a secret chat):
    only in secret chats, with nothing the server would show beside it."""
    chat = await chats_repo.get(tx.conn, data.chat_id)
    if chat is None or not chat.secret:
        raise Invalid(
            "Control messages exist only in secret chats.", field="type", code="not_secret"
        )
    if data.attachment_ids or data.reply_to is not None:
        raise Invalid(
            "A control message has no attachments and replies to nothing.",
            code="control_message",
        )
    return "control"


def type_of(rows: Sequence[Any]) -> str:
    """Images make a photo message, videos a video; one recorded clip (audio with the
    duration the recorder measured) a voice message; anything else, or a mix, files."""
    mimes = [str(r.mime) for r in rows]
    if all(m in IMAGE_TYPES and r.width is not None for m, r in zip(mimes, rows, strict=True)):
        return "image"
    if all(m in VIDEO_TYPES for m in mimes):
        return "video"
    if len(rows) == 1 and mimes[0] in AUDIO_TYPES and rows[0].duration_ms is not None:
        return "voice"
    return "file"
