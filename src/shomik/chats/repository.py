"""SQL for chats and their members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from shomik.chats import readers
from shomik.chats.schemas import ChatInfo, Member
from shomik.db import fast
from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, users
from shomik.errors import NotFound
from shomik.privacy import visibility
from shomik.schemas import utcnow
from shomik.users.repository import avatar_url, to_public
from shomik.users.schemas import UserPublic


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
    conn: Conn, chat_id: int, user_ids: Sequence[int], viewer_id: int | None
) -> list[Member]:
    """These members of the chat (all must be), with the presence `viewer_id` may see; with
    no viewer, as every member of the chat may see it (a payload for all of them)."""
    if not user_ids:
        return []
    query = (
        sa.select(chat_members, users)
        .join(users, users.c.id == chat_members.c.user_id)
        .where(chat_members.c.chat_id == chat_id, chat_members.c.user_id.in_(list(user_ids)))
        .order_by(_RANK, chat_members.c.user_id)
    )
    return await _members(conn, chat_id, list((await conn.execute(query)).all()), viewer_id)


async def _members(
    conn: Conn, chat_id: int, rows: list[Any], viewer_id: int | None
) -> list[Member]:
    if viewer_id is not None:
        hidden = await visibility.hidden_from(conn, viewer_id, rows, share_a_chat=True)
    elif rows:
        hidden = (await visibility.hidden_in_chats(conn, {chat_id: rows}))[chat_id]
    else:
        hidden = set()
    # The joined rows carry the users columns.
    return [
        Member(
            user=to_public(row, row.user_id in hidden),
            role=row.role,
            last_read_seq=row.last_read_seq,
        )
        for row in rows
    ]


# The member list's order: the owner, admins, members; by user id within each.
_RANK = sa.case({"owner": 0, "admin": 1}, value=chat_members.c.role, else_=2)
RANKS = {"owner": 0, "admin": 1, "member": 2}


async def member_page(
    conn: Conn, chat_id: int, viewer_id: int, limit: int, after: tuple[int, int] | None, q: str
) -> tuple[list[Member], bool]:
    """A keyset page of the members in list order after `after` = (rank, user id); `q`:
    only those whose username or display name holds it (as people search matches)."""
    m = chat_members
    query = (
        sa.select(m, users)
        .join(users, users.c.id == m.c.user_id)
        .where(m.c.chat_id == chat_id)
        .order_by(_RANK, m.c.user_id)
        .limit(limit + 1)
    )
    if after is not None:
        rank, user_id = after
        at = sa.literal(rank)
        query = query.where(sa.or_(at < _RANK, sa.and_(at == _RANK, m.c.user_id > user_id)))
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            sa.or_(
                users.c.username_lower.like(pattern, escape="\\"),
                sa.func.lower(users.c.display_name).like(pattern, escape="\\"),
            )
        )
    rows = list((await conn.execute(query)).all())
    members = await _members(conn, chat_id, rows[:limit], viewer_id)
    return members, len(rows) > limit


async def member_count(conn: Conn, chat_id: int) -> int:
    query = sa.select(chats.c.member_count).where(chats.c.id == chat_id)
    return int((await conn.execute(query)).scalar() or 0)


async def peers_of(conn: Conn, viewer_id: int, chat_ids: Sequence[int]) -> dict[int, UserPublic]:
    """The other person of each of these private chats of `viewer_id`, with the presence the
    viewer may see."""
    if not chat_ids:
        return {}
    m = chat_members
    query = (
        sa.select(m.c.chat_id, users)
        .join(users, users.c.id == m.c.user_id)
        .where(m.c.chat_id.in_(list(chat_ids)), m.c.user_id != viewer_id)
    )
    rows = list((await conn.execute(query)).all())
    hidden = await visibility.hidden_from(conn, viewer_id, rows, share_a_chat=True)
    return {row.chat_id: to_public(row, row.id in hidden) for row in rows}


async def info(conn: Conn, chat_id: int) -> ChatInfo:
    """What every member sees alike (`chat:updated`, groups only): no peer."""
    row = await get(conn, chat_id)
    if row is None:
        raise NotFound("Chat not found.")
    return heading(row, None)


def heading(row: Any, peer: UserPublic | None) -> ChatInfo:
    """A chat's heading from its `chats` row (and the other person of a private chat)."""
    return ChatInfo(
        id=row.id,
        type=row.type,
        name=row.name,
        avatar_url=avatar_url(row.avatar_id),
        created_at=row.created_at,
        member_count=row.member_count,
        secret=bool(row.secret),
        self_destruct_seconds=row.self_destruct_seconds,
        peer=peer,
    )


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
    await _count_members(conn, chat_id)


async def delete_member(conn: Conn, chat_id: int, user_id: int) -> None:
    m = chat_members
    await conn.execute(sa.delete(m).where(m.c.chat_id == chat_id, m.c.user_id == user_id))
    await _count_members(conn, chat_id)


async def _count_members(conn: Conn, chat_id: int) -> None:
    """`chats.member_count` and the two furthest read positions (chats/readers.py) follow
    the rows: these two functions are the only writes of `chat_members` rows (a user is
    never deleted; a chat takes its rows with it). Counted again rather than incremented
    (at most 1,000 keys, at a membership change, which is rare), so that a count left
    behind (a rolling upgrade from a release that did not keep it) is right again at the
    chat's next change."""
    m = chat_members
    count = sa.select(sa.func.count()).where(m.c.chat_id == chat_id).scalar_subquery()
    values = {"member_count": count, **readers.recount_values(sa.literal(chat_id))}
    await conn.execute(sa.update(chats).where(chats.c.id == chat_id).values(values))


async def set_role(conn: Conn, chat_id: int, user_id: int, role: str) -> None:
    m = chat_members
    await conn.execute(
        sa.update(m).where(m.c.chat_id == chat_id, m.c.user_id == user_id).values(role=role)
    )


async def hand_over(conn: Conn, chat_id: int) -> int | None:
    """The longest-standing admin, else the longest-standing member, becomes the owner;
    who (None: no one is left)."""
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
    return int(heir) if heir is not None else None


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


def after_message_statement(seq: Any = None) -> sa.Update:
    """The members' rows a new message changes (`after_message`); `seq` an expression for
    the message's seq (messages/repository.py takes it in the same statement), else the
    `seq` parameter."""
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
            last_read_seq=sa.case(
                (sender, sa.bindparam("seq") if seq is None else seq), else_=m.c.last_read_seq
            ),
            archived=sa.case((sender, m.c.archived), else_=sa.false()),
        )
        .returning(m.c.user_id)
    )


_AFTER_MESSAGE = fast.Hot(after_message_statement())  # built once: it runs on every message


async def after_message(
    conn: Conn, chat_id: int, sender_id: int | None, seq: int, unarchive: bool
) -> list[int]:
    """The members' rows a new message changes, in one statement: the sender has read up
    to it, and (`unarchive`) the chat comes back from the archive for the other members who
    did not mute it. Returns those it brought back."""
    params: dict[str, Any] = {"chat": chat_id, "sender": sender_id, "seq": seq}
    params |= {"unarchive": unarchive, "now": utcnow()}
    rows = await fast.fetch(conn, _AFTER_MESSAGE, params)
    return [row[0] for row in rows if row[0] != sender_id]
