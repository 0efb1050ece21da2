"""Calls: the rules of starting, answering, joining, leaving and relaying signals.

Every check that needs the database runs before the call's state is touched; the state
changes themselves happen without an await in between, so two commands racing on the same
call cannot both pass a check and both change it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from shomik.calls import sfu as calls_sfu
from shomik.calls.events import (
    CALL_ACCEPTED,
    CALL_DECLINED,
    CALL_ENDED,
    CALL_INCOMING,
    CALL_PARTICIPANT_JOINED,
    CALL_PARTICIPANT_LEFT,
    CALL_SIGNAL,
)
from shomik.calls.schemas import Call as CallOut
from shomik.calls.schemas import (
    CallEnded,
    CallIncoming,
    CallMember,
    CallReply,
    CallSignal,
    CallSignalled,
    EndReason,
    Media,
)
from shomik.calls.state import Call, CallRegistry, CallState, ConnRef
from shomik.chats import repository as chats_repo
from shomik.chats.service import system_message
from shomik.db.engine import WriteTx
from shomik.errors import Conflict, Forbidden, Invalid, NotFound, ShomikError
from shomik.messages.store import reveal_private
from shomik.privacy import repository as privacy_repo
from shomik.push import service as push
from shomik.realtime.events import emit_ephemeral
from shomik.realtime.kinds import EventKind, frame
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users import repository as users_repo

log = logging.getLogger(__name__)


async def _members(services: Services, call: Call) -> frozenset[int]:
    """The chat's members who may know of the call."""
    return await services.hub.members.get(call.chat_id) - call.unreached


async def _find(services: Services, user_id: int, call_id: str) -> Call:
    """A live call in one of the user's chats; anything else is "not found", so a call's
    existence is not revealed to outsiders."""
    call = services.calls.by_id.get(call_id)
    if call is None or user_id not in await _members(services, call):
        raise NotFound("Call not found.")
    return call


async def _announce(
    services: Services, call: Call, kind: EventKind[CallMember], user_id: int
) -> None:
    data = CallMember(call_id=call.id, user_id=user_id, call=call.out())
    emit_ephemeral(services.hub, kind, data, await _members(services, call))


def _reply(services: Services, call: Call, user_id: int) -> CallReply:
    """An ack of start/accept/join: the call, and the caller's own way into its SFU room."""
    return CallReply(call=call.out(), sfu=calls_sfu.access(services, call, user_id))


def _check_free(calls: CallRegistry, user_id: int, chat_id: int) -> None:
    mine = calls.by_user.get(user_id)
    if mine is not None:
        raise Conflict("You are already in a call.", code="in_call", callId=mine.id)
    existing = calls.by_chat.get(chat_id)
    if existing is not None:
        raise Conflict(
            "A call is already going on in this chat: join it.",
            code="call_in_progress",
            callId=existing.id,
        )


async def start(
    services: Services, user_id: int, conn: ConnRef | None, chat_id: int, media: Media
) -> CallReply:
    async with services.db.read() as db:
        await chats_repo.require_member(db, chat_id, user_id)
        chat = await chats_repo.get(db, chat_id)
        peer = await privacy_repo.private_peer(db, chat_id, user_id)
        if peer is not None and peer.blocked_by_me:
            callee = await users_repo.get(db, peer.user_id)
            name = callee.display_name if callee is not None else "this user"
            raise Forbidden(f"Unblock {name} to call them.", code="blocked")
    assert chat is not None
    # Blocked by the callee: the call is theirs to never hear of (privacy/withhold.py).
    unreached = frozenset({peer.user_id}) if peer is not None and peer.blocks_me else frozenset()
    others = await services.hub.members.get(chat_id) - {user_id}
    if not others:
        raise Invalid("There is nobody else in this chat to call.")
    calls = services.calls
    _check_free(calls, user_id, chat_id)
    is_group = chat.type == "group"
    settings = services.settings
    call = Call(
        id=calls.new_id(),
        chat_id=chat_id,
        media=media,
        initiator_id=user_id,
        is_group=is_group,
        max_participants=settings.call_max_participants if is_group else 2,
        started_at=utcnow(),
        unreached=unreached,
    )
    if is_group and services.sfu is not None:
        call.sfu = await calls_sfu.open_room(services, call, user_id)
        if call.sfu is not None:
            call.max_participants = settings.sfu_max_participants
    try:
        # Again after every await above, with none from here to calls.add: a removal that
        # committed meanwhile is seen here (one that commits later finds the call and takes
        # them out of it: member_left_chat), and so is another start that came first.
        if user_id not in await services.hub.members.get(chat_id):
            raise NotFound("Chat not found.")
        _check_free(calls, user_id, chat_id)
    except ShomikError:
        if call.sfu is not None:
            calls_sfu.discard(services, call.sfu)
        raise
    calls.add(call)
    calls.join(call, user_id, conn)
    if not is_group and not unreached and next(iter(others)) in calls.by_user:
        # The callee is talking to someone else: they are not rung, the caller hears busy.
        await _end(services, call, "busy", only_to=frozenset({user_id}))
        return _reply(services, call, user_id)
    loop = asyncio.get_running_loop()
    call.ring_timer = loop.call_later(
        settings.call_ring_seconds, lambda: calls.spawn(_ring_expired(services, call))
    )
    if unreached:
        return _reply(services, call, user_id)  # rings on, unheard, until it is missed
    if not is_group:
        # Rung in a chat never written in: the callee is told of the chat first, so the
        # ringing screen can name the caller.
        async with services.db.write() as tx:
            await reveal_private(tx, services, chat_id)
    emit_ephemeral(services.hub, CALL_INCOMING, CallIncoming(call=call.out()), others)
    push.after_call(services, chat_id, user_id, others, video=media == "video")
    return _reply(services, call, user_id)


async def _ring_expired(services: Services, call: Call) -> None:
    if call.state is CallState.RINGING:
        await _end(services, call, "missed")


async def admit(services: Services, user_id: int, conn: ConnRef | None, call_id: str) -> CallReply:
    """call:accept and call:join: put the user (this socket) into the call. The first one
    in answers it (ringing -> active); the same user again from a new socket rejoins."""
    call = await _find(services, user_id, call_id)
    calls = services.calls
    current = call.participants.get(user_id)
    if current is not None:
        if current.conn == conn:
            return _reply(services, call, user_id)  # a repeat: nothing changed
        if current.grace is not None:
            current.grace.cancel()
            current.grace = None
        current.conn = conn  # back after a reload: the others renegotiate with this socket
        await _announce(services, call, CALL_PARTICIPANT_JOINED, user_id)
        if call.sfu is not None:
            await calls_sfu.moved(services, call, user_id)
        return _reply(services, call, user_id)
    mine = calls.by_user.get(user_id)
    if mine is not None:
        raise Conflict("You are already in another call.", code="in_call", callId=mine.id)
    if len(call.participants) >= call.max_participants:
        raise Conflict(
            f"This call is full ({call.max_participants} people).",
            code="call_full",
            maxParticipants=call.max_participants,
        )
    call.declined.discard(user_id)
    calls.join(call, user_id, conn)
    if call.sfu is not None:
        joined = call.participants[user_id]
        try:
            await calls_sfu.admit(services, call, user_id)
        except ShomikError:
            if call.participants.get(user_id) is joined:
                calls.leave(call, user_id)
            raise
        if call.participants.get(user_id) is not joined:
            # While Janus answered, the call ended or they left it: their token is revoked.
            raise NotFound("Call not found.")
    if call.state is CallState.RINGING:
        call.move(CallState.ACTIVE)
        call.answered_at = utcnow()
        if call.ring_timer is not None:
            call.ring_timer.cancel()
            call.ring_timer = None
        calls_sfu.answered(services, call)
        await _announce(services, call, CALL_ACCEPTED, user_id)
    else:
        await _announce(services, call, CALL_PARTICIPANT_JOINED, user_id)
    return _reply(services, call, user_id)


async def decline(services: Services, user_id: int, call_id: str) -> CallOut:
    call = await _find(services, user_id, call_id)
    if user_id in call.participants:
        raise Conflict("You are in this call: leave it with call:end.", code="in_call")
    call.declined.add(user_id)
    members = await _members(services, call)
    everyone_declined = members - {call.initiator_id} <= call.declined
    if call.state is CallState.RINGING and (not call.is_group or everyone_declined):
        await _end(services, call, "declined")
    else:
        await _announce(services, call, CALL_DECLINED, user_id)
    return call.out()


async def leave(services: Services, user_id: int, call_id: str) -> CallOut:
    call = services.calls.by_id.get(call_id)
    if call is None or user_id not in call.participants:
        # A participant may always leave (no membership read needed); anyone else is told
        # as little as an outsider.
        call = await _find(services, user_id, call_id)
    if user_id not in call.participants:
        raise Conflict("You are not in this call.", code="not_participant")
    await _remove(services, call, user_id, "hangup")
    return call.out()


def member_left_chat(services: Services, chat_id: int, user_id: int) -> None:
    """A member left or was removed from a group (called after the commit, the member cache
    already invalidated): they are out of its call at once, as if they had hung up, so they
    neither hear nor signal in a call of a chat they can no longer read.

    It runs inside the membership change's after-commit, where the write lock is held: the
    removal itself happens here, synchronously, so from now on their signals are refused;
    what needs the database (an ended call's system message) follows in a task."""
    calls = services.calls
    call = calls.by_chat.get(chat_id)
    if call is None:
        return
    call.declined.discard(user_id)
    if user_id in call.participants:
        calls.leave(call, user_id)
        calls.spawn(_after_leaving(services, call, user_id, "hangup"))
    elif call.state is CallState.RINGING and call.is_group:
        # They may have been the last one still rung: then nobody is left to answer.
        calls.spawn(_end_if_everyone_declined(services, call))


async def _remove(services: Services, call: Call, user_id: int, reason: EndReason) -> None:
    services.calls.leave(call, user_id)
    await _after_leaving(services, call, user_id, reason)


async def _end_if_everyone_declined(services: Services, call: Call) -> None:
    members = await _members(services, call)
    if call.state is CallState.RINGING and members - {call.initiator_id} <= call.declined:
        await _end(services, call, "declined")


async def _after_leaving(services: Services, call: Call, user_id: int, reason: EndReason) -> None:
    """user_id is out of the call's participants: end the call or tell the others."""
    calls_sfu.left(services, call, user_id)
    if call.state is CallState.RINGING:  # only the caller is in a ringing call
        await _end(services, call, "cancelled" if reason == "hangup" else reason)
    elif not call.is_group or not call.participants:
        # 1:1: nobody is left to talk to. A group call goes on while anyone is in it.
        await _end(services, call, reason)
    else:
        await _announce(services, call, CALL_PARTICIPANT_LEFT, user_id)


async def signal(services: Services, user_id: int, conn: ConnRef | None, data: CallSignal) -> bool:
    """Relay an SDP or candidate from one participant's call socket to another's. The same
    refusal for an unknown call and for a non-participant: it reveals nothing."""
    socket = f"{conn.process_id}/{conn.cid}" if conn is not None else "none"
    await services.limiter.hit("call_signal", f"{user_id}:{socket}")
    call = services.calls.by_id.get(data.call_id)
    sender = call.participants.get(user_id) if call is not None else None
    if call is None or sender is None or sender.conn != conn:
        raise Forbidden(
            "Only the participants of a call can signal in it, from the socket that joined.",
            code="not_participant",
        )
    if data.to == user_id:
        raise Invalid("A signal goes to another participant.")
    target = call.participants.get(data.to)
    if target is None:
        raise Forbidden("The recipient is not in this call.", code="not_participant")
    if target.conn is None:
        return False  # reloading, within the grace period: they renegotiate on rejoin
    event = CallSignalled(call_id=call.id, from_=user_id, data=data.data)
    services.metrics.event(CALL_SIGNAL.name)
    text = frame(CALL_SIGNAL.name, event.model_dump_json(by_alias=True))
    services.hub.bus.to_connection(target.conn.process_id, target.conn.cid, text)
    return True


def connection_closed(services: Services, conn: ConnRef) -> None:
    """The gateway calls this for every socket that closes. If it was a participant's call
    socket, the participant keeps their place for the grace period (a page reload), then
    is removed."""
    calls = services.calls
    call = calls.by_user.get(conn.user_id)
    participant = call.participants.get(conn.user_id) if call is not None else None
    if call is None or participant is None or participant.conn != conn:
        return
    participant.conn = None

    async def expire() -> None:
        if (
            call.live
            and call.participants.get(conn.user_id) is participant
            and (participant.conn is None)
        ):
            participant.grace = None
            await _remove(services, call, conn.user_id, "disconnected")

    participant.grace = asyncio.get_running_loop().call_later(
        services.settings.call_grace_seconds, lambda: calls.spawn(expire())
    )


async def live_calls(services: Services, user_id: int) -> list[CallOut]:
    """The calls going on in the user's chats (to offer "join", or to rejoin after a
    reload)."""
    result = []
    for call in list(services.calls.by_id.values()):
        if user_id in await _members(services, call):
            result.append(call.out())
    return result


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def summary(
    media: Media, reason: EndReason, answered_at: datetime | None, ended_at: datetime
) -> tuple[str, str, int | None]:
    """The system message's text, the outcome and the duration of an ended call."""
    if answered_at is not None:
        seconds = max(0, int((ended_at - answered_at).total_seconds()))
        return f"{media.capitalize()} call, {_duration(seconds)}", "answered", seconds
    text = {
        "declined": f"Declined {media} call",
        "busy": f"Missed {media} call (busy)",
        "missed": f"Missed {media} call",
    }.get(reason, f"Cancelled {media} call")
    return text, reason, None


async def _end(
    services: Services, call: Call, reason: EndReason, only_to: frozenset[int] | None = None
) -> None:
    if not call.live:
        return
    call.move(CallState.ENDED)
    call.ended_at = utcnow()
    call.end_reason = reason
    services.calls.drop(call)
    call.participants.clear()
    calls_sfu.ended(services, call)
    audience = only_to if only_to is not None else await _members(services, call)
    event = CallEnded(call_id=call.id, reason=reason, call=call.out())
    emit_ephemeral(services.hub, CALL_ENDED, event, audience)
    try:
        # Durable, unlike the events above: a missed call is still there after a reconnect.
        async with services.db.write() as tx:
            await record_end(tx, services, call, reason)
    except Exception:  # shutting down: the database may already be closed
        log.warning("could not record the end of call %s", call.id, exc_info=True)


async def record_end(tx: WriteTx, services: Services, call: Call, reason: EndReason) -> None:
    """The ended call's system message (§6 of docs/calls.md), by its initiator."""
    assert call.ended_at is not None
    text, outcome, seconds = summary(call.media, reason, call.answered_at, call.ended_at)
    meta = {
        "event": "call",
        "call": {
            "id": call.id,
            "media": call.media,
            "durationSeconds": seconds,
            "outcome": outcome,
            "reason": reason,
        },
    }
    await system_message(tx, services, call.chat_id, call.initiator_id, text, meta)
