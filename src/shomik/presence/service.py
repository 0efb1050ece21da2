"""Presence: online on a user's first connection, offline at the last one (several tabs
are one presence), `away` when the client says so. Announced to everyone who shares a chat
with the user; never replayed."""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa

from shomik.db.tables import users
from shomik.presence.events import USER_STATUS
from shomik.presence.schemas import UserStatus
from shomik.realtime.events import emit_ephemeral
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users import repository as users_repo


async def set_status(
    services: Services, user_id: int, status: Literal["online", "offline", "away"]
) -> UserStatus:
    now = utcnow()
    async with services.db.write() as tx:
        await users_repo.update(tx.conn, user_id, status=status, last_seen=now)
        contacts = await users_repo.contacts(tx.conn, user_id)
    data = UserStatus(user_id=user_id, status=status, last_seen=now)
    emit_ephemeral(services.hub, USER_STATUS, data, frozenset(contacts | {user_id}))
    return data


async def reset_all(services: Services) -> None:
    """At start-up no one is connected to this process yet."""
    async with services.db.write() as tx:
        await tx.conn.execute(
            sa.update(users).where(users.c.status != "offline").values(status="offline")
        )
