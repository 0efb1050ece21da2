"""The call events. All ephemeral: signaling is best effort and never replayed; what must
survive (missed, declined, answered calls) is a durable `system` message in the chat."""

from __future__ import annotations

from shomik.calls.schemas import CallEnded, CallIncoming, CallMember, CallSignalled
from shomik.realtime.kinds import EventKind

CALL_INCOMING = EventKind(
    "call:incoming",
    CallIncoming,
    durable=False,
    doc="A call started in one of your chats: ring. Sent to the members except the caller.",
)
CALL_ACCEPTED = EventKind(
    "call:accepted",
    CallMember,
    durable=False,
    doc="The call was answered (ringing -> active) by userId. Sent to the chat's members.",
)
CALL_DECLINED = EventKind(
    "call:declined",
    CallMember,
    durable=False,
    doc="userId declined a group call that goes on (stop ringing on their other devices).",
)
CALL_PARTICIPANT_JOINED = EventKind(
    "call:participant_joined",
    CallMember,
    durable=False,
    doc="userId joined a call in progress, or rejoined from a new socket: (re)negotiate.",
)
CALL_PARTICIPANT_LEFT = EventKind(
    "call:participant_left",
    CallMember,
    durable=False,
    doc="userId left a call that goes on (hung up, or disconnected past the grace period).",
)
CALL_SIGNAL = EventKind(
    "call:signal",
    CallSignalled,
    durable=False,
    doc="An SDP or ICE candidate from another participant, to your call socket only.",
)
CALL_ENDED = EventKind(
    "call:ended", CallEnded, durable=False, doc="The call is over; `reason` says why."
)

EVENTS = (
    CALL_INCOMING,
    CALL_ACCEPTED,
    CALL_DECLINED,
    CALL_PARTICIPANT_JOINED,
    CALL_PARTICIPANT_LEFT,
    CALL_SIGNAL,
    CALL_ENDED,
)
