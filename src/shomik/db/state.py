"""`server_state`: small key/value facts about the server, shared by its processes."""

from __future__ import annotations

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import server_state

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
