from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shomik.messages.schemas import Message
from shomik.schemas import Id, Model, UtcDatetime
from shomik.users.schemas import UserPublic

ChatType = Literal["private", "group"]
Role = Literal["owner", "admin", "member"]


class Member(Model):
    user: UserPublic
    role: Role
    last_read_seq: int


class ChatInfo(Model):
    """What every member sees alike; the payload of `chat:updated`."""

    id: int
    type: ChatType
    name: str | None
    avatar_url: str | None
    created_at: UtcDatetime
    members: list[Member]


class Chat(ChatInfo):
    """A chat as one user sees it in the list."""

    last_seq: int
    last_message: Message | None
    unread_count: int
    pinned_messages: list[Message]


class ChatList(Model):
    chats: list[Chat]


class PrivateChatCreate(Model):
    type: Literal["private"]
    user_id: Id


class GroupChatCreate(Model):
    type: Literal["group"]
    name: str = Field(min_length=1, max_length=128)
    participant_ids: list[Id] = Field(default_factory=list, max_length=1000)


ChatCreate = Annotated[PrivateChatCreate | GroupChatCreate, Field(discriminator="type")]


class ChatUpdate(Model):
    name: str | None = Field(None, min_length=1, max_length=128)
    avatar_id: str | None = Field(None, max_length=32)


class MembersAdd(Model):
    user_ids: list[Id] = Field(min_length=1, max_length=100)


class RoleUpdate(Model):
    role: Literal["admin", "member"]


class ChatRemoved(Model):
    chat_id: int
    # Why, and by whom, so the client can say "You were removed from Team by Alice".
    reason: Literal["left", "removed"] = "left"
    by_user_id: int | None = None
    chat_name: str | None = None
