"""SQLite's full-text index, filled after the commit in batches (migration 0010).

A trigger indexing each message inside its send's transaction cost a quarter of an
in-process send, most of it FTS5 writing one small segment per commit. Messages are instead
indexed here, in id order, a batch at a time: every `INTERVAL` in the background, and at
once before a search, so a search still finds every message committed before it (as Zulip
does with its `fts_update_log`). `server_state['fts_indexed_through']` is how far; the edit
and delete triggers act only on rows at or below it, and a row above it is indexed with
whatever content it has by then. SQLite writes one transaction at a time, so ids commit in
order and nothing below the position can still appear. PostgreSQL keeps its GIN index
itself: nothing to do there.
"""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa

from shomik.db.engine import Conn
from shomik.db.tables import chats, messages, server_state
from shomik.errors import database_down
from shomik.services import Services

log = logging.getLogger(__name__)

KEY = "fts_indexed_through"
# At most this many messages to a transaction: a backlog (a release before this one wrote
# messages without indexing them) is worked off without holding the writer for long.
BATCH = 2000
# How often the background indexer looks: a message is searchable at once through `search`
# (which indexes first); this only keeps the work out of the searches.
INTERVAL = 0.5

_FTS = sa.table("messages_fts", sa.column("rowid"), sa.column("content"))
_THROUGH = sa.select(sa.cast(server_state.c.value, sa.BigInteger)).where(server_state.c.key == KEY)
_NEWEST = sa.select(sa.func.max(messages.c.id))


def _upto(through: int) -> sa.Select[tuple[int | None]]:
    batch = (
        sa.select(messages.c.id)
        .where(messages.c.id > through)
        .order_by(messages.c.id)
        .limit(BATCH)
        .subquery()
    )
    return sa.select(sa.func.max(batch.c.id))


def _fill(through: int, upto: int) -> sa.Insert:
    rows = (
        sa.select(messages.c.id, messages.c.content)
        .join(chats, chats.c.id == messages.c.chat_id)
        .where(messages.c.id > through, messages.c.id <= upto, chats.c.secret.is_(False))
        .order_by(messages.c.id)
    )
    return sa.insert(_FTS).from_select(["rowid", "content"], rows)


async def _pending(conn: Conn) -> bool:
    through = (await conn.execute(_THROUGH)).scalar()
    newest = (await conn.execute(_NEWEST)).scalar()
    return through is not None and newest is not None and newest > through


async def _index_batch(conn: Conn) -> None:
    through = (await conn.execute(_THROUGH)).scalar()
    upto = (await conn.execute(_upto(through))).scalar() if through is not None else None
    if through is None or upto is None:  # indexed meanwhile, or not migrated to 0010
        return
    await conn.execute(_fill(through, upto))
    await conn.execute(
        sa.update(server_state).where(server_state.c.key == KEY).values(value=str(upto))
    )


async def index_pending(services: Services) -> None:
    """Index every message committed so far (SQLite; nothing to do on PostgreSQL)."""
    if services.db.concurrent:
        return
    while True:
        # Looked at in-line first: most calls find nothing waiting, and take no write.
        async with services.db.quick_read() as conn:
            if not await _pending(conn):
                return
        async with services.db.write() as tx:
            await _index_batch(tx.conn)


async def index_forever(services: Services) -> None:
    """Every `INTERVAL`, for the life of the process."""
    while True:
        await asyncio.sleep(INTERVAL)
        try:
            await index_pending(services)
        except Exception as exc:
            if database_down(exc):
                log.warning("search indexing waits: the database is unreachable")
            else:
                log.exception("search indexing failed")
