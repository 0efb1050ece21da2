"""Event-log ids on PostgreSQL, known before the insert (one process) or drawn by the insert
itself (a cluster): either way the insert goes to PostgreSQL with the COMMIT, in one round
trip.

The process takes ids from the `events` sequence 100 at a time and hands them out in
ascending order, each write's with its turn (db/turns.py): a write's ids are known before
its insert, so the insert needs no RETURNING and is sent in one string with the COMMIT,
and that round trip runs beside other writes' (their publication keeps the ids' order).

Ids stay the sequence's: another writer (a second process by mistake, a tool) gets ids
after this process's block, never the same ones. A process that stops leaves the rest of
its block unused: a gap, as a rolled-back insert leaves.

Several processes (a cluster) cannot take blocks: ids must commit in the order they were
drawn across all of them, so each write draws its own under the cluster-wide order lock,
which its COMMIT releases (`OrderedIds`). The insert draws them itself
(`shomik_ordered_event_ids`, migration 0012), in the string sent with the COMMIT, and
PostgreSQL tells the ids in a NOTICE in the same reply (a statement in a string of several
returns no rows to the client). One round trip under that lock, no longer a client's turn
around between the draw and the COMMIT: a cluster's write took two (the ids, then the
insert with the COMMIT) and woke its process once more for the first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from shomik.db.lanes import KNOWN, driver_of, failed, run

_TAKE = "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, 100)"


class EventIds:
    """Used under the process's id lock only (db/engine.py): ids are handed out in the
    order of the turns they are taken with, which is the order they are published in."""

    def __init__(self) -> None:
        self._ids: deque[int] = deque()

    async def take(self, conn: AsyncConnection, count: int) -> list[int]:
        while len(self._ids) < count:
            try:
                rows = await driver_of(conn).fetch(_TAKE)
            except KNOWN as exc:
                await failed(conn, _TAKE, exc)
            # A later block's ids are all greater: the sequence only goes up.
            self._ids.extend(sorted(int(row[0]) for row in rows))
        return [self._ids.popleft() for _ in range(count)]


class OrderedIds:
    """A cluster's event ids: drawn by each write's event insert under the cluster-wide
    order lock, which the COMMIT sent with it releases, so ids commit in the order they
    were drawn (migration 0012). Used under the process's id lock (db/engine.py), so this
    process publishes in that order too."""

    def __init__(self, lock_key: int) -> None:
        self._lock_key = lock_key

    def insert_sql(self, rows: Sequence[Mapping[str, Any]]) -> str:
        """The insert of `rows`, drawing their ids: to be sent with the COMMIT through
        `commit`, which hears the ids."""
        draw = f"SELECT shomik_ordered_event_ids({int(self._lock_key)}, {len(rows)}) AS ids"
        values = _values([str(n) for n in range(1, len(rows) + 1)], rows)
        # The draw runs once (a MATERIALIZED CTE), however the join is planned.
        cte = f"WITH drawn AS MATERIALIZED ({draw})"
        pick = "SELECT drawn.ids[v.n], v.type, v.chat_id, v.user_id, v.data, v.created_at"
        rows_of = f"FROM drawn, (VALUES {values}) AS v(n, type, chat_id, user_id, data, created_at)"
        # Not injectable: every value is an int() or quoted().
        return f"{cte} {_INSERT} {pick} {rows_of}"

    async def commit(self, conn: AsyncConnection, statements: Sequence[str]) -> list[int]:
        """Send `statements` (inserts from `insert_sql` among them) with the COMMIT in one
        string; the ids their draws took, in the order of the statements."""
        drawn: list[int] = []

        def heard(_conn: object, message: Any) -> None:
            if message.sqlstate == _DRAWN:
                drawn.extend(int(i) for i in message.message.split(","))

        driver = driver_of(conn)
        # asyncpg hands a NOTICE to its listeners with `call_soon` as it reads it, before
        # the reply's end that resumes this coroutine: `drawn` is full when `run` returns.
        driver.add_log_listener(heard)
        try:
            await run(conn, "; ".join([*statements, "COMMIT"]))
        finally:
            driver.remove_log_listener(heard)
        return drawn


_INSERT = "INSERT INTO events (id, type, chat_id, user_id, data, created_at)"
# The SQLSTATE of the NOTICE that tells the ids drawn (migration 0012).
_DRAWN = "SH001"


def quoted(text: str) -> str:
    """`text` as a PostgreSQL string literal that needs no escaping: dollar-quoted, with a
    tag that first ends the literal where `text` ends (so whatever the text holds, quotes,
    backslashes or dollar signs, is taken as it is, whatever standard_conforming_strings
    says)."""
    n = 0
    tag = "$e$"
    while (text + tag).find(tag) != len(text):
        n += 1
        tag = f"$e{n}$"
    return f"{tag}{text}{tag}"


def insert_sql(ids: Sequence[int], rows: Sequence[Mapping[str, Any]]) -> str:
    """The event log's insert of `rows` (realtime/events.py) with their `ids`, as one string
    without parameters: integers as they are, text quoted()."""
    values = _values([str(int(id_)) for id_ in ids], rows)
    # Not injectable: every value is an int() or quoted().
    return f"{_INSERT} VALUES {values}"


def _values(firsts: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """`rows` as VALUES lists after their `firsts`; the ids typed, for a NULL in every row
    of a column would otherwise be text."""

    def maybe(value: int | None) -> str:
        return "NULL::bigint" if value is None else f"{int(value)}::bigint"

    return ", ".join(
        f"({first}, {quoted(row['type'])}, {maybe(row['chat_id'])}, "
        f"{maybe(row['user_id'])}, {quoted(row['data'])}, "
        f"{quoted(row['created_at'].isoformat())}::timestamptz)"
        for first, row in zip(firsts, rows, strict=True)
    )
