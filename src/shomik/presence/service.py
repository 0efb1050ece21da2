"""Presence: the best of a user's connections. Online while any of them is active, `away`
while every one is hidden (each tab says which it is with `presence:set`), offline once the
last one closes. One tab going away or closing never speaks for the others. Announced to
everyone who shares a chat with the user, only when the combined status changes; never
replayed."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from shomik.db.tables import users
from shomik.presence.events import USER_STATUS
from shomik.presence.schemas import UserStatus
from shomik.realtime.connection import Connection
from shomik.realtime.events import emit_ephemeral
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users import repository as users_repo
from shomik.users.schemas import Status


def combined(conns: Collection[Connection]) -> Status:
    if not conns:
        return "offline"
    return "away" if all(c.away for c in conns) else "online"


async def refresh(services: Services, user_id: int) -> UserStatus:
    """Record and announce the user's combined status if it changed; returns it."""
    tracker = services.presence
    # Locks are kept per user ever connected (a few hundred bytes each): dropping one while
    # another task waits on it would let two changes run at once.
    async with tracker.locks[user_id]:
        status = combined(services.hub.connections_of(user_id))
        recorded = tracker.recorded.get(user_id)
        if (recorded.status if recorded else "offline") == status:
            return recorded or UserStatus(user_id=user_id, status=status, last_seen=None)
        now = utcnow()
        async with services.db.write() as tx:
            await users_repo.update(tx.conn, user_id, status=status, last_seen=now)
            contacts = await users_repo.contacts(tx.conn, user_id)
        data = UserStatus(user_id=user_id, status=status, last_seen=now)
        if status == "offline":
            tracker.recorded.pop(user_id, None)
        else:
            tracker.recorded[user_id] = data
        emit_ephemeral(services.hub, USER_STATUS, data, frozenset(contacts | {user_id}))
        return data


async def set_away(services: Services, conn: Connection, away: bool) -> UserStatus:
    """One tab is hidden (`away`) or visible again; the user's status is the best of all."""
    conn.away = away
    return await refresh(services, conn.user_id)


async def reset_all(services: Services) -> None:
    """At start-up no one is connected to this process yet."""
    async with services.db.write() as tx:
        await tx.conn.execute(
            sa.update(users).where(users.c.status != "offline").values(status="offline")
        )
