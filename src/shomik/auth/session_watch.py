"""Sessions ended by another process than the server (`shomik admin`): a running server
notices within about two seconds and closes their sockets, listening ones included.

The ending process deletes the rows and, in the same transaction, writes a new value into
`server_state.sessions_revoked`. The server reads that one row every WATCH_EVERY_SECONDS
(a primary-key lookup: nothing on any hot path); when it changed, it checks the sessions of
its open sockets against the table and closes those whose row is gone (4401). A command on
such a socket is refused even sooner: every command re-checks its session
(realtime/gateway.py).
"""

from __future__ import annotations

import secrets

from shomik.auth import session_repository as repo
from shomik.db import state
from shomik.db.engine import WriteTx
from shomik.push import service as push
from shomik.realtime.connection import CLOSE_UNAUTHORIZED
from shomik.schemas import utcnow
from shomik.services import Services

REVOKED_KEY = "sessions_revoked"
# How long an idle socket of an ended session may stay open.
WATCH_EVERY_SECONDS = 2.0
# Session ids per query: well under SQLite's and asyncpg's bound-parameter limits.
_CHUNK = 500


async def end_all_from_outside(tx: WriteTx, user_id: int) -> int:
    """End every session of the user from another process, in the caller's transaction:
    the tokens stop working, the browsers get no more pushes, and running servers are told
    to close the sockets. Returns how many sessions there were."""
    ended = await repo.delete(tx.conn, user_id, await repo.ids_of(tx.conn, user_id))
    await push.forget_sessions(tx, ended)
    await state.put(tx.conn, REVOKED_KEY, secrets.token_hex(8))
    return len(ended)


async def close_ended(services: Services) -> int:
    """Close the open sockets whose session is gone; returns how many."""
    conns = services.hub.all_connections()
    alive: set[str] = set()
    async with services.db.read() as db:
        ids = sorted({c.session_id for c in conns})
        for start in range(0, len(ids), _CHUNK):
            alive |= await repo.alive_among(db, ids[start : start + _CHUNK], utcnow())
    closing = [c for c in conns if c.session_id not in alive]
    for conn in closing:
        conn.close(CLOSE_UNAUTHORIZED, "session ended")
    return len(closing)


async def watch(services: Services) -> None:
    async def revoked(_marker: str | None) -> None:
        await close_ended(services)

    await state.watch(services.db, REVOKED_KEY, WATCH_EVERY_SECONDS, revoked)
