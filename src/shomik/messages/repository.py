"""SQL for messages, and turning rows into the public `Message` with batched look-ups
(attachments, reactions, reply quotes, read positions): a page costs a fixed number of
queries, whatever its length."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.chats import readers
from shomik.chats import repository as chats_repo
from shomik.db import fast
from shomik.db.engine import Conn, Database, InlineConn
from shomik.db.tables import (
    attachments,
    chat_members,
    chats,
    hidden_messages,
    messages,
    reactions,
)
from shomik.messages.schemas import AttachmentOut, Message, ReplyPreview
from shomik.previews.schemas import to_public as preview_of
from shomik.schemas import utcnow

PREVIEW_CHARS = 200


def attachment_out(row: Any) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        url=f"/api/files/{row.id}",
        name=row.name,
        mime=row.mime,
        size=row.size,
        width=row.width,
        height=row.height,
        thumbnail_url=f"/api/files/{row.id}/thumbnail" if row.has_thumbnail else None,
        duration_ms=row.duration_ms,
        waveform=row.waveform,
    )


# Built once (see chats.repository): these run on every send.
_GET = sa.select(messages).where(messages.c.id == sa.bindparam("id"))
_BY_CLIENT_ID = sa.select(messages).where(
    messages.c.sender_id == sa.bindparam("sender"),
    messages.c.chat_id == sa.bindparam("chat_id"),
    messages.c.client_id == sa.bindparam("client_id"),
)
NEXT_SEQ = (
    sa.update(chats)
    .where(chats.c.id == sa.bindparam("chat"))
    # The sender has read their own message (`after_message` moves their row too); a
    # system message's sender is NULL, and its actor's position is moved before it.
    .values(
        last_seq=chats.c.last_seq + 1,
        **readers.raised(
            sa.bindparam("sender", type_=chats.c.read_top_user.type), chats.c.last_seq + 1
        ),
    )
    # `secret` and the self-destruct timer ride along: the send path learns them without
    # a query of its own.
    .returning(chats.c.last_seq, chats.c.secret, chats.c.self_destruct_seconds)
)
_NEXT_SEQ_HOT = fast.Hot(NEXT_SEQ)
INSERT = sa.insert(messages).returning(messages.c.id)
# The columns a send writes (messages/store.py insert_message), in one compiled statement.
_SENT_COLUMNS = (
    "chat_id", "seq", "sender_id", "type", "content", "reply_to_id", "client_id", "meta",
    "created_at", "forwarded_from", "mentions", "expires_at",
)  # fmt: skip
_INSERT_HOT = fast.Hot(INSERT, _SENT_COLUMNS)


def sent_in_one(
    gate: sa.CTE | None = None, guard: sa.ColumnElement[bool] | None = None
) -> sa.Select[Any]:
    """The chat's next seq, the message's row and its members' rows (`after_message`) in
    one statement, with data-modifying CTEs: PostgreSQL only, where each statement of a
    send is a round trip. Its expiry (secret chats' timer) is reckoned in SQL as
    `insert_message` does in Python: from the send, none for system messages.

    With `gate` (a CTE) and `guard` (a condition on it), nothing is written unless the guard
    holds, and every row starts with the gate's columns: one row with the rest null when
    nothing was written, none when the gate has no row (messages/send_gate.py)."""
    bumped = (NEXT_SEQ if guard is None else NEXT_SEQ.where(guard)).cte("bumped")
    values: dict[str, sa.ColumnElement[Any]] = {
        name: sa.bindparam(name, type_=messages.c[name].type) for name in _SENT_COLUMNS
    }
    timer = sa.func.make_interval(0, 0, 0, 0, 0, 0, bumped.c.self_destruct_seconds)
    expires = sa.case(
        (
            sa.and_(bumped.c.self_destruct_seconds.is_not(None), values["type"] != "system"),
            sa.type_coerce(values["created_at"] + timer, messages.c.expires_at.type),
        ),
        else_=sa.null(),
    )
    values["chat_id"] = sa.bindparam("chat", type_=messages.c.chat_id.type)
    values["seq"] = bumped.c.last_seq
    values["expires_at"] = expires
    inserted = (
        sa.insert(messages)
        .from_select(list(_SENT_COLUMNS), sa.select(*(values[n] for n in _SENT_COLUMNS)))
        .returning(messages.c.id, messages.c.expires_at)
        .cte("inserted")
    )
    after = chats_repo.after_message_statement(sa.select(bumped.c.last_seq).scalar_subquery())
    if guard is not None:  # no seq taken: the members' rows stay as they are
        after = after.where(sa.exists().where(bumped.c.last_seq.is_not(None)))
    back = after.cte("back")
    stored = (inserted.c.id, bumped.c.last_seq, bumped.c.secret, inserted.c.expires_at)
    if gate is None:
        joined = inserted.join(bumped, sa.true()).outerjoin(back, sa.true())
        return sa.select(*stored, back.c.user_id).select_from(joined)
    joined = (
        gate.outerjoin(inserted, sa.true()).outerjoin(bumped, sa.true()).outerjoin(back, sa.true())
    )
    return sa.select(*gate.c, *stored, back.c.user_id).select_from(joined)


_SENT_IN_ONE = fast.Hot(sent_in_one())


@dataclass(frozen=True)
class Stored:
    """A new message as stored: its id and seq, and what storing it learnt."""

    message_id: int
    seq: int
    secret: bool
    expires_at: datetime | None
    # Members the message brought back from the archive (`after_message`).
    brought_back: list[int]


def in_one_trip(conn: Conn) -> bool:
    """Whether `store_in_one` serves this connection: PostgreSQL's, where round trips
    cost; SQLite's in-line statements take microseconds each."""
    return not isinstance(conn, InlineConn)


async def store_in_one(conn: Conn, row: dict[str, Any], unarchive: bool) -> Stored:
    """`next_seq`, `insert` and chats' `after_message` in one round trip. `row` as for
    `insert`, without `seq` and `expires_at`, which this takes and reckons."""
    rows = await fast.fetch(conn, _SENT_IN_ONE, store_params(row, unarchive))
    if not rows:
        raise sa.exc.NoResultFound("No chat to count the message in")
    return stored_of(rows, row["sender_id"])


def stored_of(rows: Sequence[Sequence[Any]], sender_id: int | None) -> Stored:
    """`Stored` from the rows of `sent_in_one` (without a gate's columns before them)."""
    message_id, seq, secret, expires_at = rows[0][:4]
    back = [r[4] for r in rows if r[4] is not None and r[4] != sender_id]
    return Stored(int(message_id), int(seq), bool(secret), expires_at, back)


def store_params(row: dict[str, Any], unarchive: bool) -> dict[str, Any]:
    """The parameters of `sent_in_one` for a message's row (as for `insert`, without `seq`
    and `expires_at`)."""
    params = {**row, "chat": row["chat_id"], "sender": row["sender_id"]}
    return params | {"unarchive": unarchive, "now": utcnow()}


_CHAT_OF = sa.select(messages.c.chat_id).where(messages.c.id == sa.bindparam("id"))


@dataclass(frozen=True)
class Counted:
    """What taking a chat's next `seq` learns of the chat."""

    last_seq: int
    secret: bool
    self_destruct_seconds: int | None


async def next_seq(conn: Conn, chat_id: int, sender_id: int | None) -> Counted:
    last_seq, secret, self_destruct_seconds = await fast.fetch_one(
        conn, _NEXT_SEQ_HOT, {"chat": chat_id, "sender": sender_id}
    )
    return Counted(last_seq, bool(secret), self_destruct_seconds)


async def insert(conn: Conn, row: dict[str, Any]) -> int:
    """A new message's row; its id."""
    if set(row) != set(_SENT_COLUMNS):
        return int((await conn.execute(INSERT, row)).scalar_one())
    (message_id,) = await fast.fetch_one(conn, _INSERT_HOT, row)
    return int(message_id)


async def write_key(db: Database, message_id: int) -> int | None:
    """The chat a write about this message belongs to (`db.write(chat_id=...)`), read first
    where that lets it run beside other chats' writes. A message never changes chats, so
    reading it before the write is safe; an unknown one gives None, a write that runs alone
    and finds nothing."""
    if not db.concurrent:
        return None
    async with db.read() as conn:
        value = (await conn.execute(_CHAT_OF, {"id": message_id})).scalar()
    return int(value) if value is not None else None


async def get(conn: Conn, message_id: int) -> Any | None:
    return (await conn.execute(_GET, {"id": message_id})).first()


async def by_client_id(conn: Conn, sender: int, chat_id: int, client_id: str) -> Any:
    params = {"sender": sender, "chat_id": chat_id, "client_id": client_id}
    return (await conn.execute(_BY_CLIENT_ID, params)).first()


def _preview(row: Any) -> ReplyPreview:
    return ReplyPreview(
        id=row.id,
        seq=row.seq,
        sender_id=row.sender_id,
        type=row.type,
        content=row.content[:PREVIEW_CHARS],
        deleted=row.deleted_at is not None,
    )


async def reply_preview(conn: Conn, message_id: int) -> ReplyPreview | None:
    row = await get(conn, message_id)
    return _preview(row) if row is not None else None


async def attachments_of(conn: Conn, message_id: int) -> list[AttachmentOut]:
    query = (
        sa.select(attachments)
        .where(attachments.c.message_id == message_id)
        .order_by(attachments.c.created_at)
    )
    return [attachment_out(a) for a in (await conn.execute(query)).all()]


def visible_to(
    user_id: int | sa.BindParameter[int], table: Any = messages
) -> sa.ColumnElement[bool]:
    """A message this user may see: not deleted for everyone, not deleted for them. The user
    may be a bind parameter, for statements built once (chats/listing.py)."""
    hidden = sa.exists().where(
        hidden_messages.c.user_id == user_id, hidden_messages.c.message_id == table.c.id
    )
    return sa.and_(table.c.deleted_at.is_(None), ~hidden)


async def page(
    conn: Conn, user_id: int, chat_id: int, limit: int, before: int | None, after: int | None
) -> tuple[list[Any], bool]:
    """Keyset page on (chat_id, seq): `limit` messages before/after a seq, ascending, of
    those this user may see (deleted ones leave gaps in seq)."""
    query = sa.select(messages).where(messages.c.chat_id == chat_id, visible_to(user_id))
    if after is not None:
        query = query.where(messages.c.seq > after).order_by(messages.c.seq.asc())
    else:
        if before is not None:
            query = query.where(messages.c.seq < before)
        query = query.order_by(messages.c.seq.desc())
    rows = list((await conn.execute(query.limit(limit + 1))).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if after is None:
        rows.reverse()
    return rows, has_more


def _shared_filter(kind: str) -> sa.ColumnElement[bool]:
    """Which messages a kind lists. Media and files follow the message type the server set on
    send (an image sent "as a file" is a file, as in Telegram); a link is an http(s) URL in
    the text, matched case-insensitively on both engines (PostgreSQL's LIKE is not)."""
    if kind == "media":
        return messages.c.type.in_(("image", "video"))
    if kind == "files":
        return messages.c.type == "file"
    text = sa.func.lower(messages.c.content)
    return sa.and_(
        messages.c.type != "system",
        sa.or_(
            text.contains("http://", autoescape=True), text.contains("https://", autoescape=True)
        ),
    )


async def shared_page(
    conn: Conn, chat_id: int, kind: str, limit: int, before: int | None
) -> tuple[list[Any], bool]:
    """Keyset page on (chat_id, seq) of one shared kind, newest first."""
    query = sa.select(messages).where(
        messages.c.chat_id == chat_id,
        messages.c.deleted_at.is_(None),
        _shared_filter(kind),
    )
    if before is not None:
        query = query.where(messages.c.seq < before)
    query = query.order_by(messages.c.seq.desc()).limit(limit + 1)
    rows = list((await conn.execute(query)).all())
    return rows[:limit], len(rows) > limit


async def hydrate(conn: Conn, rows: Sequence[Any], *, read_by: bool = True) -> list[Message]:
    """`read_by=False`: `readBy` left empty, without reading every member's read position
    (the chat list: up to 1,000 members in each of its chats)."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    files: dict[int, list[AttachmentOut]] = defaultdict(list)
    query = sa.select(attachments).where(attachments.c.message_id.in_(ids))
    for a in (await conn.execute(query.order_by(attachments.c.created_at))).all():
        files[a.message_id].append(attachment_out(a))

    reacted: dict[int, dict[str, list[int]]] = defaultdict(dict)
    query_r = sa.select(reactions).where(reactions.c.message_id.in_(ids))
    for r in (await conn.execute(query_r.order_by(reactions.c.created_at))).all():
        reacted[r.message_id].setdefault(r.emoji, []).append(r.user_id)

    previews: dict[int, ReplyPreview] = {}
    reply_ids = {r.reply_to_id for r in rows if r.reply_to_id is not None}
    if reply_ids:
        query_p = sa.select(messages).where(messages.c.id.in_(reply_ids))
        for p in (await conn.execute(query_p)).all():
            previews[p.id] = _preview(p)

    positions: dict[int, list[tuple[int, int]]] = defaultdict(list)
    chat_ids = {r.chat_id for r in rows}
    if read_by:
        query_m = sa.select(
            chat_members.c.chat_id, chat_members.c.user_id, chat_members.c.last_read_seq
        ).where(chat_members.c.chat_id.in_(chat_ids))
        for m in (await conn.execute(query_m)).all():
            positions[m.chat_id].append((m.user_id, m.last_read_seq))

    return [
        Message(
            id=r.id,
            chat_id=r.chat_id,
            seq=r.seq,
            sender_id=r.sender_id,
            type=r.type,
            content=r.content,
            reply_to=r.reply_to_id,
            reply_preview=previews.get(r.reply_to_id) if r.reply_to_id else None,
            attachments=files.get(r.id, []),
            reactions=reacted.get(r.id, {}),
            read_by=[u for u, seq in positions[r.chat_id] if seq >= r.seq and u != r.sender_id],
            client_id=r.client_id,
            meta=r.meta,
            created_at=r.created_at,
            edited_at=r.edited_at,
            deleted_at=r.deleted_at,
            forwarded_from=r.forwarded_from,
            mentions=r.mentions or [],
            link_preview=preview_of(r.id, r.link_preview) if r.deleted_at is None else None,
            expires_at=r.expires_at,
        )
        for r in rows
    ]


async def reactions_of(conn: Conn, message_id: int) -> dict[str, list[int]]:
    query = (
        sa.select(reactions.c.emoji, reactions.c.user_id)
        .where(reactions.c.message_id == message_id)
        .order_by(reactions.c.created_at)
    )
    result: dict[str, list[int]] = {}
    for row in (await conn.execute(query)).all():
        result.setdefault(row.emoji, []).append(row.user_id)
    return result


async def add_reaction(conn: Conn, message_id: int, user_id: int, emoji: str) -> None:
    await conn.execute(
        sa.insert(reactions).values(
            message_id=message_id, user_id=user_id, emoji=emoji, created_at=utcnow()
        )
    )


async def remove_reaction(conn: Conn, message_id: int, user_id: int, emoji: str) -> None:
    await conn.execute(
        sa.delete(reactions).where(
            reactions.c.message_id == message_id,
            reactions.c.user_id == user_id,
            reactions.c.emoji == emoji,
        )
    )
