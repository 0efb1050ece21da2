"""The shapes of group invitations (docs/protocol.md, "Group invitations")."""

from __future__ import annotations

from shomik.chats.schemas import Chat
from shomik.schemas import Model, UtcDatetime
from shomik.users.schemas import UserProfile


class Invite(Model):
    """An invitation to a group, for someone who does not let others add them."""

    chat_id: int
    chat_name: str | None
    chat_avatar_url: str | None
    inviter: UserProfile
    created_at: UtcDatetime


class InviteList(Model):
    invites: list[Invite]


class InviteRemoved(Model):
    """The invitation is gone: accepted, declined (on any of your devices), or no longer
    valid (its inviter left the group)."""

    chat_id: int


class ChatWithInvites(Chat):
    """A group as its creator or an admin adding members sees it after the change."""

    # Asked to join instead of added: their privacy settings let no one add them. They
    # become members if they accept.
    invited_user_ids: list[int]
