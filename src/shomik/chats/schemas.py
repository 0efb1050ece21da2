from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from shomik.messages.schemas import Message
from shomik.schemas import Id, InputDatetime, Model, UtcDatetime
from shomik.users.schemas import UserPublic

ChatType = Literal["private", "group"]
Role = Literal["owner", "admin", "member"]


class Member(Model):
    user: UserPublic
    role: Role
    last_read_seq: int


class ChatInfo(Model):
    """A chat's heading: what a list row, a search hit or `chat:updated` shows of it. No
    member list, which grows with the group (up to 1,000): members are a page away
    (`GET /api/chats/{id}/members`)."""

    id: int
    type: ChatType
    name: str | None
    avatar_url: str | None
    created_at: UtcDatetime
    member_count: int
    # A secret chat (end-to-end encrypted, docs/e2ee.md): its messages are MLS ciphertext.
    secret: bool = False
    # A secret chat's self-destruct timer: messages sent while it is set are deleted for
    # everyone this many seconds after sending (`Message.expiresAt`). Null: off.
    self_destruct_seconds: int | None = None
    # The other person of a private chat, as the receiver may see them; null for groups
    # and always in `chat:updated` (groups', and a secret chat's timer): keep the one known.
    peer: UserPublic | None


class ChatSettings(Model):
    """One member's own settings of a chat, the same on all their devices."""

    # Silent until then (no sound, toast or notification; grey badge); null: not muted.
    # "Forever" is any time from year 9000 on.
    muted_until: UtcDatetime | None
    # In the Archived folder; a new message in an unmuted archived chat brings it back.
    archived: bool
    # Pinned to the top of the list; `pinnedAt` orders the pinned chats (earlier first).
    pinned: bool
    pinned_at: UtcDatetime | None
    # Marked unread by hand; reading the chat clears it.
    marked_unread: bool


class Chat(ChatInfo):
    """A chat as one user sees it in the list."""

    # This user's own membership: their role, and the seq they have read through.
    role: Role
    last_read_seq: int
    # The furthest any other member has read (0: no one yet): "read" ticks on one's own
    # messages. Kept current by `read:updated` and `message:new` (a sender has read up to
    # their message).
    others_read_seq: int
    last_seq: int
    # The newest message this user may see (not deleted for everyone, not hidden for them).
    last_message: Message | None
    # Messages after the read position that this user may see.
    unread_count: int
    pinned_messages: list[Message]
    # Unread messages that mention this user, and the first one's seq (to jump to it).
    unread_mentions: int
    first_unread_mention_seq: int | None
    settings: ChatSettings


class ChatSettingsUpdate(Model):
    """Any subset; an absent field is left as it is."""

    muted_until: InputDatetime | None = None
    # Strict: `0` or "yes" is no answer to a yes/no question (the schema says boolean).
    archived: bool | None = Field(None, strict=True)
    pinned: bool | None = Field(None, strict=True)
    marked_unread: bool | None = Field(None, strict=True)


class PinnedChatsOrder(Model):
    """The pinned chats, top first: exactly the chats pinned now."""

    chat_ids: list[Id] = Field(max_length=5)


class ChatSettingsChanged(Model):
    chat_id: int
    settings: ChatSettings


class ChatList(Model):
    """A page of the chat list, in list order: pinned chats first (in the order their
    owner gave them), then the rest by last activity, newest first; archived chats among
    them (the client shows those in the Archived folder)."""

    chats: list[Chat]
    # Pass as `cursor` for the next page; null on the last page.
    next_cursor: str | None
    # Over all of the user's chats, not this page alone, as of this answer: the sum of
    # their unread counts, and how many are archived.
    unread_total: int
    archived_count: int


class MemberPage(Model):
    """A page of a chat's members: the owner, then admins, then members, each group in
    the order of their user ids."""

    members: list[Member]
    # Pass as `after` for the next page; null on the last page.
    next_cursor: str | None


class MembersChanged(Model):
    """Members joined, left or changed role (`chat:members`): enough to keep a loaded
    member list and the member count current without fetching them again."""

    chat_id: int
    member_count: int
    # Who joined or changed role, as they are now (presence as every member may see it).
    members: list[Member]
    # Who left or was removed.
    removed_user_ids: list[int]


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
