from __future__ import annotations

from shomik.presence.schemas import TypingUpdate, UserStatus
from shomik.realtime.kinds import EventKind
from shomik.users.schemas import UserProfile

TYPING_UPDATE = EventKind(
    "typing:update", TypingUpdate, durable=False, doc="Someone started or stopped typing."
)
USER_STATUS = EventKind(
    "user:status",
    UserStatus,
    durable=False,
    doc="A contact came online, went away or left; null when you may no longer see it.",
)
USER_UPDATED = EventKind(
    "user:updated",
    UserProfile,
    durable=True,
    doc="A contact (or you) changed their name or avatar. Durable: replayed on resume. "
    "No presence: that comes with user:status.",
)
