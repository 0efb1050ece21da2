"""WebSocket commands of presence and typing."""

from __future__ import annotations

from shomik.chats.repository import require_member
from shomik.messages.schemas import Empty
from shomik.presence import service
from shomik.presence.schemas import PresenceCommand, TypingCommand, UserStatus
from shomik.privacy.repository import private_peer
from shomik.realtime.commands import Command, Context


async def _check_member(ctx: Context, chat_id: int) -> bool:
    """A member may type; False if it is not to be told (they are blocked by the other
    person of a private chat: what they write is withheld, so is their typing)."""
    async with ctx.services.db.read() as conn:
        await require_member(conn, chat_id, ctx.user_id)
        peer = await private_peer(conn, chat_id, ctx.user_id)
    return peer is None or not peer.blocks_me


async def typing_start(ctx: Context, data: TypingCommand) -> Empty:
    if await _check_member(ctx, data.chat_id):
        await ctx.services.typing.start(data.chat_id, ctx.user_id)
    return Empty()


async def typing_stop(ctx: Context, data: TypingCommand) -> Empty:
    await _check_member(ctx, data.chat_id)
    await ctx.services.typing.stop(data.chat_id, ctx.user_id)
    return Empty()


async def presence_set(ctx: Context, data: PresenceCommand) -> UserStatus:
    return await service.set_away(ctx.services, ctx.conn, data.status == "away")


COMMANDS = (
    Command(
        "typing:start",
        TypingCommand,
        typing_start,
        Empty,
        "You are typing in a chat; repeat every few seconds while you are. Expires by "
        "itself (SHOMIK_TYPING_TTL_SECONDS, 6 s) without a repeat.",
    ),
    Command("typing:stop", TypingCommand, typing_stop, Empty, "You stopped typing."),
    Command(
        "presence:set",
        PresenceCommand,
        presence_set,
        UserStatus,
        "This tab is visible (online) or hidden (away). The user's status is the best of "
        "their connections: online while any is visible; the ack carries it.",
    ),
)
