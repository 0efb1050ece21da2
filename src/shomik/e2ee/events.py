from __future__ import annotations

from typing import Any

from shomik.e2ee.schemas import CommitEvent, DeviceAdded, DevicesRevoked, WelcomeEvent
from shomik.realtime.kinds import EventKind

E2EE_COMMIT = EventKind(
    "e2ee:commit",
    CommitEvent,
    durable=True,
    doc="A secret chat's MLS commit was accepted for its epoch: apply it (all devices in "
    "the group at `epoch` except the committer's).",
)
E2EE_WELCOME = EventKind(
    "e2ee:welcome",
    WelcomeEvent,
    durable=True,
    doc="Some of your devices were added to a secret chat's MLS group: each device named in "
    "`deviceIds` joins with this Welcome.",
)
E2EE_DEVICES_REVOKED = EventKind(
    "e2ee:devices_revoked",
    DevicesRevoked,
    durable=True,
    doc="A member's sessions ended: their devices in this secret chat's group are to be "
    "removed by the next commit.",
)

E2EE_DEVICE_ADDED = EventKind(
    "e2ee:device_added",
    DeviceAdded,
    durable=True,
    doc="A member registered a new device: the secret chat's group is to add it in the next "
    "commit (a device in the group commits it).",
)

EVENTS: tuple[EventKind[Any], ...] = (
    E2EE_COMMIT,
    E2EE_WELCOME,
    E2EE_DEVICES_REVOKED,
    E2EE_DEVICE_ADDED,
)
