"""SQL of group invitations."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_invites, chat_members, chats, users
from shomik.schemas import utcnow

i, m = chat_invites, chat_members


def _inviter_still_member() -> sa.ColumnElement[bool]:
    return sa.exists().where(m.c.chat_id == i.c.chat_id, m.c.user_id == i.c.invited_by)


def _not_yet_member() -> sa.ColumnElement[bool]:
    return ~sa.exists().where(m.c.chat_id == i.c.chat_id, m.c.user_id == i.c.user_id)


async def pending_among(conn: Conn, chat_id: int, user_ids: Collection[int]) -> set[int]:
    query = sa.select(i.c.user_id).where(i.c.chat_id == chat_id, i.c.user_id.in_(list(user_ids)))
    return {row[0] for row in (await conn.execute(query)).all()}


async def insert(conn: Conn, chat_id: int, user_ids: Collection[int], invited_by: int) -> None:
    now = utcnow()
    rows = [
        {"chat_id": chat_id, "user_id": uid, "invited_by": invited_by, "created_at": now}
        for uid in user_ids
    ]
    await conn.execute(sa.insert(i), rows)


async def get(conn: Conn, chat_id: int, user_id: int) -> Any | None:
    """The invitation, and whether it still holds (its inviter is still a member)."""
    query = sa.select(i, _inviter_still_member().label("valid")).where(
        i.c.chat_id == chat_id, i.c.user_id == user_id
    )
    return (await conn.execute(query)).first()


async def delete(conn: Conn, chat_id: int, user_ids: Collection[int]) -> list[int]:
    """Drop these people's invitations to the chat; whose there were."""
    if not user_ids:
        return []
    query = (
        sa.delete(i)
        .where(i.c.chat_id == chat_id, i.c.user_id.in_(list(user_ids)))
        .returning(i.c.user_id)
    )
    return [row[0] for row in (await conn.execute(query)).all()]


async def delete_by_inviter(conn: Conn, chat_id: int, inviter_id: int) -> list[int]:
    """Drop the invitations this member sent to the chat; whose they were."""
    query = (
        sa.delete(i)
        .where(i.c.chat_id == chat_id, i.c.invited_by == inviter_id)
        .returning(i.c.user_id)
    )
    return [row[0] for row in (await conn.execute(query)).all()]


def _listed() -> sa.Select[Any]:
    inviter = users.alias("inviter")
    return (
        sa.select(
            i.c.chat_id,
            i.c.created_at,
            chats.c.name.label("chat_name"),
            chats.c.avatar_id.label("chat_avatar_id"),
            inviter.c.id.label("inviter_id"),
            inviter.c.username.label("inviter_username"),
            inviter.c.display_name.label("inviter_name"),
            inviter.c.avatar_id.label("inviter_avatar_id"),
            inviter.c.deactivated_at.label("inviter_deactivated_at"),
        )
        .join(chats, chats.c.id == i.c.chat_id)
        .join(inviter, inviter.c.id == i.c.invited_by)
        .where(_inviter_still_member(), _not_yet_member())
    )


async def of_user(conn: Conn, user_id: int) -> list[Any]:
    """The user's invitations that still hold, newest first, with the chat and inviter."""
    query = _listed().where(i.c.user_id == user_id)
    query = query.order_by(i.c.created_at.desc(), i.c.chat_id.desc())
    return list((await conn.execute(query)).all())


async def one(conn: Conn, chat_id: int, user_id: int) -> Any | None:
    query = _listed().where(i.c.user_id == user_id, i.c.chat_id == chat_id)
    return (await conn.execute(query)).first()
