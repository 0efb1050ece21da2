"""Event-log ids for one process on PostgreSQL, known before the insert: the insert then
goes to PostgreSQL with the COMMIT, in one round trip.

The process takes ids from the `events` sequence 100 at a time and hands them out in
ascending order, each write's with its turn (db/turns.py): a write's ids are known before
its insert, so the insert needs no RETURNING and is sent in one string with the COMMIT,
and that round trip runs beside other writes' (their publication keeps the ids' order).

Ids stay the sequence's: another writer (a second process by mistake, a tool) gets ids
after this process's block, never the same ones. A process that stops leaves the rest of
its block unused: a gap, as a rolled-back insert leaves.

Several processes (a cluster) cannot take blocks: ids must commit in the order they were
drawn across all of them, so each write draws its own under the cluster-wide order lock,
which its COMMIT releases (`OrderedIds`). The lock and the ids come in one round trip, and
the insert again goes with the COMMIT: two round trips under that lock instead of three
(the lock, an insert with RETURNING, the COMMIT), and every write of the cluster waits for it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from shomik.db.lanes import KNOWN, driver_of, failed

_TAKE = "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, 100)"
# The lock sits in the scan's filter, which PostgreSQL checks for a row before it computes
# that row's output: no id is drawn before the transaction holds the lock (tested in
# tests/db/test_eventids.py against a writer drawing ids meanwhile). Taken again for every
# row: the same transaction's lock, counted, and all released by the COMMIT.
_TAKE_IN_ORDER = (
    "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, $2::int) "
    "WHERE pg_advisory_xact_lock($1::bigint)::text = ''"
)


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
    """A cluster's event ids: each write's drawn under the cluster-wide order lock, which
    it then holds until its COMMIT, so ids commit in the order they were drawn."""

    def __init__(self, lock_key: int) -> None:
        self._lock_key = lock_key

    async def take(self, conn: AsyncConnection, count: int) -> list[int]:
        try:
            rows = await driver_of(conn).fetch(_TAKE_IN_ORDER, self._lock_key, count)
        except KNOWN as exc:
            await failed(conn, _TAKE_IN_ORDER, exc)
        return sorted(int(row[0]) for row in rows)


class Drawn:
    """Ids already drawn for a batch of writes (db/sendbatch.py: a cluster's, in one round
    trip under its order lock), handed to its writes in the order they ask."""

    def __init__(self, ids: Sequence[int]) -> None:
        self._ids = deque(ids)

    async def take(self, conn: AsyncConnection, count: int) -> list[int]:
        return [self._ids.popleft() for _ in range(count)]


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

    def maybe(value: int | None) -> str:
        return "NULL" if value is None else str(int(value))

    values = ", ".join(
        f"({int(id_)}, {quoted(row['type'])}, {maybe(row['chat_id'])}, "
        f"{maybe(row['user_id'])}, {quoted(row['data'])}, "
        f"{quoted(row['created_at'].isoformat())}::timestamptz)"
        for id_, row in zip(ids, rows, strict=True)
    )
    # Not injectable: every value above is an int() or quoted().
    return f"INSERT INTO events (id, type, chat_id, user_id, data, created_at) VALUES {values}"  # noqa: S608
