from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from shomik.previews.schemas import LinkPreview
from shomik.schemas import Id, Model, UtcDatetime

# `control`: only in secret chats, ciphertext the clients act on and never show (a
# reaction travels so, docs/e2ee.md): delivered like any message, but never unread, never
# a chat's last message, never pushed, never replied to, pinned or forwarded.
MessageType = Literal["text", "image", "file", "voice", "video", "system", "control"]
MAX_MESSAGE_LENGTH = 4096
# The content of a secret chat's message: base64 of an MLS PrivateMessage (docs/e2ee.md). A
# 4,096-character text is at most 16 KB of UTF-8; with its encrypted envelope (reply, keys
# of attachments) and base64's 4/3 it stays under 32 KB. Plain chats keep MAX_MESSAGE_LENGTH
# (messages/service.py checks which applies).
MAX_CIPHERTEXT_LENGTH = 32 * 1024
MAX_ATTACHMENTS = 10
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
    # Voice and video: the length the browser measured (null if unknown or another type).
    duration_ms: int | None
    # Voice: up to 100 levels of 0-255 across the recording, for the bubble's bars.
    waveform: list[int] | None


class ReplyPreview(Model):
    id: int
    seq: int
    sender_id: int | None
    type: MessageType
    # The first 200 characters: enough for the quote above a reply ("" once deleted).
    content: str
    # The quoted message was deleted for everyone: show "Deleted message".
    deleted: bool


class ForwardedFrom(Model):
    """Where a forwarded copy comes from: the original author (kept through re-forwards)."""

    user_id: int | None
    display_name: str
    chat_id: int
    message_id: int
    sent_at: UtcDatetime


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
    forwarded_from: ForwardedFrom | None
    # Members mentioned as @username, decided by the server.
    mentions: list[int]
    # The card of the first http(s) link: None until the server fetched it (it then comes
    # as `message:updated`), if the page had none, or once the sender removed it.
    link_preview: LinkPreview | None
    # A secret chat's self-destruct timer was set when it was sent: at this time it is
    # deleted for everyone (clients hide it then; the server's sweep deletes it soon after).
    # Edits keep it. (A default, so that clients built before it need not name it.)
    expires_at: UtcDatetime | None = None


MessageIds = Annotated[list[Id], Field(min_length=1, max_length=100)]


class MessageEdit(Model):
    message_id: Id
    content: str = Field(max_length=MAX_CIPHERTEXT_LENGTH)


class MessageDelete(Model):
    message_ids: MessageIds
    # True: gone for every member; False: hidden for you only, on all your devices.
    # Strict: "yes" is not a decision to delete for everyone.
    for_everyone: bool = Field(False, strict=True)


class MessagesDeleted(Model):
    """The ack of `message:delete`, and (with `forEveryone`) the `message:deleted` event."""

    chat_id: int
    message_ids: list[int]
    for_everyone: bool


class MessageForward(Model):
    message_ids: MessageIds
    to_chat_id: Id
    client_id: str = Field(min_length=1, max_length=56, pattern=r"^[A-Za-z0-9_.:-]+$")


class ForwardedMessages(Model):
    messages: list[Message]


class MessageSend(Model):
    chat_id: Id
    content: str = Field("", max_length=MAX_CIPHERTEXT_LENGTH)
    type: Literal["text", "image", "file", "control"] | None = None
    reply_to: Id | None = None
    attachment_ids: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS
    )
    client_id: str | None = ClientId


class MessageSendCommand(MessageSend):
    """Over the WebSocket a clientId is required: it is what makes retries safe."""

    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class MessagePage(Model):
    messages: list[Message]
    # Older messages exist before this page (with `after`: newer ones exist after it).
    has_more: bool
    # `around` pages only: newer messages exist after this page (null on other pages).
    has_newer: bool | None = None


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
