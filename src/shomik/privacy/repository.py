"""SQL of privacy: blocks, and who shares a chat with whom."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, user_blocks, users
from shomik.schemas import utcnow


async def block(conn: Conn, blocker_id: int, blocked_id: int) -> bool:
    """True if this is a new block (blocking twice changes nothing)."""
    if await is_blocked(conn, blocker_id, blocked_id):
        return False
    values = {"blocker_id": blocker_id, "blocked_id": blocked_id, "created_at": utcnow()}
    await conn.execute(sa.insert(user_blocks).values(**values))
    return True


async def unblock(conn: Conn, blocker_id: int, blocked_id: int) -> bool:
    """True if there was a block to lift."""
    b = user_blocks
    query = sa.delete(b).where(b.c.blocker_id == blocker_id, b.c.blocked_id == blocked_id)
    return bool((await conn.execute(query)).rowcount)


async def is_blocked(conn: Conn, blocker_id: int, blocked_id: int) -> bool:
    b = user_blocks
    query = sa.select(b.c.blocker_id).where(
        b.c.blocker_id == blocker_id, b.c.blocked_id == blocked_id
    )
    return (await conn.execute(query)).first() is not None


async def blocked_users(conn: Conn, blocker_id: int) -> list[Any]:
    """The user rows this user blocked, the latest block first."""
    b = user_blocks
    query = (
        sa.select(users)
        .join(b, b.c.blocked_id == users.c.id)
        .where(b.c.blocker_id == blocker_id)
        .order_by(b.c.created_at.desc(), users.c.id)
    )
    return list((await conn.execute(query)).all())


_BLOCKED = sa.select(user_blocks.c.blocked_id).where(
    user_blocks.c.blocker_id == sa.bindparam("blocker")
)


async def blocked_by(conn: Conn, blocker_id: int) -> set[int]:
    """Everyone this user blocked."""
    return {row[0] for row in (await conn.execute(_BLOCKED, {"blocker": blocker_id})).all()}


_BLOCKERS = sa.select(user_blocks.c.blocker_id).where(
    user_blocks.c.blocked_id == sa.bindparam("blocked")
)


async def blockers_among(conn: Conn, blocked_id: int, user_ids: Collection[int]) -> set[int]:
    """Those of `user_ids` who blocked `blocked_id`. Read as everyone who blocked them (the
    index on `blocked_id`; few people block any one user), not with the ids as a list: a
    chat list's members may be thousands."""
    if not user_ids:
        return set()
    rows = (await conn.execute(_BLOCKERS, {"blocked": blocked_id})).all()
    return {row[0] for row in rows} & set(user_ids)


async def sharing_a_chat(conn: Conn, user_id: int, user_ids: Collection[int]) -> set[int]:
    """Those of `user_ids` who share at least one chat with `user_id`."""
    if not user_ids:
        return set()
    m = chat_members
    mine = sa.select(m.c.chat_id).where(m.c.user_id == user_id)
    query = sa.select(m.c.user_id).where(m.c.chat_id.in_(mine), m.c.user_id.in_(list(user_ids)))
    return {row[0] for row in (await conn.execute(query.distinct())).all()}


async def blockers_within(conn: Conn, chat_ids: Sequence[int]) -> dict[int, set[int]]:
    """Per chat: its members who blocked another of its members."""
    if not chat_ids:
        return {}
    b, m1, m2 = user_blocks, chat_members.alias("blocker"), chat_members.alias("blocked")
    query = (
        sa.select(m1.c.chat_id, b.c.blocker_id)
        .join(m1, m1.c.user_id == b.c.blocker_id)
        .join(m2, sa.and_(m2.c.user_id == b.c.blocked_id, m2.c.chat_id == m1.c.chat_id))
        .where(m1.c.chat_id.in_(list(chat_ids)))
        .distinct()
    )
    result: dict[int, set[int]] = {}
    for row in (await conn.execute(query)).all():
        result.setdefault(row.chat_id, set()).add(row.blocker_id)
    return result


@dataclass(frozen=True)
class PrivatePeer:
    """The other person of a private chat, as blocks stand between the two."""

    user_id: int
    # Not told of the chat yet (chats/service.py `create_private`).
    listed: bool
    # I blocked them: I may not write or call until I unblock.
    blocked_by_me: bool
    # They blocked me: what I write or call does not reach them.
    blocks_me: bool


_mine, _theirs, _peer = user_blocks.alias("mine"), user_blocks.alias("theirs"), chat_members
# Runs on every send into a private chat: built once (see chats/repository.py).
_PRIVATE_PEER = (
    sa.select(
        _peer.c.user_id,
        _peer.c.listed,
        _mine.c.blocker_id.is_not(None).label("blocked_by_me"),
        _theirs.c.blocker_id.is_not(None).label("blocks_me"),
    )
    .select_from(chats)
    .join(_peer, _peer.c.chat_id == chats.c.id)
    .outerjoin(
        _mine,
        sa.and_(_mine.c.blocker_id == sa.bindparam("me"), _mine.c.blocked_id == _peer.c.user_id),
    )
    .outerjoin(
        _theirs,
        sa.and_(
            _theirs.c.blocker_id == _peer.c.user_id, _theirs.c.blocked_id == sa.bindparam("me")
        ),
    )
    .where(
        chats.c.id == sa.bindparam("chat"),
        chats.c.type == "private",
        _peer.c.user_id != sa.bindparam("me"),
    )
)


async def private_peer(conn: Conn, chat_id: int, user_id: int) -> PrivatePeer | None:
    """The other member of a private chat; None for a group."""
    row = (await conn.execute(_PRIVATE_PEER, {"chat": chat_id, "me": user_id})).first()
    if row is None:
        return None
    return PrivatePeer(
        user_id=row.user_id,
        listed=bool(row.listed),
        blocked_by_me=bool(row.blocked_by_me),
        blocks_me=bool(row.blocks_me),
    )
