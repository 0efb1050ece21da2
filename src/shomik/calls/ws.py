"""WebSocket commands of calls: thin, each parses (by its model) and calls one service."""

from __future__ import annotations

from shomik.calls import front
from shomik.calls.front import ref
from shomik.calls.schemas import CallRef, CallReply, CallSignal, CallStart, SignalAck
from shomik.realtime.commands import Command, Context


async def start(ctx: Context, data: CallStart) -> CallReply:
    ctx.conn.in_call = True
    conn = ref(ctx.services, ctx.conn)
    return await front.start(ctx.services, ctx.user_id, conn, data.chat_id, data.media)


async def accept(ctx: Context, data: CallRef) -> CallReply:
    ctx.conn.in_call = True
    return await front.admit(ctx.services, ctx.user_id, ref(ctx.services, ctx.conn), data.call_id)


async def join(ctx: Context, data: CallRef) -> CallReply:
    ctx.conn.in_call = True
    return await front.admit(ctx.services, ctx.user_id, ref(ctx.services, ctx.conn), data.call_id)


async def decline(ctx: Context, data: CallRef) -> CallReply:
    return CallReply(call=await front.decline(ctx.services, ctx.user_id, data.call_id))


async def signal(ctx: Context, data: CallSignal) -> SignalAck:
    delivered = await front.signal(ctx.services, ctx.user_id, ref(ctx.services, ctx.conn), data)
    return SignalAck(delivered=delivered)


async def end(ctx: Context, data: CallRef) -> CallReply:
    return CallReply(call=await front.leave(ctx.services, ctx.user_id, data.call_id))


COMMANDS = (
    Command(
        "call:start",
        CallStart,
        start,
        CallReply,
        "Start a call in a chat and ring its other members. The ack's call is already "
        "`ended` with endReason `busy` when the other side of a 1:1 chat is in a call. "
        "A group call through the SFU: the ack's `sfu` is your way into its Janus room.",
    ),
    Command(
        "call:accept",
        CallRef,
        accept,
        CallReply,
        "Answer a ringing call from this socket (the first answer makes it active); "
        "`sfu` in the ack as for call:start.",
    ),
    Command(
        "call:join",
        CallRef,
        join,
        CallReply,
        "Join a call in progress from this socket, or rejoin it after a reload; `sfu` in "
        "the ack as for call:start.",
    ),
    Command("call:decline", CallRef, decline, CallReply, "Decline a call you are rung for."),
    Command(
        "call:signal",
        CallSignal,
        signal,
        SignalAck,
        "Send an SDP or an ICE candidate to another participant; participants only.",
    ),
    Command(
        "call:end",
        CallRef,
        end,
        CallReply,
        "Leave the call (hang up). A 1:1 call ends; a group call ends with its last person.",
    ),
)
