"""Event ids on PostgreSQL (db/eventids.py). One process: taken from the sequence a block
at a time, the insert sent with the COMMIT as one string; what is stored is exactly what was
emitted, ids follow commit order, and another writer on the sequence never collides. A
cluster: each write draws its ids under the order lock, never before it holds it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from shomik.db.engine import _ORDER_KEY, Database, make_engine
from shomik.db.eventids import quoted
from shomik.db.tables import events
from shomik.metrics.registry import Metrics
from shomik.realtime import events as event_log
from shomik.realtime.events import Audience
from shomik.realtime.hub import Hub
from shomik.realtime.kinds import EventKind
from shomik.schemas import Model
from shomik.settings import Settings

pytestmark = pytest.mark.postgres

# Texts that would end or escape a naively quoted literal, or a fixed dollar tag.
HOSTILE = [
    "",
    "plain",
    "it's",
    "''; DROP TABLE events; --",
    "back\\slash \\' \\\\",
    "$e$",
    "x$e",
    "$e$$e1$",
    "ends with $",
    "$e1$ then $e$ and $e2",
    "Привет, мир 👋 \u200f",
    '{"text":"\\"quoted\\" $e$ \\u0000"}',
]


class Note(Model):
    text: str


NOTE = EventKind("test:note", Note, durable=True)


@pytest.fixture
async def pg(pg_db: Database) -> Database:
    async with pg_db.write() as tx:
        await tx.conn.execute(sa.delete(events))
    return pg_db


def _hub() -> Hub:
    async def nobody(_chat_id: int) -> frozenset[int]:
        return frozenset()

    return Hub(nobody, Metrics())


async def _stored(db: Database) -> list[tuple[int, str, int | None, str]]:
    async with db.read() as conn:
        rows = await conn.execute(
            sa.select(events.c.id, events.c.type, events.c.chat_id, events.c.data).order_by(
                events.c.id
            )
        )
        return [(r.id, r.type, r.chat_id, r.data) for r in rows]


async def test_quoted_texts_come_back_as_they_were(pg: Database) -> None:
    async with pg.read() as conn:
        for text in HOSTILE:
            assert (await conn.execute(sa.text(f"SELECT {quoted(text)}"))).scalar() == text


async def test_an_emitted_event_is_stored_exactly_with_its_seq(pg: Database) -> None:
    hub = _hub()
    seqs: list[int] = []
    for n, text in enumerate(HOSTILE):
        async with pg.write(chat_id=n) as tx:
            await event_log.emit(tx, hub, NOTE, Note(text=text), Audience(chat_id=n))
            await event_log.emit(tx, hub, NOTE, Note(text=text + "!"), Audience(chat_id=n))
        seqs.extend(p.seq for p in tx.event_rows)
    stored = await _stored(pg)
    assert [s[0] for s in stored] == seqs == sorted(seqs)
    expected = [
        (NOTE.name, n, Note(text=t).model_dump_json(by_alias=True))
        for n, text in enumerate(HOSTILE)
        for t in (text, text + "!")
    ]
    assert [s[1:] for s in stored] == expected


async def test_another_writer_on_the_sequence_never_takes_the_same_id(pg: Database) -> None:
    hub = _hub()
    async with pg.write(chat_id=1) as tx:  # this process now holds a block of ids
        await event_log.emit(tx, hub, NOTE, Note(text="first"), Audience(chat_id=1))
    async with pg.engine.begin() as conn:  # a writer that takes its id from the sequence
        await conn.execute(
            sa.insert(events).values(type="other", data="{}", created_at=sa.func.now())
        )
    async with pg.write(chat_id=1) as tx:
        await event_log.emit(tx, hub, NOTE, Note(text="second"), Audience(chat_id=1))
    stored = await _stored(pg)
    assert len({s[0] for s in stored}) == 3
    ours = [s[0] for s in stored if s[1] == NOTE.name]
    assert ours[0] < ours[1]
    other = next(s[0] for s in stored if s[1] == "other")
    assert other > ours[1]  # after the block


async def test_concurrent_emits_publish_in_id_order(pg: Database) -> None:
    """8 chats x 15 writes at once, past a block of 100: the ids the after-commit steps
    see, in the order they run, are ascending and are the log's order."""
    hub = _hub()
    published: list[int] = []

    async def write(chat: int, n: int) -> None:
        async with pg.write(chat_id=chat) as tx:
            await event_log.emit(tx, hub, NOTE, Note(text=f"{chat}-{n}"), Audience(chat_id=chat))

            async def publish() -> None:
                published.append(tx.event_rows[0].seq)

            tx.after_commit(publish)
            await tx.conn.execute(sa.select(sa.func.pg_sleep(0.001 * (n % 3))))

    await asyncio.gather(*(write(chat, n) for chat in range(8) for n in range(15)))
    assert len(published) == 120
    assert published == sorted(published)
    assert published == [s[0] for s in await _stored(pg)]


@pytest.fixture
async def cluster_db(pg: Database, pg_database: str, tmp_path: Path) -> AsyncIterator[Database]:
    """The same database as a process of a cluster opens it (it needs no Redis for this)."""
    settings = Settings(data_dir=tmp_path, database_url=pg_database, redis_url="redis://x")
    db = Database(make_engine(settings), settings)
    assert db.clustered
    yield db
    await db.dispose()


async def test_a_cluster_draws_its_ids_only_once_it_holds_the_order_lock(
    cluster_db: Database,
) -> None:
    """Another process holds the order lock: this write waits for it before drawing its id,
    so an id drawn meanwhile by anyone is smaller than this write's, and ids commit in the
    order they were drawn."""
    hub = _hub()
    holder = await cluster_db.engine.connect()
    await holder.execute(sa.text(f"SELECT pg_advisory_xact_lock({_ORDER_KEY})"))

    async def write() -> int:
        async with cluster_db.write(chat_id=1) as tx:
            await event_log.emit(tx, hub, NOTE, Note(text="waits"), Audience(chat_id=1))
        return int(tx.event_rows[0].seq)

    waiting = asyncio.create_task(write())
    async with cluster_db.engine.connect() as conn:
        locks = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        async with asyncio.timeout(10):
            while (await conn.execute(locks)).scalar() == 0:
                await asyncio.sleep(0.01)
        drawn = (await conn.execute(sa.text("SELECT nextval('events_id_seq')"))).scalar_one()
    assert not waiting.done()
    await holder.commit()  # the lock goes with the other transaction
    await holder.close()
    assert await waiting > int(drawn)
    assert [s[0] for s in await _stored(cluster_db)] == [waiting.result()]


async def test_two_cluster_processes_writing_at_once_commit_ids_in_order(
    pg: Database, cluster_db: Database, pg_database: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_database, redis_url="redis://x")
    other = Database(make_engine(settings), settings)
    hub = _hub()
    committed: list[int] = []

    async def write(db: Database, chat: int, n: int) -> None:
        async with db.write(chat_id=chat) as tx:
            await event_log.emit(tx, hub, NOTE, Note(text=f"{chat}-{n}"), Audience(chat_id=chat))
            await event_log.emit(tx, hub, NOTE, Note(text=f"{chat}-{n}!"), Audience(chat_id=chat))

            async def after() -> None:  # right after the COMMIT, in each process's order
                committed.extend(p.seq for p in tx.event_rows)

            tx.after_commit(after)

    try:
        await asyncio.gather(
            *(
                write(db, chat, n)
                for db in (cluster_db, other)
                for chat in range(4)
                for n in range(10)
            )
        )
    finally:
        await other.dispose()
    stored = [s[0] for s in await _stored(pg)]
    assert len(stored) == len(set(stored)) == 160
    assert sorted(committed) == stored


async def test_a_cluster_hears_its_ids_where_the_database_tells_clients_only_warnings(
    pg: Database, pg_database: str, tmp_path: Path
) -> None:
    """A cluster's insert tells the ids it drew in a NOTICE (migration 0012): a database set
    to send its clients warnings only does not keep it from the server's connections,
    which ask for notices themselves."""
    name = sa.make_url(pg_database).database
    plain_url = pg_database.replace("+asyncpg", "")

    async def database_says(value: str) -> None:
        admin = await asyncpg.connect(plain_url)
        try:
            await admin.execute(f"ALTER DATABASE {name} SET client_min_messages = {value}")
        finally:
            await admin.close()

    await database_says("warning")
    settings = Settings(data_dir=tmp_path, database_url=pg_database, redis_url="redis://x")
    db = Database(make_engine(settings), settings)
    try:
        plain = await asyncpg.connect(plain_url)
        try:  # what a connection that does not ask is told
            assert await plain.fetchval("SHOW client_min_messages") == "warning"
        finally:
            await plain.close()
        async with db.write(chat_id=1) as tx:
            await event_log.emit(tx, _hub(), NOTE, Note(text="a"), Audience(chat_id=1))
            await event_log.emit(tx, _hub(), NOTE, Note(text="b"), Audience(chat_id=1))
        seqs = [p.seq for p in tx.event_rows]
        assert seqs[0] > 0
        assert seqs == [s[0] for s in await _stored(db)]
    finally:
        await db.dispose()
        await database_says("DEFAULT")
