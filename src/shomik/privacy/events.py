from __future__ import annotations

from shomik.privacy.schemas import BlockUpdated, Privacy
from shomik.realtime.kinds import EventKind

PRIVACY_UPDATED = EventKind(
    "privacy:updated",
    Privacy,
    durable=True,
    doc="Your privacy settings changed (on any of your devices).",
)
BLOCK_UPDATED = EventKind(
    "block:updated",
    BlockUpdated,
    durable=True,
    doc="You blocked or unblocked someone (on any of your devices).",
)
