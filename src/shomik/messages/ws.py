"""WebSocket commands of messages: thin, each parses (by its model), calls one service."""

from __future__ import annotations

import time

from shomik.messages import changes, forwarding, pins, service
from shomik.messages.schemas import (
    ForwardedMessages,
    Message,
    MessageDelete,
    MessageEdit,
    MessageForward,
    MessagesDeleted,
    MessageSendCommand,
    PinCommand,
    PinUpdated,
    ReactionCommand,
    ReactionUpdated,
    ReadAck,
    ReadCommand,
)
from shomik.realtime.commands import Command, Context


async def send(ctx: Context, data: MessageSendCommand) -> Message:
    started = time.perf_counter()
    # The session is checked in the send's first statement (messages/send_gate.py).
    session = ctx.conn.session_id
    message, _created = await service.send(ctx.services, ctx.user_id, data, session=session)
    ctx.services.metrics.sent("ws", time.perf_counter() - started)
    return message


async def read(ctx: Context, data: ReadCommand) -> ReadAck:
    return await service.mark_read(ctx.services, ctx.user_id, data.chat_id, data.message_id)


async def react_add(ctx: Context, data: ReactionCommand) -> ReactionUpdated:
    return await service.react(ctx.services, ctx.user_id, data.message_id, data.emoji, add=True)


async def react_remove(ctx: Context, data: ReactionCommand) -> ReactionUpdated:
    return await service.react(ctx.services, ctx.user_id, data.message_id, data.emoji, add=False)


async def pin(ctx: Context, data: PinCommand) -> PinUpdated:
    return await pins.set_pin(ctx.services, ctx.user_id, data.chat_id, data.message_id, True)


async def unpin(ctx: Context, data: PinCommand) -> PinUpdated:
    return await pins.set_pin(ctx.services, ctx.user_id, data.chat_id, data.message_id, False)


async def edit(ctx: Context, data: MessageEdit) -> Message:
    return await changes.edit(ctx.services, ctx.user_id, data.message_id, data.content)


async def delete(ctx: Context, data: MessageDelete) -> MessagesDeleted:
    return await changes.delete(ctx.services, ctx.user_id, data.message_ids, data.for_everyone)


async def forward(ctx: Context, data: MessageForward) -> ForwardedMessages:
    return ForwardedMessages(messages=await forwarding.forward(ctx.services, ctx.user_id, data))


COMMANDS = (
    Command(
        "message:send",
        MessageSendCommand,
        send,
        Message,
        "Store a message; the ack carries it. A retry with the same clientId acks the "
        "original and delivers nothing again.",
        checks_session=True,
    ),
    Command("message:read", ReadCommand, read, ReadAck, "Move your read position forward."),
    Command("reaction:add", ReactionCommand, react_add, ReactionUpdated, "Add your reaction."),
    Command(
        "reaction:remove", ReactionCommand, react_remove, ReactionUpdated, "Remove your reaction."
    ),
    Command(
        "message:edit",
        MessageEdit,
        edit,
        Message,
        "Edit your own text or caption within the edit window (48 h); `message:updated` "
        "goes to the chat.",
    ),
    Command(
        "message:delete",
        MessageDelete,
        delete,
        MessagesDeleted,
        "Delete messages of one chat for everyone (your own; any for group admins; both "
        "sides' in a private chat) or for yourself only.",
    ),
    Command(
        "message:forward",
        MessageForward,
        forward,
        ForwardedMessages,
        "Copy messages you can read into a chat you are in; idempotent by clientId.",
    ),
    Command("message:pin", PinCommand, pin, PinUpdated, "Pin a message (group admins)."),
    Command("message:unpin", PinCommand, unpin, PinUpdated, "Unpin a message (group admins)."),
)
