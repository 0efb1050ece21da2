"""SQL for users."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, users
from shomik.privacy.schemas import Privacy
from shomik.users.schemas import Params, UserMe, UserProfile, UserPublic


def avatar_url(attachment_id: str | None) -> str | None:
    return f"/api/files/{attachment_id}" if attachment_id else None


def to_profile(row: Any) -> UserProfile:
    return UserProfile(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        avatar_url=avatar_url(row.avatar_id),
        deactivated=row.deactivated_at is not None,
    )


def to_public(row: Any, hide_presence: bool = False) -> UserPublic:
    """`hide_presence`: the viewer may not see the status and last seen (privacy/visibility.py
    decides). A deactivated account has neither: it is offline, since no one knows when."""
    deactivated = row.deactivated_at is not None
    return UserPublic(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        avatar_url=avatar_url(row.avatar_id),
        status="offline" if deactivated else None if hide_presence else row.status,
        last_seen=None if deactivated or hide_presence else row.last_seen,
        deactivated=deactivated,
    )


def privacy_of(row: Any) -> Privacy:
    return Privacy(last_seen=row.last_seen_privacy, group_adds=row.group_adds)


def to_me(row: Any) -> UserMe:
    return UserMe(
        **to_public(row).model_dump(),
        params=Params.model_validate(row.params),
        privacy=privacy_of(row),
        two_factor=row.totp_secret is not None,
    )


_GET = sa.select(users).where(users.c.id == sa.bindparam("id"))  # every request runs it


async def get(conn: Conn, user_id: int) -> Any | None:
    return (await conn.execute(_GET, {"id": user_id})).first()


async def get_by_username(conn: Conn, username: str) -> Any | None:
    query = sa.select(users).where(users.c.username_lower == username.lower())
    return (await conn.execute(query)).first()


async def get_many(conn: Conn, user_ids: Iterable[int]) -> dict[int, Any]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = (await conn.execute(sa.select(users).where(users.c.id.in_(ids)))).all()
    return {row.id: row for row in rows}


async def insert(conn: Conn, **values: Any) -> int:
    result = await conn.execute(sa.insert(users).values(**values).returning(users.c.id))
    return int(result.scalar_one())


async def update(conn: Conn, user_id: int, **values: Any) -> None:
    await conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))


_SET_STATUS = (
    sa.update(users)
    .where(users.c.id == sa.bindparam("uid"))
    .values(status=sa.bindparam("status"), last_seen=sa.bindparam("last_seen"))
)


async def set_status(conn: Conn, user_id: int, status: str, last_seen: datetime) -> None:
    """Built once: every presence change runs it."""
    await conn.execute(_SET_STATUS, {"uid": user_id, "status": status, "last_seen": last_seen})


async def search(conn: Conn, q: str, exclude: int, limit: int) -> list[Any]:
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    query = (
        sa.select(users)
        .where(
            users.c.id != exclude,
            users.c.deactivated_at.is_(None),  # an account that is gone is not found
            sa.or_(
                users.c.username_lower.like(pattern, escape="\\"),
                sa.func.lower(users.c.display_name).like(pattern, escape="\\"),
            ),
        )
        .order_by(users.c.username_lower)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def chat_ids(conn: Conn, user_id: int) -> list[int]:
    query = sa.select(chat_members.c.chat_id).where(chat_members.c.user_id == user_id)
    return [row[0] for row in (await conn.execute(query)).all()]


# Built once: every presence change runs it (each socket's first open and last close).
_CONTACTS = (
    sa.select(chat_members.c.user_id)
    .where(
        chat_members.c.chat_id.in_(
            sa.select(chat_members.c.chat_id).where(chat_members.c.user_id == sa.bindparam("uid"))
        ),
        chat_members.c.user_id != sa.bindparam("uid"),
    )
    .distinct()
)


async def contacts(conn: Conn, user_id: int) -> set[int]:
    """Everyone who shares at least one chat with the user."""
    return {row[0] for row in (await conn.execute(_CONTACTS, {"uid": user_id})).all()}


async def deactivated_ids(conn: Conn) -> set[int]:
    """Every account an operator deactivated: a handful on any server."""
    query = sa.select(users.c.id).where(users.c.deactivated_at.is_not(None))
    return {int(row[0]) for row in (await conn.execute(query)).all()}
