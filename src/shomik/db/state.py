"""`server_state`: small key/value facts about the server, shared by its processes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from shomik.db.engine import Conn, Database
from shomik.db.tables import server_state

log = logging.getLogger(__name__)

# One statement for SQLite (3.24+) and PostgreSQL: two processes writing the same new key
# at once both succeed, where a delete-then-insert would fail one on the primary key.
_PUT = sa.text(
    "INSERT INTO server_state (key, value) VALUES (:key, :value) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


async def get(conn: Conn, key: str) -> str | None:
    query = sa.select(server_state.c.value).where(server_state.c.key == key)
    value = (await conn.execute(query)).scalar()
    return None if value is None else str(value)


# The same, but a no-op where the key holds the value already.
_TAKE = sa.text(
    "INSERT INTO server_state (key, value) VALUES (:key, :value) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value "
    "WHERE server_state.value <> excluded.value"
)


async def put(conn: Conn, key: str, value: str) -> None:
    await conn.execute(_PUT, {"key": key, "value": value})


async def take(conn: Conn, key: str, value: str) -> bool:
    """Set the key to the value unless it holds it already. True if this call changed it:
    of several processes doing the same thing in their writes, exactly one gets True."""
    result = await conn.execute(_TAKE, {"key": key, "value": value})
    return bool(result.rowcount)


async def watch(
    db: Database, key: str, every: float, changed: Callable[[str | None], Awaitable[None]]
) -> None:
    """Run `changed(value)` whenever the key's value differs from the one last handled (as
    at the start): how a server learns what `shomik admin`, another process, did. One
    primary-key look-up every `every` seconds; a failed `changed` is tried again."""
    async with db.read() as conn:
        seen = await get(conn, key)
    while True:
        await asyncio.sleep(every)
        try:
            async with db.read() as conn:
                value = await get(conn, key)
            if value != seen:
                await changed(value)
                seen = value
        except Exception:
            log.exception("could not handle a new value of server_state.%s", key)
