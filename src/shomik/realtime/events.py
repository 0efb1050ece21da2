"""The one way to emit an event.

Durable events are inserted into the event log at the end of the caller's write transaction,
in the section where commits take turns, and published to live sockets after the commit;
their log id is the `seq` clients resume from.
Ephemeral events (typing, presence) are never stored and go straight to live sockets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from shomik.db import fast
from shomik.db.engine import Conn, WriteTx
from shomik.db.eventids import OrderedIds, insert_sql
from shomik.db.tables import chat_members, events, server_state
from shomik.realtime.connection import Connection
from shomik.realtime.hub import Hub
from shomik.realtime.kinds import EventKind, frame
from shomik.schemas import Model, utcnow

T = TypeVar("T", bound=Model)


@dataclass(frozen=True)
class Audience:
    """A chat's current members, or one user."""

    chat_id: int | None = None
    user_id: int | None = None


# Built once: it runs on every write that emits. One statement for all of a transaction's
# events, ids in the order they were emitted.
_INSERT = sa.insert(events).returning(events.c.id, sort_by_parameter_order=True)
# The one-event case, the common one (a message): on every send.
_INSERT_ONE = fast.Hot(
    sa.insert(events).returning(events.c.id), ["type", "chat_id", "user_id", "data", "created_at"]
)


@dataclass
class _Pending:
    row: dict[str, Any]
    seq: int = 0


async def emit(tx: WriteTx, hub: Hub, kind: EventKind[T], data: T, to: Audience) -> None:
    """Add a durable event to the transaction. Its id is taken when the transaction commits
    (in the event-order section, db/engine.py), and it is published after the commit."""
    assert kind.durable, kind.name
    payload = data.model_dump_json(by_alias=True)
    pending = _Pending(
        {
            "type": kind.name,
            "chat_id": to.chat_id,
            "user_id": to.user_id,
            "data": payload,
            "created_at": utcnow(),
        }
    )
    if not tx.event_rows:
        tx.before_commit(lambda: _insert(tx))
    tx.event_rows.append(pending)

    async def publish() -> None:
        hub.metrics.event(kind.name)  # counted once committed: a rolled-back one never was
        text = frame(kind.name, payload, pending.seq)
        send = await hub.bus.durable(pending.seq, to.user_id, to.chat_id, text)
        if send is not None:
            tx.sends.append(send)

    tx.after_commit(publish)


async def _insert(tx: WriteTx) -> None:
    pending: list[_Pending] = tx.event_rows
    rows = [p.row for p in pending]
    if isinstance(tx.ids, OrderedIds):  # a cluster's: drawn at the COMMIT (WriteTx.drawn)
        tx.with_commit.append(tx.ids.insert_sql(rows))
        return
    if tx.ids is not None:  # PostgreSQL: sent with the COMMIT (db/eventids.py)
        assert isinstance(tx.conn, AsyncConnection)
        seqs = await tx.ids.take(tx.conn, len(pending))
        for p, seq in zip(pending, seqs, strict=True):
            p.seq = seq
        tx.first_id = seqs[0]
        tx.with_commit.append(insert_sql(seqs, rows))
        return
    if len(rows) == 1:
        (seq,) = await fast.fetch_one(tx.conn, _INSERT_ONE, rows[0])
        pending[0].seq = int(seq)
        return
    ids = (await tx.conn.execute(_INSERT, rows)).scalars().all()
    for p, seq in zip(pending, ids, strict=True):
        p.seq = int(seq)


def emit_ephemeral(hub: Hub, kind: EventKind[T], data: T, user_ids: frozenset[int]) -> None:
    assert not kind.durable, kind.name
    hub.metrics.event(kind.name)
    hub.bus.ephemeral(user_ids, frame(kind.name, data.model_dump_json(by_alias=True)))


def emit_to_connection(conn: Connection, kind: EventKind[T], data: T) -> None:
    """An ephemeral event for one socket (call signaling goes to the socket in the call)."""
    assert not kind.durable, kind.name
    conn.metrics.event(kind.name)
    conn.send_ephemeral(frame(kind.name, data.model_dump_json(by_alias=True)))


async def head(conn: Conn) -> int:
    """The newest event id, 0 for an empty log."""
    return int((await conn.execute(sa.select(sa.func.max(events.c.id)))).scalar() or 0)


async def after(conn: Conn, since: int, limit: int, before: int | None = None) -> list[Any]:
    """Every durable event after `since` (and before `before`), in order, with its audience:
    what a process of a cluster delivers when it catches up (cluster/redis_bus.py)."""
    query = (
        sa.select(events.c.id, events.c.type, events.c.chat_id, events.c.user_id, events.c.data)
        .where(events.c.id > since)
        .order_by(events.c.id)
        .limit(limit)
    )
    if before is not None:
        query = query.where(events.c.id < before)
    return list((await conn.execute(query)).all())


PRUNED_KEY = "events_pruned_through"
_PRUNED = fast.Hot(sa.select(server_state.c.value).where(server_state.c.key == PRUNED_KEY))


async def pruned_through(conn: Conn) -> int:
    rows = await fast.fetch(conn, _PRUNED, {})
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _missed_query() -> Any:
    m = chat_members
    user_id = sa.bindparam("uid", type_=sa.BigInteger)
    since = sa.bindparam("since", type_=sa.BigInteger)
    until = sa.bindparam("until", type_=sa.BigInteger)
    of_chats = (
        sa.select(events.c.id, events.c.type, events.c.data)
        .join(m, sa.and_(m.c.chat_id == events.c.chat_id, m.c.user_id == user_id))
        .where(
            # `user_id + 0`, not `user_id`: no index may serve this term. Through the
            # (user_id, id) index, every chat's events of the whole gap were read (the NULL
            # user_id is all of them) and each looked up in the user's memberships: a cost
            # that grew with the whole server's traffic. Without it, the user's chats lead
            # and each is read by (chat_id, id): a cost of their own chats' events only.
            (events.c.user_id + sa.literal_column("0")).is_(None),
            events.c.id > since,
            events.c.id <= until,
            events.c.id > m.c.joined_event,
        )
    )
    to_user = sa.select(events.c.id, events.c.type, events.c.data).where(
        events.c.user_id == user_id, events.c.id > since, events.c.id <= until
    )
    return sa.union_all(of_chats, to_user).order_by("id").limit(sa.bindparam("lim"))


# Built once: every resuming socket runs it (a reconnect storm, thousands at once).
_MISSED = fast.Hot(_missed_query())


async def missed(conn: Conn, user_id: int, since: int, until: int, limit: int) -> list[Any]:
    """The durable events a user should have received in (since, until], in order: their
    chats' events after they joined, plus the events addressed to them, as (id, type, data)
    rows, read by position."""
    params = {"uid": user_id, "since": since, "until": until, "lim": limit}
    return list(await fast.fetch(conn, _MISSED, params))


async def prune(tx: WriteTx, keep: int) -> int:
    """Drop all but the newest `keep` events; clients behind the cut must resync."""
    newest = await head(tx.conn)
    cut = newest - keep
    if cut <= await pruned_through(tx.conn):
        return 0
    result = await tx.conn.execute(sa.delete(events).where(events.c.id <= cut))
    await tx.conn.execute(sa.delete(server_state).where(server_state.c.key == PRUNED_KEY))
    await tx.conn.execute(sa.insert(server_state).values(key=PRUNED_KEY, value=str(cut)))
    return int(result.rowcount or 0)
