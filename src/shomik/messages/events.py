from __future__ import annotations

from shomik.messages.schemas import Message, PinUpdated, ReactionUpdated, ReadUpdated
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
