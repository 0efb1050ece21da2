from __future__ import annotations

from shomik.chats.invite_schemas import Invite, InviteRemoved
from shomik.chats.schemas import Chat, ChatInfo, ChatRemoved, ChatSettingsChanged, MembersChanged
from shomik.realtime.kinds import EventKind

CHAT_NEW = EventKind("chat:new", Chat, durable=True, doc="You are now a member of this chat.")
CHAT_UPDATED = EventKind(
    "chat:updated",
    ChatInfo,
    durable=True,
    doc="Name or avatar changed, or a secret chat's self-destruct timer.",
)
CHAT_MEMBERS = EventKind(
    "chat:members",
    MembersChanged,
    durable=True,
    doc="Members joined, left or were removed, or a role changed: who, and the new count.",
)
CHAT_REMOVED = EventKind(
    "chat:removed", ChatRemoved, durable=True, doc="You left or were removed from this chat."
)
CHAT_SETTINGS = EventKind(
    "chat:settings",
    ChatSettingsChanged,
    durable=True,
    doc="Your own settings of a chat changed (mute, archive, pin, marked unread), on any of "
    "your devices.",
)
CHAT_INVITED = EventKind(
    "chat:invited",
    Invite,
    durable=True,
    doc="You were invited to a group (you let no one add you): accept or decline it.",
)
CHAT_INVITE_REMOVED = EventKind(
    "chat:invite_removed",
    InviteRemoved,
    durable=True,
    doc="An invitation of yours is gone: accepted or declined (on any of your devices), or "
    "no longer valid (its inviter left the group).",
)
