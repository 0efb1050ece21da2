"""SQL for chats and their members."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from shomik.chats.schemas import ChatInfo, Member
from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, users
from shomik.errors import NotFound
from shomik.privacy import visibility
from shomik.schemas import utcnow
from shomik.users.repository import avatar_url, to_public


async def get(conn: Conn, chat_id: int) -> Any | None:
    return (await conn.execute(sa.select(chats).where(chats.c.id == chat_id))).first()


# Statements of the hot paths are built once: building a statement and its cache key costs
# more than running it (measured: 0.73 ms of CPU per send with statements built per call,
# 0.18 ms with them built once, 0.12 ms in raw sqlite3).
_MEMBERSHIP = sa.select(chat_members).where(
    chat_members.c.chat_id == sa.bindparam("chat_id"),
    chat_members.c.user_id == sa.bindparam("user_id"),
)
_MEMBER_IDS = sa.select(chat_members.c.user_id).where(
    chat_members.c.chat_id == sa.bindparam("chat_id")
)


async def membership(conn: Conn, chat_id: int, user_id: int) -> Any | None:
    return (await conn.execute(_MEMBERSHIP, {"chat_id": chat_id, "user_id": user_id})).first()


async def require_member(conn: Conn, chat_id: int, user_id: int) -> Any:
    """The user's membership row; non-members (removed ones included) get a 404, so a chat's
    existence is not revealed to outsiders."""
    row = await membership(conn, chat_id, user_id)
    if row is None:
        raise NotFound("Chat not found.")
    return row


async def list_member(conn: Conn, chat_id: int, user_id: int) -> bool:
    """Mark the chat listed for this member; True if it was not (it is news to them)."""
    m = chat_members
    result = await conn.execute(
        sa.update(m)
        .where(m.c.chat_id == chat_id, m.c.user_id == user_id, m.c.listed.is_(False))
        .values(listed=True)
    )
    return bool(result.rowcount)


async def unlisted_members(conn: Conn, chat_id: int) -> list[int]:
    m = chat_members
    query = sa.select(m.c.user_id).where(m.c.chat_id == chat_id, m.c.listed.is_(False))
    return [row[0] for row in (await conn.execute(query)).all()]


async def member_ids(conn: Conn, chat_id: int) -> frozenset[int]:
    rows = (await conn.execute(_MEMBER_IDS, {"chat_id": chat_id})).all()
    return frozenset(row[0] for row in rows)


async def by_private_key(conn: Conn, key: str) -> Any | None:
    return (await conn.execute(sa.select(chats).where(chats.c.private_key == key))).first()


async def members_of(
    conn: Conn, chat_ids: Sequence[int], viewer_id: int | None
) -> dict[int, list[Member]]:
    """The members of chats `viewer_id` is in, with the presence that viewer may see; with
    no viewer, as every member of the chat may see it (a payload for all of them)."""
    query = (
        sa.select(chat_members, users)
        .join(users, users.c.id == chat_members.c.user_id)
        .where(chat_members.c.chat_id.in_(chat_ids))
        .order_by(chat_members.c.joined_at, chat_members.c.user_id)
    )
    rows = (await conn.execute(query)).all()
    if viewer_id is not None:
        hidden_everywhere = await visibility.hidden_from(conn, viewer_id, rows, share_a_chat=True)
        hidden: dict[int, set[int]] = defaultdict(lambda: hidden_everywhere)
    else:
        by_chat: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_id].append(row)
        hidden = defaultdict(set, await visibility.hidden_in_chats(conn, by_chat))
    result: dict[int, list[Member]] = defaultdict(list)
    for row in rows:
        # The joined row carries the users columns.
        user = to_public(row, row.user_id in hidden[row.chat_id])
        result[row.chat_id].append(
            Member(user=user, role=row.role, last_read_seq=row.last_read_seq)
        )
    return result


def _info(row: Any, members: list[Member]) -> ChatInfo:
    return ChatInfo(
        id=row.id,
        type=row.type,
        name=row.name,
        avatar_url=avatar_url(row.avatar_id),
        created_at=row.created_at,
        members=members,
    )


async def info(conn: Conn, chat_id: int) -> ChatInfo:
    """What every member sees alike (`chat:updated`): presence as all of them may see it."""
    row = await get(conn, chat_id)
    if row is None:
        raise NotFound("Chat not found.")
    return _info(row, (await members_of(conn, [chat_id], None))[chat_id])


# --- Writes of the chats domain (callers hold the write transaction) ---


async def insert_chat(
    conn: Conn, *, type_: str, name: str | None, by: int, private_key: str | None, at: Any
) -> int:
    result = await conn.execute(
        sa.insert(chats)
        .values(type=type_, name=name, created_by=by, private_key=private_key, created_at=at)
        .returning(chats.c.id)
    )
    return int(result.scalar_one())


async def update_chat(conn: Conn, chat_id: int, **values: Any) -> None:
    await conn.execute(sa.update(chats).where(chats.c.id == chat_id).values(**values))


async def insert_members(
    conn: Conn,
    chat_id: int,
    roles: dict[int, str],
    *,
    joined_event: int,
    read_through: int,
    unlisted: frozenset[int],
) -> None:
    now = utcnow()
    await conn.execute(
        sa.insert(chat_members),
        [
            {
                "chat_id": chat_id,
                "user_id": uid,
                "role": role,
                "joined_at": now,
                "joined_event": joined_event,
                "last_read_seq": read_through,
                "listed": uid not in unlisted,
            }
            for uid, role in roles.items()
        ],
    )


async def delete_member(conn: Conn, chat_id: int, user_id: int) -> None:
    m = chat_members
    await conn.execute(sa.delete(m).where(m.c.chat_id == chat_id, m.c.user_id == user_id))


async def set_role(conn: Conn, chat_id: int, user_id: int, role: str) -> None:
    m = chat_members
    await conn.execute(
        sa.update(m).where(m.c.chat_id == chat_id, m.c.user_id == user_id).values(role=role)
    )


async def hand_over(conn: Conn, chat_id: int) -> None:
    """The longest-standing admin, else the longest-standing member, becomes the owner."""
    m = chat_members
    query = (
        sa.select(m.c.user_id)
        .where(m.c.chat_id == chat_id)
        .order_by((m.c.role == "admin").desc(), m.c.joined_at, m.c.user_id)
        .limit(1)
    )
    heir = (await conn.execute(query)).scalar()
    if heir is not None:
        await set_role(conn, chat_id, heir, "owner")


async def read_through_next(conn: Conn, chat_id: int, user_id: int) -> None:
    """Move the member's read position onto the chat's next message (their own, about to be
    stored)."""
    next_seq = sa.select(chats.c.last_seq + 1).where(chats.c.id == chat_id).scalar_subquery()
    m = chat_members
    await conn.execute(
        sa.update(m)
        .where(m.c.chat_id == chat_id, m.c.user_id == user_id)
        .values(last_read_seq=next_seq)
    )


async def update_member(conn: Conn, chat_id: int, user_id: int, **values: Any) -> None:
    m = chat_members
    await conn.execute(
        sa.update(m).where(m.c.chat_id == chat_id, m.c.user_id == user_id).values(**values)
    )


async def pinned_count(conn: Conn, user_id: int) -> int:
    m = chat_members
    query = sa.select(sa.func.count()).where(m.c.user_id == user_id, m.c.pinned_at.is_not(None))
    return int((await conn.execute(query)).scalar_one())


async def pinned_chat_ids(conn: Conn, user_id: int) -> set[int]:
    m = chat_members
    query = sa.select(m.c.chat_id).where(m.c.user_id == user_id, m.c.pinned_at.is_not(None))
    return {row[0] for row in (await conn.execute(query)).all()}


def _after_message() -> sa.Update:
    m = chat_members
    sender = m.c.user_id == sa.bindparam("sender")
    comes_back = sa.and_(
        sa.bindparam("unarchive", type_=sa.Boolean),
        m.c.archived.is_(True),
        sa.or_(m.c.muted_until.is_(None), m.c.muted_until <= sa.bindparam("now")),
    )
    return (
        sa.update(m)
        .where(m.c.chat_id == sa.bindparam("chat"), sa.or_(sender, comes_back))
        .values(
            last_read_seq=sa.case((sender, sa.bindparam("seq")), else_=m.c.last_read_seq),
            archived=sa.case((sender, m.c.archived), else_=sa.false()),
        )
        .returning(m.c.user_id)
    )


_AFTER_MESSAGE = _after_message()  # built once: it runs on every message


async def after_message(
    conn: Conn, chat_id: int, sender_id: int | None, seq: int, unarchive: bool
) -> list[int]:
    """The members' rows a new message changes, in one statement: the sender has read up
    to it, and (`unarchive`) the chat comes back from the archive for the other members who
    did not mute it. Returns those it brought back."""
    params: dict[str, Any] = {"chat": chat_id, "sender": sender_id, "seq": seq}
    params |= {"unarchive": unarchive, "now": utcnow()}
    rows = (await conn.execute(_AFTER_MESSAGE, params)).all()
    return [row[0] for row in rows if row[0] != sender_id]
