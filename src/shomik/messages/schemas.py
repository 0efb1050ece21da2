from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from shomik.schemas import Id, Model, UtcDatetime

MessageType = Literal["text", "image", "file", "system"]
ClientId = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class AttachmentOut(Model):
    id: str
    url: str
    name: str
    mime: str
    size: int
    width: int | None = None
    height: int | None = None
    thumbnail_url: str | None = None


class ReplyPreview(Model):
    id: int
    seq: int
    sender_id: int | None
    type: MessageType
    # The first 200 characters: enough for the quote above a reply.
    content: str


class Message(Model):
    id: int
    chat_id: int
    seq: int
    sender_id: int | None
    type: MessageType
    content: str
    reply_to: int | None
    reply_preview: ReplyPreview | None
    attachments: list[AttachmentOut]
    # emoji -> ids of the users who reacted with it, in order of reaction.
    reactions: dict[str, list[int]]
    # Members (other than the sender) whose read position has reached this message.
    read_by: list[int]
    client_id: str | None
    # For system messages: what happened, for clients that render their own wording.
    meta: dict[str, Any] | None
    created_at: UtcDatetime
    edited_at: UtcDatetime | None
    deleted_at: UtcDatetime | None


class MessageSend(Model):
    chat_id: Id
    content: str = Field("", max_length=4096)
    type: Literal["text", "image", "file"] | None = None
    reply_to: Id | None = None
    attachment_ids: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=10
    )
    client_id: str | None = ClientId


class MessageSendCommand(MessageSend):
    """Over the WebSocket a clientId is required: it is what makes retries safe."""

    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class MessagePage(Model):
    messages: list[Message]
    has_more: bool


# What a chat's info panel lists: photos (media), other attachments (files), and messages
# whose text holds an http(s) link (links).
SharedKind = Literal["media", "files", "links"]


class SharedPage(Model):
    """Messages of one shared kind, newest first; page on with `before` = the last seq."""

    items: list[Message]
    has_more: bool


class ReadCommand(Model):
    chat_id: Id
    message_id: Id


class ReactionCommand(Model):
    message_id: Id
    emoji: str = Field(min_length=1, max_length=32)


class PinCommand(Model):
    chat_id: Id
    message_id: Id


class ReactionUpdated(Model):
    chat_id: int
    message_id: int
    reactions: dict[str, list[int]]


class ReadUpdated(Model):
    chat_id: int
    user_id: int
    message_id: int
    # The message seq the user has now read up to (inclusive).
    seq: int


class PinUpdated(Model):
    chat_id: int
    message_id: int
    pinned: bool
    by: int
    # The pinned message, so a client can show it without loading history.
    message: Message | None


class ReadAck(Model):
    chat_id: int
    seq: int


class Empty(Model):
    pass
