"""Self-destructing messages (secret chats' timers, e2ee/timer.py): the sweep that deletes
for everyone what has expired, by the delete path's own steps (its text, reactions, pins
and files go; members hear `message:deleted`). Clients hide a message at its `expiresAt`
themselves; this is the server's half, so that the ciphertext does not outlive it.

Every process runs the sweep (app.py): it is idempotent. Erasing takes only rows not yet
deleted (messages/changes_repository.py `erase`), so when two processes find the same due
message, one erases and announces it and the other finds nothing left to do."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import sqlalchemy as sa

from shomik.db.tables import messages
from shomik.messages.changes import erase_for_everyone
from shomik.schemas import utcnow
from shomik.services import Services

log = logging.getLogger(__name__)

# A round's share: a timer set in a busy chat expires messages as fast as they were sent,
# and one write per chat per round keeps each write short. What is left waits for the next.
BATCH = 500

_DUE = (
    sa.select(messages.c.id, messages.c.chat_id, messages.c.sender_id)
    .where(messages.c.expires_at <= sa.bindparam("now"), messages.c.deleted_at.is_(None))
    .order_by(messages.c.expires_at)
    .limit(BATCH)
)


async def sweep(services: Services) -> int:
    """Delete the messages due by now; how many this process deleted."""
    async with services.db.read() as conn:
        due = (await conn.execute(_DUE, {"now": utcnow()})).all()
    by_chat: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in due:
        by_chat[row.chat_id][row.sender_id].append(row.id)
    deleted = 0
    for chat_id, by_sender in by_chat.items():
        async with services.db.write(chat_id=chat_id) as tx:
            # As its sender: the one who would unpin it (`pin:updated`'s `by`).
            for sender_id, ids in by_sender.items():
                deleted += len(await erase_for_everyone(tx, services, sender_id, chat_id, ids))
    return deleted


async def sweep_forever(services: Services) -> None:
    """Every `self_destruct_sweep_seconds`, for the life of the process."""
    while True:
        try:
            await sweep(services)
        except Exception:
            log.exception("the self-destruct sweep failed")
        await asyncio.sleep(services.settings.self_destruct_sweep_seconds)
