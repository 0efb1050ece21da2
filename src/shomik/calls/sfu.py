"""Group calls through the SFU: what a call's changes do to its Janus room (sfu/rooms.py).

The server stays the authority: a group call started while an SFU is configured gets a
room; each participant, when they start, answer or join, gets a token of their own for it
(in their ack only); leaving, or being removed from the chat, revokes the token and kicks
them; the call's end destroys the room. Browsers talk to Janus for media, never with a
secret of the server's. If Janus cannot be reached when a call starts, the call is a mesh.

Each room's description says which call it is (`description`): after a restart, the sweep
that removes the rooms of lost calls reads it to end those calls in their chats
(calls/lost.py, docs/calls.md §9).

Janus requests of one room are serialised by the room's lock in the order the call's
changes happened; those that nobody waits for (leaving, ending) run in tasks, so a slow
Janus never holds up the call's own state.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable

from shomik.calls import turn
from shomik.calls.schemas import SfuAccess
from shomik.calls.state import Call, CallRegistry, SfuRoom
from shomik.errors import Busy
from shomik.services import Services
from shomik.sfu.janus import JanusError, JanusUnavailable

log = logging.getLogger(__name__)

# Room ids travel to browsers as JSON numbers: below 2^53 they are read exactly.
ROOM_ID_LIMIT = 2**53


def live(calls: CallRegistry) -> tuple[set[int], set[str]]:
    """The rooms and tokens of the live calls: what the SFU's sweep keeps."""
    rooms: set[int] = set()
    tokens: set[str] = set()
    for call in calls.by_id.values():
        if call.sfu is not None:
            rooms.add(call.sfu.room_id)
            tokens.update(call.sfu.tokens.values())
    return rooms, tokens


def _token() -> str:
    return secrets.token_urlsafe(24)


def description(call: Call) -> str:
    """What a call's room says of it: enough to write the call's end into its chat when the
    server that held the call is gone (calls/lost.py). Its participants can read it (Janus
    sends it with `joined`); it tells them nothing new."""
    answered = call.answered_at.isoformat() if call.answered_at is not None else None
    return json.dumps(
        {
            "shomik": "call",
            "call": call.id,
            "chat": call.chat_id,
            "media": call.media,
            "by": call.initiator_id,
            "started": call.started_at.isoformat(),
            "answered": answered,
        },
        separators=(",", ":"),
    )


async def open_room(services: Services, call: Call, user_id: int) -> SfuRoom | None:
    """A room for a new group call (not yet registered), with its starter's token; None: no
    SFU to use (not configured, or not answering), and the call is a mesh."""
    sfu = services.sfu
    if sfu is None:
        return None
    room = SfuRoom(room_id=secrets.randbelow(ROOM_ID_LIMIT - 1) + 1)
    token = _token()
    limit = services.settings.sfu_max_participants
    try:
        await sfu.create_room(room.room_id, limit, [token], description(call))
    except (JanusUnavailable, JanusError):
        log.warning("Janus cannot be used: this group call is a mesh", exc_info=True)
        return None
    room.tokens[user_id] = token
    return room


def discard(services: Services, room: SfuRoom) -> None:
    """A room made for a call that then could not start."""
    _later(services, room, "destroy", _destroy(services, room, list(room.tokens.values())))


async def admit(services: Services, call: Call, user_id: int) -> None:
    """A token for user_id, valid in Janus before the ack that carries it is sent."""
    room, sfu = call.sfu, services.sfu
    assert room is not None and sfu is not None
    token = room.tokens[user_id] = _token()
    try:
        async with room.lock:
            await sfu.allow(room.room_id, token)
    except (JanusUnavailable, JanusError) as exc:
        if room.tokens.get(user_id) == token:
            del room.tokens[user_id]
        log.warning("Janus refused or missed a token for call %s", call.id, exc_info=True)
        raise Busy("The call's media server cannot be reached just now: try again.", 5) from exc


async def moved(services: Services, call: Call, user_id: int) -> None:
    """user_id answered from another socket: their old one's feed, if it is still in the
    room, would hold their id there. Kicked before the new one is told to join."""
    room, sfu = call.sfu, services.sfu
    assert room is not None and sfu is not None
    try:
        async with room.lock:
            await sfu.kick(room.room_id, user_id)
    except (JanusUnavailable, JanusError):
        log.warning("could not kick the old feed of user %s in call %s", user_id, call.id)


def answered(services: Services, call: Call) -> None:
    """The call was answered: its room says since when (the duration a lost call reports)."""
    room, sfu = call.sfu, services.sfu
    if room is None or sfu is None:
        return
    _later(services, room, "edit", sfu.describe(room.room_id, description(call)))


def left(services: Services, call: Call, user_id: int) -> None:
    """user_id is out of the call (hung up, disconnected, removed from the chat)."""
    room, sfu = call.sfu, services.sfu
    if room is None or sfu is None:
        return
    token = room.tokens.pop(user_id, None)
    keep = set(call.participants)
    _later(services, room, "revoke", sfu.revoke(room.room_id, token, user_id, keep))


def ended(services: Services, call: Call) -> None:
    room = call.sfu
    if room is None or services.sfu is None:
        return
    tokens = list(room.tokens.values())
    room.tokens.clear()
    _later(services, room, "destroy", _destroy(services, room, tokens))


async def _destroy(services: Services, room: SfuRoom, tokens: list[str]) -> None:
    assert services.sfu is not None
    await services.sfu.destroy_room(room.room_id, tokens)


def _later(services: Services, room: SfuRoom, what: str, step: Awaitable[None]) -> None:
    async def run() -> None:
        try:
            async with room.lock:
                await step
        except (JanusUnavailable, JanusError):
            # Janus gone or restarted: its rooms and tokens went with it, or the next
            # connection's sweep removes them.
            log.warning("Janus: %s of room %s failed", what, room.room_id, exc_info=True)

    services.calls.spawn(run())


def access(services: Services, call: Call, user_id: int) -> SfuAccess | None:
    """What user_id's browser needs to reach the call's room (their ack's `sfu`)."""
    room = call.sfu
    token = room.tokens.get(user_id) if room is not None else None
    if room is None or token is None:
        return None
    settings = services.settings
    ice = turn.ice_servers(settings, user_id)
    return SfuAccess(
        url=settings.sfu_public_url,
        room=room.room_id,
        token=token,
        feed_id=user_id,
        ice_servers=ice.ice_servers,
        ice_transport_policy=ice.ice_transport_policy,
    )
