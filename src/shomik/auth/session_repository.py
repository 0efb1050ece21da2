"""SQL of sessions: one row per signed-in device; a token is good while its row lives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.db import fast
from shomik.db.engine import Conn
from shomik.db.tables import sessions, users


def alive_clause(sid: Any, uid: Any, now: Any) -> sa.ColumnElement[bool]:
    """The session `sid` of user `uid` lives at `now` (bound parameters): the one rule,
    also checked inside the send gate's statement (messages/send_gate.py)."""
    return sa.and_(sessions.c.id == sid, sessions.c.user_id == uid, sessions.c.expires_at > now)


_ALIVE = sa.select(sessions.c.id).where(
    alive_clause(sa.bindparam("sid"), sa.bindparam("uid"), sa.bindparam("now"))
)
_ALIVE_HOT = fast.Hot(_ALIVE)  # every command checks its session (auth/sessions.py)

# Every authenticated request runs it: the user's row, with the session it came through.
_PRINCIPAL = (
    sa.select(
        users,
        sessions.c.id.label("session_id"),
        sessions.c.last_active_at.label("session_active_at"),
    )
    .join(sessions, sessions.c.user_id == users.c.id)
    .where(
        sessions.c.id == sa.bindparam("sid"),
        users.c.id == sa.bindparam("uid"),
        sessions.c.expires_at > sa.bindparam("now"),
        # Deactivation deletes the sessions too; this also refuses one a sign-in racing
        # the deactivation created after it.
        users.c.deactivated_at.is_(None),
    )
)


async def insert(conn: Conn, **values: Any) -> None:
    await conn.execute(sa.insert(sessions).values(**values))


async def principal(conn: Conn, user_id: int, session_id: str, now: datetime) -> Any | None:
    params = {"sid": session_id, "uid": user_id, "now": now}
    return (await conn.execute(_PRINCIPAL, params)).first()


async def alive(conn: Conn, user_id: int, session_id: str, now: datetime) -> bool:
    params = {"sid": session_id, "uid": user_id, "now": now}
    return bool(await fast.fetch(conn, _ALIVE_HOT, params))


async def touch(conn: Conn, session_id: str, now: datetime) -> None:
    query = sa.update(sessions).where(sessions.c.id == session_id).values(last_active_at=now)
    await conn.execute(query)


async def of_user(conn: Conn, user_id: int, now: datetime) -> list[Any]:
    query = (
        sa.select(sessions)
        .where(sessions.c.user_id == user_id, sessions.c.expires_at > now)
        .order_by(sessions.c.last_active_at.desc())
    )
    return list((await conn.execute(query)).all())


async def delete(conn: Conn, user_id: int, session_ids: list[str]) -> list[str]:
    """Delete those of the user's sessions; returns the ids that were there."""
    if not session_ids:
        return []
    query = (
        sa.delete(sessions)
        .where(sessions.c.user_id == user_id, sessions.c.id.in_(session_ids))
        .returning(sessions.c.id)
    )
    return [row[0] for row in (await conn.execute(query)).all()]


async def ids_of(conn: Conn, user_id: int) -> list[str]:
    query = sa.select(sessions.c.id).where(sessions.c.user_id == user_id)
    return [row[0] for row in (await conn.execute(query)).all()]


async def prune_expired(conn: Conn, user_id: int, now: datetime) -> None:
    query = sa.delete(sessions).where(sessions.c.user_id == user_id, sessions.c.expires_at <= now)
    await conn.execute(query)


async def alive_among(conn: Conn, session_ids: list[str], now: datetime) -> set[str]:
    """Which of these sessions still exist (the others were ended)."""
    query = sa.select(sessions.c.id).where(
        sessions.c.id.in_(session_ids), sessions.c.expires_at > now
    )
    return {row[0] for row in (await conn.execute(query)).all()}
