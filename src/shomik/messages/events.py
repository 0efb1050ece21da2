from __future__ import annotations

from shomik.messages.schemas import (
    Message,
    MessagesDeleted,
    PinUpdated,
    ReactionUpdated,
    ReadUpdated,
)
from shomik.realtime.kinds import EventKind

MESSAGE_NEW = EventKind("message:new", Message, durable=True, doc="A message was stored.")
REACTION_UPDATED = EventKind(
    "reaction:updated", ReactionUpdated, durable=True, doc="A message's reactions changed."
)
READ_UPDATED = EventKind(
    "read:updated", ReadUpdated, durable=True, doc="A member's read position moved forward."
)
PIN_UPDATED = EventKind(
    "pin:updated", PinUpdated, durable=True, doc="A message was pinned or unpinned."
)
MESSAGE_UPDATED = EventKind(
    "message:updated", Message, durable=True, doc="A message was edited (it carries editedAt)."
)
MESSAGE_DELETED = EventKind(
    "message:deleted",
    MessagesDeleted,
    durable=True,
    doc="Messages were deleted: for everyone (to the chat's members) or for you (your own "
    "sockets only).",
)
