"""The two furthest read positions of a chat, kept on its row (`chats.read_top_user`,
`read_top_seq`, `read_next_seq`): what `Chat.othersReadSeq` ("read" ticks) is reckoned
from, for any member, without reading the chat's members.

Why not an index on `chat_members (chat_id, last_read_seq)`, which is what this replaced:
every send moves its sender's `last_read_seq`, and an indexed column changed means a new
row version with a new entry in each of the table's indexes, left for VACUUM. Without it
the update is a heap-only tuple (PostgreSQL's HOT): pruned in its page, no index touched.
PostgreSQL's own CPU per send fell by about an eighth (docs/benchmarks.md, "Thirteenth
session"); the chats row is updated by every send anyway (`last_seq`), and these columns
ride along in the same statement.

Read positions only ever grow (`mark_read` refuses to go back; a send or a system message
moves its sender's onto it), so the pair is kept up by `raised` at each move. A membership
change reckons it again from the rows (`recount_values`, beside the member count), which also
rights a pair left behind by a release that did not keep it (a rolling upgrade).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats

_TOP_USER, _TOP, _NEXT = chats.c.read_top_user, chats.c.read_top_seq, chats.c.read_next_seq


def raised(user: sa.ColumnElement[Any], seq: sa.ColumnElement[Any]) -> dict[str, Any]:
    """The values of an `UPDATE chats` that moves `user`'s read position onto `seq` (a
    NULL `user`, a system message's sender: no change). In an UPDATE every expression reads
    the row as it was, so the three agree."""
    overtakes = sa.and_(user.is_not(None), seq > _TOP)
    return {
        "read_top_user": sa.case((overtakes, user), else_=_TOP_USER),
        "read_top_seq": sa.case((overtakes, seq), else_=_TOP),
        # The furthest of the members other than the top one.
        "read_next_seq": sa.case(
            (sa.or_(user.is_(None), user == _TOP_USER), _NEXT),
            (seq > _TOP, _TOP),  # the one overtaken is now the next
            (seq > _NEXT, seq),
            else_=_NEXT,
        ),
    }


_USER: sa.BindParameter[int] = sa.bindparam("user", type_=_TOP_USER.type)
_SEQ: sa.BindParameter[int] = sa.bindparam("seq", type_=_TOP.type)
# A member read further (messages/service.py `mark_read`). Most reads in a group change
# neither of the two (the WHERE), and then the chat's row is not written at all.
RAISE = (
    sa.update(chats)
    .where(
        chats.c.id == sa.bindparam("chat"),
        _SEQ > _NEXT,
        sa.or_(_TOP_USER.is_distinct_from(_USER), _SEQ > _TOP),
    )
    .values(raised(_USER, _SEQ))
)


_MARK = (
    sa.update(chat_members)
    .where(chat_members.c.chat_id == sa.bindparam("chat"), chat_members.c.user_id == _USER)
    .values(last_read_seq=_SEQ)
)


async def mark(conn: Conn, chat_id: int, user_id: int, seq: int) -> None:
    """The member has read up to `seq`, further than before (the caller checked)."""
    params = {"chat": chat_id, "user": user_id, "seq": seq}
    # The chat's row before the member's, in the order a send takes them.
    await conn.execute(RAISE, params)
    await conn.execute(_MARK, params)


async def read_through_next(conn: Conn, chat_id: int, user_id: int) -> None:
    """Move the member's read position onto the chat's next message (their own, about to be
    stored: a system message about what they did). One who is no longer a member (they
    left) has no position to move."""
    m = chat_members
    own = sa.and_(m.c.chat_id == chat_id, m.c.user_id == user_id)
    next_seq = chats.c.last_seq + 1
    raised_ = raised(sa.literal(user_id, _TOP_USER.type), next_seq)
    member = sa.exists().where(own)
    await conn.execute(sa.update(chats).where(chats.c.id == chat_id, member).values(raised_))
    ahead = sa.select(next_seq).where(chats.c.id == chat_id).scalar_subquery()
    await conn.execute(sa.update(m).where(own).values(last_read_seq=ahead))


def others_read(user_id: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The furthest any member other than `user_id` has read in `chats`' chat."""
    return sa.case((user_id == _TOP_USER, _NEXT), else_=_TOP)


def others_of(chat: Any, user_id: int) -> int:
    """`others_read` of a chats row read into Python."""
    return int(chat.read_next_seq if chat.read_top_user == user_id else chat.read_top_seq)


def recount_values(chat_id: sa.ColumnElement[Any]) -> dict[str, Any]:
    """The pair reckoned from the members' rows (at most 1,000, at a membership change)."""
    m = chat_members
    ranked = (
        sa.select(m.c.user_id, m.c.last_read_seq)
        .where(m.c.chat_id == chat_id)
        .order_by(m.c.last_read_seq.desc(), m.c.user_id)
        .limit(1)
    )
    second = ranked.offset(1).with_only_columns(m.c.last_read_seq)
    return {
        "read_top_user": ranked.with_only_columns(m.c.user_id).scalar_subquery(),
        "read_top_seq": sa.func.coalesce(
            ranked.with_only_columns(m.c.last_read_seq).scalar_subquery(), 0
        ),
        "read_next_seq": sa.func.coalesce(second.scalar_subquery(), 0),
    }
