"""SQL of the operator's commands: accounts as an operator sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import sessions, users


async def accounts(conn: Conn, now: datetime) -> list[Any]:
    """Every account with its count of live sessions, oldest first."""
    live = (
        sa.select(sa.func.count())
        .where(sessions.c.user_id == users.c.id, sessions.c.expires_at > now)
        .scalar_subquery()
    )
    query = sa.select(
        users.c.id,
        users.c.username,
        users.c.display_name,
        users.c.created_at,
        users.c.deactivated_at,
        live.label("sessions"),
    ).order_by(users.c.id)
    return list((await conn.execute(query)).all())
