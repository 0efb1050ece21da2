from __future__ import annotations

from shomik.presence.schemas import TypingUpdate, UserStatus
from shomik.realtime.kinds import EventKind

TYPING_UPDATE = EventKind(
    "typing:update", TypingUpdate, durable=False, doc="Someone started or stopped typing."
)
USER_STATUS = EventKind(
    "user:status", UserStatus, durable=False, doc="A contact came online, went away or left."
)
