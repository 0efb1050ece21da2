"""The call state machine and the in-memory registry of calls.

RINGING -> ACTIVE -> ENDED, or RINGING -> ENDED; nothing goes back and an illegal move
raises. Calls live in the memory of one process (in a cluster, the calls leader: see
calls/front.py): signaling is best effort and a restart of that process ends its calls.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shomik.calls.schemas import Call as CallOut
from shomik.calls.schemas import EndReason, Media


@dataclass(frozen=True)
class ConnRef:
    """A socket, by name: the process that holds it and its id there. Calls keep names,
    not sockets, so that the process holding the calls (calls/front.py) can be another
    than the one holding a participant's socket."""

    process_id: str
    cid: int
    user_id: int


class CallState(enum.Enum):
    RINGING = "ringing"
    ACTIVE = "active"
    ENDED = "ended"


_NEXT = {
    CallState.RINGING: {CallState.ACTIVE, CallState.ENDED},
    CallState.ACTIVE: {CallState.ENDED},
    CallState.ENDED: set(),
}


class IllegalTransition(RuntimeError):
    pass


@dataclass
class Participant:
    # The one socket that joined: signals go to it alone, so a second tab of the same user
    # neither answers offers meant for the call tab nor keeps a dead call alive.
    conn: ConnRef | None
    # Armed while `conn` is gone: the participant is removed when it fires (the grace).
    grace: asyncio.TimerHandle | None = None


@dataclass
class SfuRoom:
    """A group call's Janus VideoRoom (calls/sfu.py): its id and each participant's token."""

    room_id: int
    tokens: dict[int, str] = field(default_factory=dict)
    # Janus requests of one room run in the order the call's changes happened (a join's
    # token is added before that user's leave takes it away).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class Call:
    id: str
    chat_id: int
    media: Media
    initiator_id: int
    is_group: bool
    max_participants: int
    started_at: datetime
    state: CallState = CallState.RINGING
    participants: dict[int, Participant] = field(default_factory=dict)
    declined: set[int] = field(default_factory=set)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    ring_timer: asyncio.TimerHandle | None = None
    # Members who never hear of this call: the callee of a caller they blocked. It rings
    # on the caller's side until it is missed, as an unanswered call does.
    unreached: frozenset[int] = frozenset()
    # Set when the call goes through the SFU (its topology is "sfu"); None: a mesh.
    sfu: SfuRoom | None = None

    def move(self, to: CallState) -> None:
        if to not in _NEXT[self.state]:
            raise IllegalTransition(f"illegal call transition {self.state} -> {to}")
        self.state = to

    @property
    def live(self) -> bool:
        return self.state is not CallState.ENDED

    def out(self) -> CallOut:
        return CallOut(
            id=self.id,
            chat_id=self.chat_id,
            media=self.media,
            state=self.state.value,
            initiator_id=self.initiator_id,
            participants=list(self.participants),
            topology="mesh" if self.sfu is None else "sfu",
            max_participants=self.max_participants,
            started_at=self.started_at,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            end_reason=self.end_reason,
        )

    def cancel_timers(self) -> None:
        if self.ring_timer is not None:
            self.ring_timer.cancel()
            self.ring_timer = None
        for participant in self.participants.values():
            if participant.grace is not None:
                participant.grace.cancel()
                participant.grace = None


class CallRegistry:
    """Live calls, indexed by id, by chat (one call per chat) and by participant (one call
    per user). Ended calls are dropped from every index at once."""

    def __init__(self) -> None:
        self.by_id: dict[str, Call] = {}
        self.by_chat: dict[int, Call] = {}
        self.by_user: dict[int, Call] = {}
        # Timer callbacks start tasks; keep them referenced until they finish.
        self.tasks: set[asyncio.Task[None]] = set()

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(12)  # unguessable: ids travel to every chat member

    def add(self, call: Call) -> None:
        self.by_id[call.id] = call
        self.by_chat[call.chat_id] = call

    def join(self, call: Call, user_id: int, conn: ConnRef | None) -> None:
        call.participants[user_id] = Participant(conn)
        self.by_user[user_id] = call

    def leave(self, call: Call, user_id: int) -> None:
        participant = call.participants.pop(user_id, None)
        if participant is not None and participant.grace is not None:
            participant.grace.cancel()
        if self.by_user.get(user_id) is call:
            del self.by_user[user_id]

    def drop(self, call: Call) -> None:
        call.cancel_timers()
        self.by_id.pop(call.id, None)
        if self.by_chat.get(call.chat_id) is call:
            del self.by_chat[call.chat_id]
        for user_id in call.participants:
            if self.by_user.get(user_id) is call:
                del self.by_user[user_id]

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
