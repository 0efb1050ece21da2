"""The chat list as one user sees it, a page at a time: each chat with its newest message
this user may see, the unread and unread-mention counts over the messages they may see,
pins, their own settings and membership, the member count and, in a private chat, the other
person. No member lists: a user in 1,000 groups of 1,000 would otherwise get a million
members. A fixed number of queries whatever the page size (tests/db/test_query_counts.py).

The order (pinned first, then by last activity: cursors.py) needs every chat's last
activity as this user sees it (a message hidden for them is not their activity), so the
page query computes it for each of the user's chats and the database sorts them and cuts the
page: that part grows with the number of chats, never with their members or messages. The
statements are built once, with the user as a bind parameter: building them per call cost
more than running some of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from shomik.chats import cursors, readers
from shomik.chats import repository as repo
from shomik.chats.schemas import Chat, ChatList
from shomik.chats.settings import settings_of
from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, hidden_messages, mentions, messages, pins
from shomik.messages import repository as messages_repo
from shomik.messages.repository import visible_to

_USER: sa.BindParameter[int] = sa.bindparam("user_id")
_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
_AT = sa.bindparam("at", type_=chat_members.c.pinned_at.type)
_AFTER_ID: sa.BindParameter[int] = sa.bindparam("after_id")

_m = chat_members
_last = messages.alias("last")


def _newest(column: Any) -> sa.ScalarSelect[Any]:
    """This column of the newest message the user may see: a walk back from the end of the
    (chat_id, seq) index, so a deleted last message costs a step, not a scan. A correlated
    subquery, not a join: joined, PostgreSQL may hash the whole messages table."""
    return (
        sa.select(column)
        .where(_last.c.chat_id == chats.c.id, visible_to(_USER, _last), shown(_last))
        .order_by(_last.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def shown(table: Any) -> sa.ColumnElement[bool]:
    """A message people see: not a control message (secret chats' reactions and the like,
    which clients apply and never show), so never a chat's last message, its activity or
    unread.

    The type is written into the SQL, not bound: as a parameter, PostgreSQL's generic plan
    of the prepared statement (used after five runs) guessed that one row in 20,000 passes
    `type <> $n`, and counted the unread total with a lookup per message instead of a
    hash join: 44 ms against 18 for 1,000 chats (docs/benchmarks.md, "Chat list at
    scale")."""
    shown_type: sa.ColumnElement[bool] = table.c.type != sa.literal_column("'control'")
    return shown_type


_last_id = _newest(_last.c.id)
_activity = sa.func.coalesce(_newest(_last.c.created_at), chats.c.created_at)
_pinned = _m.c.pinned_at.is_not(None)
_activity_column = _activity.label("activity")

# The user's chats: their membership, the id of the newest message they may see
# (`last_id`) and their last activity: that message's time, else the chat's creation.
_CHATS = (
    sa.select(chats.c.id, _m.c.pinned_at, _last_id.label("last_id"), _activity_column)
    .select_from(chats)
    .join(_m, sa.and_(_m.c.chat_id == chats.c.id, _m.c.user_id == _USER))
)
# A private chat nobody wrote in yet is listed only for those who opened it. Not written in
# means: no message this user may see (a blocked sender's are hidden).
_LISTED = _CHATS.where(sa.or_(_m.c.listed, _last_id.is_not(None)))


def _order(pinned_at: Any, activity: Any, chat_id: Any) -> tuple[Any, ...]:
    """The client's order (stores/chatOrder.ts): pinned first by pinnedAt, then id; the
    rest by activity, newest first, then the larger id. (Pinned chats all have 0 as their
    third key, the others their id: so pinned ones are ordered by id before activity.)"""
    return (
        pinned_at.is_(None),
        pinned_at,
        sa.case((pinned_at.is_(None), 0), else_=chat_id),
        activity.desc(),
        chat_id.desc(),
    )


# Sorted on the result's `activity` column: the subquery runs once per chat.
_FIRST = _LISTED.order_by(*_order(_m.c.pinned_at, _activity_column, chats.c.id)).limit(
    sa.bindparam("limit")
)
# After a pinned chat: the pinned ones after it, then every other.
_AFTER_PINNED = _FIRST.where(
    sa.or_(
        ~_pinned,
        _m.c.pinned_at > _AT,
        sa.and_(_m.c.pinned_at == _AT, chats.c.id > _AFTER_ID),
    )
)
# After a chat not pinned: the others not pinned that were active before it.
_AFTER_ACTIVE = _FIRST.where(
    ~_pinned,
    sa.or_(_activity < _AT, sa.and_(_activity == _AT, chats.c.id < _AFTER_ID)),
)


def _rows_of(keys: Any) -> sa.Select[Any]:
    """The page's chats in full, with the furthest the others have read: computed for the
    page's rows only, after the database has cut the page from all the user's chats."""
    return (
        sa.select(
            chats,
            _m,
            readers.others_read(_USER).label("others_read_seq"),
            keys.c.last_id,
            keys.c.activity,
        )
        .select_from(keys)
        .join(chats, chats.c.id == keys.c.id)
        .join(_m, sa.and_(_m.c.chat_id == chats.c.id, _m.c.user_id == _USER))
        .order_by(*_order(keys.c.pinned_at, keys.c.activity, keys.c.id))
    )


_PAGES = {
    kind: _rows_of(query.subquery("page"))
    for kind, query in (("first", _FIRST), ("pinned", _AFTER_PINNED), ("active", _AFTER_ACTIVE))
}
_BY_ID = _rows_of(_CHATS.where(chats.c.id.in_(_IDS)).subquery("page"))
# Archived chats of the list: those listed, or with a message (as search counts them,
# messages/search.py `chats_named`), so that no chat's last message is looked for here.
_ARCHIVED = (
    sa.select(sa.func.count())
    .select_from(_m)
    .join(chats, chats.c.id == _m.c.chat_id)
    .where(_m.c.user_id == _USER, _m.c.archived, sa.or_(_m.c.listed, chats.c.last_seq > 0))
)

# Messages after the read position that the user may see, in their chats.
_UNREAD = (
    sa.select(sa.func.count().label("n"))
    .select_from(messages)
    .join(_m, sa.and_(_m.c.chat_id == messages.c.chat_id, _m.c.user_id == _USER))
    .where(messages.c.seq > _m.c.last_read_seq, visible_to(_USER), shown(messages))
)
_UNREAD_BY_CHAT = (
    _UNREAD.add_columns(messages.c.chat_id)
    .where(messages.c.chat_id.in_(_IDS))
    .group_by(messages.c.chat_id)
)
# Unread mentions of the user per chat: (count, first seq). Rows of messages deleted for
# everyone are gone with them; hidden ones are left out here.
_MENTIONS = (
    sa.select(
        mentions.c.chat_id,
        sa.func.count().label("n"),
        sa.func.min(mentions.c.seq).label("first"),
    )
    .join(_m, sa.and_(_m.c.chat_id == mentions.c.chat_id, _m.c.user_id == _USER))
    .where(
        mentions.c.user_id == _USER,
        mentions.c.chat_id.in_(_IDS),
        mentions.c.seq > _m.c.last_read_seq,
        ~sa.exists().where(
            hidden_messages.c.user_id == _USER,
            hidden_messages.c.message_id == mentions.c.message_id,
        ),
    )
    .group_by(mentions.c.chat_id)
)
_PINNED = (
    sa.select(messages)
    .join(pins, pins.c.message_id == messages.c.id)
    .where(pins.c.chat_id.in_(_IDS), visible_to(_USER))
    .order_by(pins.c.pinned_at)
)
_MESSAGES = sa.select(messages).where(messages.c.id.in_(_IDS))
# The list's totals, over all the user's chats, in one round trip.
_TOTALS = sa.select(
    _UNREAD.scalar_subquery().label("unread"), _ARCHIVED.scalar_subquery().label("archived")
)


async def page(conn: Conn, user_id: int, limit: int, cursor: str | None) -> ChatList:
    after = cursors.parse_chat(cursor)
    params: dict[str, Any] = {"user_id": user_id, "limit": limit + 1}
    query = _PAGES["first"]
    if after is not None:
        query = _PAGES["pinned" if after.pinned else "active"]
        params |= {"at": after.at, "after_id": after.chat_id}
    rows = list((await conn.execute(query, params)).all())
    more, rows = len(rows) > limit, rows[:limit]
    last = rows[-1] if more else None
    totals = (await conn.execute(_TOTALS, {"user_id": user_id})).one()
    return ChatList(
        chats=await _load(conn, user_id, rows),
        next_cursor=cursors.chat_cursor(last.id, last.pinned_at, last.activity) if last else None,
        unread_total=int(totals.unread),
        archived_count=int(totals.archived),
    )


async def one(conn: Conn, user_id: int, chat_id: int) -> Chat:
    """One chat of the user's (the caller checked the membership), listed or not."""
    rows = (await conn.execute(_BY_ID, {"user_id": user_id, "ids": [chat_id]})).all()
    (chat,) = await _load(conn, user_id, rows)
    return chat


async def list_for(conn: Conn, user_id: int, chat_id: int) -> list[Chat]:
    """The chat as `[one(...)]`: the shape other domains unpack."""
    return [await one(conn, user_id, chat_id)]


async def _load(conn: Conn, user_id: int, rows: Sequence[Any]) -> list[Chat]:
    """The chats of these rows (of `_rows_of`), in their order."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    mine = {"user_id": user_id, "ids": ids}
    unread = {r.chat_id: int(r.n) for r in (await conn.execute(_UNREAD_BY_CHAT, mine)).all()}
    mentioned = {r.chat_id: (int(r.n), r.first) for r in (await conn.execute(_MENTIONS, mine))}
    peers = await repo.peers_of(conn, user_id, [r.id for r in rows if r.type == "private"])

    pinned_rows = list((await conn.execute(_PINNED, mine)).all())
    last_ids = [r.last_id for r in rows if r.last_id is not None]
    last_rows = []
    if last_ids:
        last_rows = list((await conn.execute(_MESSAGES, {"ids": last_ids})).all())
    # No `readBy` in the list: it would name up to 999 readers per message. The list's
    # read state is `lastReadSeq` and `othersReadSeq`.
    loaded = await messages_repo.hydrate(conn, last_rows + pinned_rows, read_by=False)
    hydrated = {msg.id: msg for msg in loaded}
    pinned_by_chat: dict[int, list[int]] = defaultdict(list)
    for p in pinned_rows:
        pinned_by_chat[p.chat_id].append(p.id)

    return [
        Chat(
            **dict(repo.heading(r, peers.get(r.id))),
            role=r.role,
            last_read_seq=r.last_read_seq,
            others_read_seq=r.others_read_seq,
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
