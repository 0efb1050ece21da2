"""SQL for finding messages: full-text search over the user's chats, the page around a
message (where a search result opens), and chats by name. One function per query, branching
on the dialect where the engines differ (docs/architecture.md, "Search"):

- SQLite: the FTS5 table `messages_fts` (migration 0003), walked newest first by rowid (the
  message id), so a page stops after `limit` visible hits instead of sorting every match.
- PostgreSQL: the GIN index on to_tsvector('simple', content); the expression below must
  stay exactly the indexed one, or the planner cannot use the index.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, messages, users
from shomik.messages.repository import visible_to

# A word, as both engines' tokenizers see one (near enough): letters and digits. Anything
# else in a query (quotes, *, -, parentheses, AND/NEAR as words are harmless) is a separator,
# so FTS syntax in user input never reaches the engine as syntax.
_WORD = re.compile(r"[^\W_]+")

_FTS = sa.table("messages_fts", sa.column("rowid", sa.Integer))
_SIMPLE: sa.ColumnClause[str] = sa.literal_column("'simple'")


def words(q: str) -> list[str]:
    """The query's words, lower-cased, each matched as a word prefix."""
    return [w.lower() for w in _WORD.findall(q)]


def fold(word: str) -> str:
    """Lower case without diacritics (café ~ cafe), as FTS5's remove_diacritics does; used
    to mark matches in snippets."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _fts5_match(tokens: list[str]) -> str:
    # Each token quoted (a string in FTS5 syntax) with the prefix star after the quote;
    # tokens hold only letters and digits, but doubling quotes keeps this safe regardless.
    return " AND ".join('"' + t.replace('"', '""') + '"*' for t in tokens)


def _tsquery(tokens: list[str]) -> str:
    # 'word':* & 'other':* : quoted lexemes, prefix-matched, all required.
    return " & ".join("'" + t.replace("'", "''") + "':*" for t in tokens)


def _match(tokens: list[str]) -> sa.ColumnElement[bool]:
    return sa.literal_column("messages_fts").op("MATCH")(sa.literal(_fts5_match(tokens)))


def _dialect(conn: Conn) -> str:
    # Reads run on SQLAlchemy's AsyncConnection, which knows its dialect.
    return str(getattr(getattr(conn, "dialect", None), "name", "sqlite"))


async def find(
    conn: Conn,
    user_id: int,
    tokens: list[str],
    chat_id: int | None,
    limit: int,
    before: int | None,
) -> tuple[list[Any], bool]:
    """Messages holding every token (as a word prefix), newest first (by id), below the id
    `before`: in one chat, or in every chat the user is a member of now."""
    query = sa.select(messages)
    if _dialect(conn) == "postgresql":
        # Plan with the actual words: a prepared statement's generic plan guesses the match
        # rate of an unknown tsquery, and for a common word its bitmap-and-sort plan reads
        # every match (measured: 0.7 s vs 1 ms at 1,000,000 messages). LOCAL: this read's
        # transaction only.
        await conn.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
        vector = sa.func.to_tsvector(_SIMPLE, messages.c.content)
        tsquery = sa.func.to_tsquery(_SIMPLE, sa.literal(_tsquery(tokens)))
        query = query.where(vector.op("@@")(tsquery))
        newest: sa.ColumnElement[int] = messages.c.id
    else:
        query = query.select_from(_FTS.join(messages, messages.c.id == _FTS.c.rowid)).where(
            _match(tokens)
        )
        # Ordering and bounding by the FTS rowid lets FTS5 walk its doclists backwards.
        newest = _FTS.c.rowid
    # Never secret chats: their messages are ciphertext (and SQLite does not index them).
    if chat_id is not None:
        plain = sa.select(chats.c.id).where(chats.c.id == chat_id, chats.c.secret == sa.false())
        query = query.where(messages.c.chat_id.in_(plain))
    else:
        mine = (
            sa.select(chat_members.c.chat_id)
            .join(chats, chats.c.id == chat_members.c.chat_id)
            .where(chat_members.c.user_id == user_id, chats.c.secret == sa.false())
        )
        query = query.where(messages.c.chat_id.in_(mine))
    if before is not None:
        query = query.where(newest < before)
    query = query.where(messages.c.type != "system", visible_to(user_id))
    rows = list((await conn.execute(query.order_by(newest.desc()).limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit


async def around(
    conn: Conn, user_id: int, chat_id: int, seq: int, limit: int
) -> tuple[list[Any], bool, bool]:
    """A page of `limit` visible messages holding seq `seq` (if visible), about half older
    and half newer, ascending; and whether older and newer messages lie beyond it."""
    older_n = limit // 2
    newer_n = limit - older_n
    base = sa.select(messages).where(messages.c.chat_id == chat_id, visible_to(user_id))
    older_q = base.where(messages.c.seq < seq).order_by(messages.c.seq.desc())
    newer_q = base.where(messages.c.seq >= seq).order_by(messages.c.seq.asc())
    older = list((await conn.execute(older_q.limit(older_n + 1))).all())
    newer = list((await conn.execute(newer_q.limit(newer_n + 1))).all())
    has_older, has_newer = len(older) > older_n, len(newer) > newer_n
    older, newer = older[:older_n], newer[:newer_n]
    # Near an end, fill the page from the other side.
    if len(newer) < newer_n and has_older:
        extra = limit - len(newer) - len(older)
        more = list((await conn.execute(older_q.limit(len(older) + extra + 1))).all())
        has_older = len(more) > len(older) + extra
        older = more[: len(older) + extra]
    elif len(older) < older_n and has_newer:
        extra = limit - len(newer) - len(older)
        more = list((await conn.execute(newer_q.limit(len(newer) + extra + 1))).all())
        has_newer = len(more) > len(newer) + extra
        newer = more[: len(newer) + extra]
    older.reverse()
    return older + newer, has_older, has_newer


async def chats_named(conn: Conn, user_id: int) -> list[tuple[int, list[str]]]:
    """Every listed chat of the user with the names it is found by: a group's name; in a
    private chat the other person's display name and username. Few per user, so matching
    happens in Python, where lower-casing is right for every script (SQLite's lower() only
    knows ASCII)."""
    me, peer = chat_members.alias("me"), chat_members.alias("peer")
    query = (
        sa.select(chats.c.id, chats.c.name, users.c.display_name, users.c.username)
        .join(me, sa.and_(me.c.chat_id == chats.c.id, me.c.user_id == user_id))
        .outerjoin(
            peer,
            sa.and_(
                chats.c.type == "private",
                peer.c.chat_id == chats.c.id,
                peer.c.user_id != user_id,
            ),
        )
        .outerjoin(users, users.c.id == peer.c.user_id)
        .where(sa.or_(me.c.listed, chats.c.last_seq > 0))
        .order_by(chats.c.id.desc())
    )
    found: dict[int, list[str]] = {}
    for row in (await conn.execute(query)).all():
        names = found.setdefault(row.id, [])
        names.extend(n for n in (row.name, row.display_name, row.username) if n)
    return list(found.items())


async def chats_by_id(conn: Conn, ids: list[int]) -> list[Any]:
    return list((await conn.execute(sa.select(chats).where(chats.c.id.in_(ids)))).all())
