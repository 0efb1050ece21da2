"""SQL of two-step verification: the user's TOTP columns, read under a row lock."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import users

_COLUMNS = (
    users.c.id,
    users.c.totp_secret,
    users.c.totp_pending,
    users.c.recovery_codes,
    users.c.totp_last_step,
)


async def lock(conn: Conn, user_id: int) -> Any | None:
    """The user's two-step state, locked until the transaction ends (PostgreSQL; on SQLite
    the one writer is the lock): two sign-ins racing with one code cannot both use it."""
    query = sa.select(*_COLUMNS).where(users.c.id == user_id).with_for_update()
    return (await conn.execute(query)).first()


async def update(conn: Conn, user_id: int, **values: Any) -> None:
    await conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))
