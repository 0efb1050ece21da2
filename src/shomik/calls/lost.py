"""Group calls lost with the server that held them: their end, written into their chats.

Calls live in one process's memory (docs/calls.md §8), but an SFU call also left a room in
Janus whose description says which call it was (calls/sfu.py). When the sweep that follows
a restart (or a new calls leader) removes such a room, `record` writes that call's system
message as if its last participant had left (`disconnected`): its duration runs up to the
sweep, so it includes the time the server was down. Only once per call: a message for the
call already in the chat (the call ended, but its room outlived it) means nothing to write.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from shomik.calls.schemas import Media
from shomik.calls.service import record_end
from shomik.calls.state import Call, CallState
from shomik.db.engine import Conn
from shomik.db.tables import messages
from shomik.schemas import utcnow
from shomik.services import Services

log = logging.getLogger(__name__)


class RoomCall(BaseModel):
    """A room's description, as calls/sfu.py `description` writes it."""

    shomik: str
    call: str
    chat: int
    media: Media
    by: int
    started: datetime
    answered: datetime | None


def parse(description: str) -> RoomCall | None:
    """The call a room belonged to; None for a room that is not a Shomik call's."""
    try:
        found = RoomCall.model_validate(json.loads(description))
    except (ValueError, ValidationError):
        return None
    return found if found.shomik == "call" else None


async def _recorded(conn: Conn, lost: RoomCall) -> bool:
    rows = await conn.execute(
        sa.select(messages.c.meta).where(
            messages.c.chat_id == lost.chat,
            messages.c.type == "system",
            messages.c.created_at >= lost.started,
        )
    )
    for (meta,) in rows:
        call: Any = (meta or {}).get("call")
        if isinstance(call, dict) and call.get("id") == lost.call:
            return True
    return False


async def record(services: Services, description: str) -> None:
    lost = parse(description)
    if lost is None:
        log.info("a Janus room not made for a call: %r", description[:80])
        return
    call = Call(
        id=lost.call,
        chat_id=lost.chat,
        media=lost.media,
        initiator_id=lost.by,
        is_group=True,
        max_participants=0,
        started_at=lost.started,
        state=CallState.ENDED,
        answered_at=lost.answered,
        ended_at=utcnow(),
    )
    async with services.db.write() as tx:
        if await _recorded(tx.conn, lost):
            return
        log.info("call %s in chat %s was lost with the server: ended", call.id, call.chat_id)
        await record_end(tx, services, call, "disconnected")
