"""SQL of push subscriptions and of who a push goes to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, push_subscriptions, users

subs = push_subscriptions


@dataclass(frozen=True)
class Subscription:
    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


async def replace(
    conn: Conn,
    user_id: int,
    session_id: str,
    endpoint: str,
    p256dh: str,
    auth: str,
    now: datetime,
) -> None:
    """One row per endpoint (one per browser): a re-subscription, or the same browser
    signed in as someone else, replaces the old row."""
    await conn.execute(sa.delete(subs).where(subs.c.endpoint == endpoint))
    await conn.execute(
        sa.insert(subs).values(
            user_id=user_id,
            session_id=session_id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            created_at=now,
        )
    )


async def remove(conn: Conn, user_id: int, endpoint: str) -> None:
    await conn.execute(
        sa.delete(subs).where(subs.c.endpoint == endpoint, subs.c.user_id == user_id)
    )


async def remove_by_id(conn: Conn, subscription_id: int) -> None:
    await conn.execute(sa.delete(subs).where(subs.c.id == subscription_id))


async def remove_of_sessions(conn: Conn, session_ids: Sequence[str]) -> None:
    if session_ids:
        await conn.execute(sa.delete(subs).where(subs.c.session_id.in_(session_ids)))


async def of_users(conn: Conn, user_ids: Sequence[int]) -> list[Subscription]:
    if not user_ids:
        return []
    query = sa.select(subs.c.id, subs.c.user_id, subs.c.endpoint, subs.c.p256dh, subs.c.auth)
    rows = (await conn.execute(query.where(subs.c.user_id.in_(user_ids)))).all()
    return [Subscription(r.id, r.user_id, r.endpoint, r.p256dh, r.auth) for r in rows]


async def count_of(conn: Conn, user_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(subs).where(subs.c.user_id == user_id)
    return int((await conn.execute(query)).scalar_one())


@dataclass(frozen=True)
class Recipient:
    user_id: int
    muted_until: datetime | None
    params: dict[str, Any]


async def recipients(conn: Conn, chat_id: int, user_ids: Sequence[int]) -> list[Recipient]:
    """Those of `user_ids` who are members of the chat and have a subscription."""
    if not user_ids:
        return []
    m = chat_members
    query = (
        sa.select(m.c.user_id, m.c.muted_until, users.c.params)
        .join(users, users.c.id == m.c.user_id)
        .where(
            m.c.chat_id == chat_id,
            m.c.user_id.in_(user_ids),
            sa.exists().where(subs.c.user_id == m.c.user_id),
        )
    )
    return [Recipient(r.user_id, r.muted_until, r.params or {}) for r in await conn.execute(query)]


@dataclass(frozen=True)
class ChatInfo:
    type: str
    name: str | None
    secret: bool = False


async def chat_info(conn: Conn, chat_id: int) -> ChatInfo | None:
    query = sa.select(chats.c.type, chats.c.name, chats.c.secret).where(chats.c.id == chat_id)
    row = (await conn.execute(query)).first()
    return ChatInfo(row.type, row.name, bool(row.secret)) if row else None


async def display_name(conn: Conn, user_id: int) -> str:
    query = sa.select(users.c.display_name).where(users.c.id == user_id)
    return str((await conn.execute(query)).scalar_one_or_none() or "")


async def avatar_id(conn: Conn, user_id: int) -> str | None:
    query = sa.select(users.c.avatar_id).where(users.c.id == user_id)
    found = (await conn.execute(query)).scalar_one_or_none()
    return str(found) if found else None


async def params_of(conn: Conn, user_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not user_ids:
        return {}
    query = sa.select(users.c.id, users.c.params).where(users.c.id.in_(user_ids))
    return {row.id: dict(row.params or {}) for row in (await conn.execute(query)).all()}
