"""Presence: the best of a user's connections. Online while any of them is active, `away`
while every one is hidden (each tab says which it is with `presence:set`), offline once the
last one closes. One tab going away or closing never speaks for the others. Announced to
everyone who shares a chat with the user and may see it (privacy/visibility.py), only when
the combined status changes; never replayed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from redis.exceptions import RedisError

from shomik.db.engine import Conn
from shomik.db.tables import users
from shomik.presence.cluster import ClusterPresence
from shomik.presence.events import USER_STATUS
from shomik.presence.schemas import UserStatus
from shomik.privacy import visibility
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


async def refresh(
    services: Services, user_id: int, *, gone_at: datetime | None = None
) -> UserStatus:
    """Record and announce the user's combined status if it changed; returns it. A user
    whose last socket closed goes offline only after the grace period (settings), and only
    if no socket of theirs came back by then: `gone_at` is set when that time has come."""
    tracker = services.presence
    grace = services.settings.presence_offline_grace_seconds
    if services.hub.connections_of(user_id):
        tracker.stay(user_id)
    elif gone_at is None and grace > 0:
        tracker.leave_later(user_id, grace, lambda at: refresh(services, user_id, gone_at=at))
        recorded = tracker.recorded.get(user_id)
        return recorded or UserStatus(user_id=user_id, status="offline", last_seen=None)
    if tracker.cluster is not None:
        return await _refresh_in_cluster(services, tracker.cluster, user_id, gone_at)
    # Locks are kept per user ever connected (a few hundred bytes each): dropping one while
    # another task waits on it would let two changes run at once.
    async with tracker.locks[user_id]:
        status = combined(services.hub.connections_of(user_id))
        recorded = tracker.recorded.get(user_id)
        if (recorded.status if recorded else "offline") == status:
            return recorded or UserStatus(user_id=user_id, status=status, last_seen=None)
        async with services.db.write(user_id=user_id) as tx:
            row = await users_repo.get(tx.conn, user_id)
            assert row is not None
            data, audience = await _record(tx.conn, row, status, gone_at)
        if status == "offline":
            tracker.recorded.pop(user_id, None)
        else:
            tracker.recorded[user_id] = data
        emit_ephemeral(services.hub, USER_STATUS, data, audience | {user_id})
        return data


async def _record(
    conn: Conn, row: Any, status: Status, gone_at: datetime | None
) -> tuple[UserStatus, frozenset[int]]:
    """Store the user's new status; it and who may be told of it: only the contacts the
    user's privacy settings and blocks let see it. Offline after the grace period: last seen
    when the last socket closed, not when the grace ran out."""
    now = gone_at if status == "offline" and gone_at is not None else utcnow()
    await users_repo.set_status(conn, row.id, status, now)
    contacts = await users_repo.contacts(conn, row.id)
    audience = await visibility.status_audience(conn, row, contacts)
    return UserStatus(user_id=row.id, status=status, last_seen=now), audience


async def _refresh_in_cluster(
    services: Services, cluster: ClusterPresence, user_id: int, gone_at: datetime | None
) -> UserStatus:
    """Several processes: this one's word goes to Redis, then the user's status over all
    of them is read and compared with the record inside a write that holds the user's key
    cluster-wide (db/engine.py), so the last decision is made on the latest words of every
    process."""
    async with services.presence.locks[user_id]:
        await cluster.set_local(user_id, combined(services.hub.connections_of(user_id)))
        async with services.db.write(user_id=user_id) as tx:
            status = await cluster.status(user_id)
            row = await users_repo.get(tx.conn, user_id)
            if status is None:  # Redis away: the record stands until it is back
                status = row.status if row is not None else "offline"
            if row is None or row.status == status:
                return UserStatus(user_id=user_id, status=status, last_seen=None)
            data, audience = await _record(tx.conn, row, status, gone_at)

            async def announce() -> None:
                emit_ephemeral(services.hub, USER_STATUS, data, audience | {user_id})

            tx.after_commit(announce)
        return data


async def offline_of(services: Services, user_ids: Collection[int]) -> list[int]:
    """Those of the users with no socket anywhere (who a push is for): on this process, or,
    in a cluster, on any (Redis away: this process's sockets are all it can see)."""
    local = [uid for uid in user_ids if not services.hub.is_online(uid)]
    cluster = services.presence.cluster
    if cluster is None or not local:
        return local
    try:
        elsewhere = await cluster.connected(local)
    except (RedisError, OSError):
        return local
    return [uid for uid in local if uid not in elsewhere]


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
