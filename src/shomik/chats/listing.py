"""The chat list as one user sees it: each chat with its newest message this user may see,
the unread and unread-mention counts over the messages they may see, pins, and their own
settings. A fixed number of queries whatever the number of chats (pinned by
tests/db/test_query_counts.py)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from shomik.chats.repository import _info, members_of
from shomik.chats.schemas import Chat
from shomik.chats.settings import settings_of
from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, hidden_messages, mentions, messages, pins
from shomik.messages import repository as messages_repo
from shomik.messages.repository import visible_to


async def list_for(conn: Conn, user_id: int, chat_id: int | None = None) -> list[Chat]:
    m = chat_members
    last = messages.alias("last")
    # The newest visible message: walks back from the end on the (chat_id, seq) index, so a
    # deleted last message costs a step, not a scan.
    last_seq = (
        sa.select(last.c.seq)
        .where(last.c.chat_id == chats.c.id, visible_to(user_id, last))
        .order_by(last.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    shown = messages.alias("shown")
    query = (
        sa.select(chats, m, shown.c.id.label("last_id"))
        .join(m, sa.and_(m.c.chat_id == chats.c.id, m.c.user_id == user_id))
        .outerjoin(shown, sa.and_(shown.c.chat_id == chats.c.id, shown.c.seq == last_seq))
        .order_by(
            sa.func.coalesce(shown.c.created_at, chats.c.created_at).desc(), chats.c.id.desc()
        )
    )
    if chat_id is not None:
        query = query.where(chats.c.id == chat_id)
    else:
        # A private chat nobody wrote in yet is listed only for those who opened it. Not
        # written in means: no message this user may see (a blocked sender's are hidden).
        query = query.where(sa.or_(m.c.listed, shown.c.id.is_not(None)))
    rows = (await conn.execute(query)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    members = await members_of(conn, ids, user_id)
    unread = await _unread_counts(conn, user_id, ids)
    mentioned = await _unread_mentions(conn, user_id, ids)

    last_ids = [r.last_id for r in rows if r.last_id is not None]
    pinned_q = (
        sa.select(messages)
        .join(pins, pins.c.message_id == messages.c.id)
        .where(pins.c.chat_id.in_(ids), visible_to(user_id))
        .order_by(pins.c.pinned_at)
    )
    pinned_rows = list((await conn.execute(pinned_q)).all())
    last_rows = []
    if last_ids:
        last_q = sa.select(messages).where(messages.c.id.in_(last_ids))
        last_rows = list((await conn.execute(last_q)).all())
    hydrated = {msg.id: msg for msg in await messages_repo.hydrate(conn, last_rows + pinned_rows)}
    pinned_by_chat: dict[int, list[int]] = defaultdict(list)
    for p in pinned_rows:
        pinned_by_chat[p.chat_id].append(p.id)

    return [
        Chat(
            **_info(r, members[r.id]).model_dump(),
            last_seq=r.last_seq,
            last_message=hydrated.get(r.last_id) if r.last_id is not None else None,
            unread_count=unread.get(r.id, 0),
            pinned_messages=[hydrated[i] for i in pinned_by_chat[r.id]],
            unread_mentions=mentioned.get(r.id, (0, None))[0],
            first_unread_mention_seq=mentioned.get(r.id, (0, None))[1],
            settings=settings_of(r),
        )
        for r in rows
    ]


async def _unread_counts(conn: Conn, user_id: int, chat_ids: list[int]) -> dict[int, int]:
    """Messages after the read position that this user may see, per chat."""
    m = chat_members
    query = (
        sa.select(messages.c.chat_id, sa.func.count().label("n"))
        .join(m, sa.and_(m.c.chat_id == messages.c.chat_id, m.c.user_id == user_id))
        .where(
            messages.c.chat_id.in_(chat_ids),
            messages.c.seq > m.c.last_read_seq,
            visible_to(user_id),
        )
        .group_by(messages.c.chat_id)
    )
    return {row.chat_id: int(row.n) for row in (await conn.execute(query)).all()}


async def _unread_mentions(
    conn: Conn, user_id: int, chat_ids: list[int]
) -> dict[int, tuple[int, int | None]]:
    """Unread mentions of this user per chat: (count, first seq). Rows of messages deleted
    for everyone are gone with them; hidden ones are left out here."""
    m = chat_members
    hidden = sa.exists().where(
        hidden_messages.c.user_id == user_id, hidden_messages.c.message_id == mentions.c.message_id
    )
    query = (
        sa.select(
            mentions.c.chat_id,
            sa.func.count().label("n"),
            sa.func.min(mentions.c.seq).label("first"),
        )
        .join(m, sa.and_(m.c.chat_id == mentions.c.chat_id, m.c.user_id == user_id))
        .where(
            mentions.c.user_id == user_id,
            mentions.c.chat_id.in_(chat_ids),
            mentions.c.seq > m.c.last_read_seq,
            ~hidden,
        )
        .group_by(mentions.c.chat_id)
    )
    rows = (await conn.execute(query)).all()
    return {row.chat_id: (int(row.n), row.first) for row in rows}
