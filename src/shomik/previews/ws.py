"""WebSocket command of link previews."""

from __future__ import annotations

from shomik.messages.schemas import Message
from shomik.previews import service
from shomik.previews.schemas import PreviewRemove
from shomik.realtime.commands import Command, Context


async def remove(ctx: Context, data: PreviewRemove) -> Message:
    return await service.remove(ctx.services, ctx.user_id, data.message_id)


COMMANDS = (
    Command(
        "message:preview_remove",
        PreviewRemove,
        remove,
        Message,
        "Remove the link preview of your own message, for everyone; `message:updated` goes "
        "to the chat.",
    ),
)
