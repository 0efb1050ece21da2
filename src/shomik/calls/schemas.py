"""Wire models of calls: commands, the call object, event payloads and the ICE servers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from shomik.schemas import Id, Model, UtcDatetime

Media = Literal["audio", "video"]
CallStateName = Literal["ringing", "active", "ended"]
# Every way a call ends; docs/calls.md says when each one happens.
EndReason = Literal["hangup", "cancelled", "declined", "missed", "busy", "disconnected"]
CallId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

# The whole command frame must fit uvicorn's 64 KiB WebSocket frame limit (cli.py), and
# a larger frame closes the socket instead of answering an error: 32 KiB of SDP leaves room
# for JSON escaping of its CRLFs. Real offers are 3-10 KiB (audio, video and a screen).
MAX_SDP_CHARS = 32 * 1024
# One a=candidate line is ~100-200 bytes; 2 KiB bounds the whole candidate object.
MAX_CANDIDATE_CHARS = 2048


class Call(Model):
    id: str
    chat_id: int
    media: Media
    state: CallStateName
    initiator_id: int
    # Who is in the call now, in order of joining (the initiator first).
    participants: list[int]
    # "mesh": every participant negotiates with every other one. "sfu": each one publishes
    # to and subscribes from the call's Janus room (the ack's `sfu`; docs/calls.md §9).
    topology: Literal["mesh", "sfu"]
    max_participants: int
    started_at: UtcDatetime
    answered_at: UtcDatetime | None
    ended_at: UtcDatetime | None
    end_reason: EndReason | None


class CallStart(Model):
    chat_id: Id
    media: Media


class CallRef(Model):
    call_id: str = CallId


class SessionDescription(Model):
    type: Literal["offer", "answer", "pranswer", "rollback"]
    sdp: str = Field("", max_length=MAX_SDP_CHARS)


class IceCandidate(Model):
    """RTCIceCandidateInit; an empty `candidate` is the end-of-candidates marker."""

    candidate: str = Field(max_length=MAX_CANDIDATE_CHARS)
    sdp_mid: str | None = Field(None, max_length=64)
    sdp_m_line_index: int | None = Field(None, ge=0, le=1024, alias="sdpMLineIndex")
    username_fragment: str | None = Field(None, max_length=256)


class SdpSignal(Model):
    sdp: SessionDescription


class CandidateSignal(Model):
    candidate: IceCandidate

    @model_validator(mode="after")
    def _small(self) -> CandidateSignal:
        if len(self.candidate.model_dump_json(by_alias=True)) > MAX_CANDIDATE_CHARS:
            raise ValueError(f"a candidate is at most {MAX_CANDIDATE_CHARS} bytes")
        return self


# Exactly one of an SDP (offer/answer) or an ICE candidate: unknown fields are refused, so
# an object with both, or neither, matches no member of the union.
SignalData = SdpSignal | CandidateSignal


class CallSignal(Model):
    call_id: str = CallId
    to: Id
    data: SignalData


# ICE servers (GET /api/calls/ice-servers), shaped as RTCConfiguration fields.


class StunServer(Model):
    urls: list[str]


class TurnServer(Model):
    urls: list[str]
    username: str
    credential: str


class IceServers(Model):
    ice_servers: list[StunServer | TurnServer]
    ice_transport_policy: Literal["all", "relay"]
    # Seconds the TURN credentials stay valid; fetch again before they run out.
    ttl: int


class SfuAccess(Model):
    """How one participant reaches the call's Janus room. Only in the ack of the socket
    that started, accepted or joined: the token is theirs alone."""

    # Janus's WebSocket API (subprotocol "janus-protocol"): a path on this origin (ws: or
    # wss: as the page) or a ws(s):// URL.
    url: str
    # The VideoRoom's id (below 2^53: a JSON number a browser reads exactly).
    room: int
    # Goes in every Janus API request (`token`) and in the VideoRoom `join` (`token`).
    # Valid while this user is in the call; revoked when they leave it.
    token: str
    # The id to join the room with as a publisher: the user's id, which is also how the
    # others' subscriptions name this user's feed.
    feed_id: int
    ice_servers: list[StunServer | TurnServer]
    ice_transport_policy: Literal["all", "relay"]


class CallReply(Model):
    call: Call
    # For a call of topology "sfu": how this participant reaches Janus. Null otherwise.
    sfu: SfuAccess | None = None


class SignalAck(Model):
    # False when the recipient is between sockets (reloading): signaling is best effort.
    delivered: bool


# Event payloads.


class CallIncoming(Model):
    call: Call


class CallMember(Model):
    """call:accepted, call:declined, call:participant_joined/left: who, and the call now."""

    call_id: str
    user_id: int
    call: Call


class CallSignalled(Model):
    call_id: str
    # Set by the server from the sender's socket, never taken from the client.
    from_: int = Field(alias="from")
    data: SignalData


class CallEnded(Model):
    call_id: str
    reason: EndReason
    call: Call


class CallList(Model):
    calls: list[Call]
