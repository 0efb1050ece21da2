"""Server-side sessions, one per signed-in device.

A token names its session (`sid`) and is good only while the session's row exists, so
ending a session (log out, "Terminate", log out everywhere, a password change) takes effect
on the next request. Open sockets are closed after the row is gone, and a socket re-checks
its session after joining the hub and before every command (realtime/gateway.py): whichever
of a revocation and a sign-in on the socket comes second, the revocation wins.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shomik.auth import session_repository as repo
from shomik.auth.schemas import SessionOut
from shomik.auth.tokens import TokenClaims
from shomik.db.engine import WriteTx
from shomik.e2ee import devices as e2ee_devices
from shomik.errors import NotFound, SessionEnded, Unauthorized
from shomik.push import service as push
from shomik.realtime.connection import CLOSE_UNAUTHORIZED, Connection
from shomik.schemas import as_utc, utcnow
from shomik.services import Services

# last_active_at is rewritten at most this often per session: not a write per request.
TOUCH_EVERY = timedelta(seconds=60)
INVALID = "Invalid or expired token."


@dataclass(frozen=True)
class Device:
    """Where a sign-in comes from, as the session list shows it."""

    name: str
    ip: str


async def start(tx: WriteTx, services: Services, user_id: int, device: Device) -> str:
    """A new session for this sign-in, in the caller's transaction; returns its token."""
    now = utcnow()
    issued_at = int(now.timestamp())
    session_id = secrets.token_urlsafe(16)
    await repo.prune_expired(tx.conn, user_id, now)
    await repo.insert(
        tx.conn,
        id=session_id,
        user_id=user_id,
        device=device.name,
        ip=device.ip[:64],
        created_at=now,
        last_active_at=now,
        expires_at=datetime.fromtimestamp(issued_at + services.tokens.ttl, UTC),
    )
    return services.tokens.issue(user_id, session_id, issued_at)


async def authenticate(services: Services, token: str) -> Any:
    """The user row behind a token (with `session_id`), or Unauthorized."""
    return await authenticate_claims(services, services.tokens.decode(token))


async def authenticate_claims(services: Services, claims: TokenClaims) -> Any:
    """`authenticate` for a token already decoded (the socket needs its expiry too)."""
    now = utcnow()
    async with services.db.quick_read() as conn:  # every request and socket: one PK look-up
        row = await repo.principal(conn, claims.user_id, claims.session_id, now)
    if row is None:
        raise Unauthorized(INVALID)
    if now - as_utc(row.session_active_at) > TOUCH_EVERY:
        async with services.db.write() as tx:
            await repo.touch(tx.conn, claims.session_id, now)
    return row


async def alive(services: Services, conn: Connection) -> bool:
    async with services.db.quick_read() as db:  # before every command of a socket
        return await repo.alive(db, conn.user_id, conn.session_id, utcnow())


async def require_alive(services: Services, conn: Connection) -> None:
    """SessionEnded unless the socket's session lives (the gateway closes it, 4401)."""
    if not await alive(services, conn):
        raise SessionEnded("Your session has ended.")


async def listing(services: Services, user_id: int, current: str) -> list[SessionOut]:
    now = utcnow()
    async with services.db.read() as conn:
        rows = await repo.of_user(conn, user_id, now)
    hub = services.hub
    return [
        SessionOut(
            id=row.id,
            device=row.device,
            ip=row.ip,
            created_at=row.created_at,
            # A session with an open socket is active now, whatever was last written.
            last_active_at=now if hub.session_connected(user_id, row.id) else row.last_active_at,
            current=row.id == current,
        )
        for row in rows
    ]


async def end(services: Services, user_id: int, session_ids: list[str]) -> list[str]:
    """End these sessions of the user: their tokens stop working, their browsers get no more
    pushes, their sockets close. Returns the ids that existed."""
    async with services.db.write() as tx:
        ended = await _end_in(tx, services, user_id, session_ids)
    _close_sockets(services, user_id, ended)
    return ended


async def end_one(services: Services, user_id: int, session_id: str) -> None:
    if not await end(services, user_id, [session_id]):
        raise NotFound("No such session.")


async def end_others(services: Services, user_id: int, keep: str) -> None:
    async with services.db.read() as conn:
        ids = [sid for sid in await repo.ids_of(conn, user_id) if sid != keep]
    await end(services, user_id, ids)


async def end_all_in(tx: WriteTx, services: Services, user_id: int) -> None:
    """Every session of the user, in the caller's transaction (a password change); the
    sockets close after the commit."""
    ended = await _end_in(tx, services, user_id, await repo.ids_of(tx.conn, user_id))

    async def close() -> None:
        _close_sockets(services, user_id, ended)

    tx.after_commit(close)


async def _end_in(
    tx: WriteTx, services: Services, user_id: int, session_ids: list[str]
) -> list[str]:
    ended = await repo.delete(tx.conn, user_id, session_ids)
    await push.forget_sessions(tx, ended)
    # Their MLS devices: revoked, unused key packages gone (e2ee/devices.py).
    await e2ee_devices.forget_sessions(tx, services, user_id)
    return ended


def _close_sockets(services: Services, user_id: int, session_ids: list[str]) -> None:
    for session_id in session_ids:
        services.hub.bus.disconnect_session(
            user_id, session_id, CLOSE_UNAUTHORIZED, "session ended"
        )
