from __future__ import annotations

from typing import Literal

from shomik.schemas import Model

# Who sees the user's live status and last-seen time. "chats": people who share a chat
# with them. The others get `status: null, lastSeen: null` ("last seen recently").
LastSeenPrivacy = Literal["everybody", "chats", "nobody"]
# Who may add the user to groups; with "nobody", an admin's add becomes an invitation.
GroupAddsPrivacy = Literal["everybody", "nobody"]


class Privacy(Model):
    """The user's privacy settings (`UserMe.privacy`, `privacy:updated`)."""

    last_seen: LastSeenPrivacy
    group_adds: GroupAddsPrivacy


class PrivacyUpdate(Model):
    """Any subset; an absent field is left as it is."""

    last_seen: LastSeenPrivacy | None = None
    group_adds: GroupAddsPrivacy | None = None


class BlockUpdated(Model):
    """You blocked or unblocked someone (on any of your devices)."""

    user_id: int
    blocked: bool
