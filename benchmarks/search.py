"""The search benchmark (`make bench-search`): message search, the page around a message and
history pages on a database of 1,000,000 messages, on SQLite and on PostgreSQL.

    python -m benchmarks.search                          # both engines, 1,000,000 messages
    python -m benchmarks.search --engines sqlite --messages 100000   # a quicker look

What it does, per engine:

1. builds a fresh database with the migrations (SQLite: a temporary data dir; PostgreSQL:
   the database `bench_search`, dropped afterwards), then bulk-inserts with plain SQL (not
   through the server) 2,000 people, 1,000 group chats of 5 of them each, and `--messages`
   messages of 3-20 words drawn Zipf-like from a mixed Russian/English vocabulary (common
   words, then rarer made-up ones). One chat is busy (10% of all messages); the rest share the
   others evenly; the messages interleave in time across chats. The measured user is a member
   of 200 chats, the busy one among them. SQLite keeps its FTS index through the triggers,
   as in production; PostgreSQL gets its GIN index built after the COPY (faster), then ANALYZE;
2. measures in-process, through the service functions the routes call (so hydrating the
   messages is included), p50/p95 over `--samples` calls of: search across all chats (common,
   mid and rare words, a prefix, two words, a word found nowhere; first pages, which also
   search chats and people by name, and second pages), search in one chat, the `around=` page
   at random messages, and a history page (newest and deep) in the busy chat, against the
   same in a database of 1,000 messages.
3. prints a markdown table and writes the JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import sqlalchemy as sa

from benchmarks.report import machine, source_version
from shomik.db.engine import Database, make_engine
from shomik.db.migrate import upgrade
from shomik.messages import search_service, service
from shomik.services import Services
from shomik.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "bench_search"
PEOPLE = 2000
MEMBERS_PER_CHAT = 5
ME = 1  # the measured user: users.id 1

# Written as text to read as text.
COMMON = (  # noqa: SIM905
    "привет как дела сегодня завтра встреча работа проект код задача время хорошо "
    "спасибо да нет можно нужно сделать посмотри вопрос ответ файл сервер база данных "
    "ошибка hello thanks meeting today tomorrow project code task time good yes no "
    "please check question answer file server database error release deploy review "
    "branch merge test "
).split()
SYLLABLES_RU = "ка ро ми на ло ве те ст пр ри да ко ли ра но ба зу ти лу жо".split()  # noqa: SIM905
SYLLABLES_EN = "ka ro mi na lo ve te st pr ri da ko li ra no ba zu ti lu jo".split()  # noqa: SIM905


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    """Common real words first, then made-up ones: rank order is frequency order."""
    words = list(COMMON)
    seen = set(words)
    while len(words) < size:
        syllables = SYLLABLES_RU if rng.random() < 0.6 else SYLLABLES_EN
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def chat_plan(chats: int) -> list[list[int]]:
    """Members of each chat (index 0 = chat id 1): five of the people; ME in every fifth."""
    plan = []
    for c in range(chats):
        members = [2 + (c * MEMBERS_PER_CHAT + k) % (PEOPLE - 1) for k in range(MEMBERS_PER_CHAT)]
        if c % (chats // 200 or 1) == 0:
            members[0] = ME
        plan.append(members)
    return plan


def message_rows(n: int, chats: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """(id, chat_id, seq, sender_id, type, content, created_at) in id order; chat 1 busy."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    plan = chat_plan(chats)
    seqs = [0] * chats
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    batch = 100_000
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        pool = iter(rng.choices(vocab, weights, k=size * 12))
        for i in range(offset, offset + size):
            c = 0 if chats == 1 or rng.random() < 0.1 else rng.randrange(1, chats)
            seqs[c] += 1
            text = " ".join(next(pool) for _ in range(rng.randint(3, 12)))
            sender = rng.choice(plan[c])
            created = start + dt.timedelta(seconds=i)
            yield (i + 1, c + 1, seqs[c], sender, "text", text.capitalize(), created)


def base_rows(chats: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Any]]:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    users = [
        (i, f"user{i}", f"user{i}", f"Person {i}", "x", "offline", "{}", 0, now)
        for i in range(1, PEOPLE + 1)
    ]
    chat_rows = [(c + 1, "group", f"Group {c + 1}", now, 0) for c in range(chats)]
    members = [
        (c + 1, u, "member", now, 0, 0) for c, people in enumerate(chat_plan(chats)) for u in people
    ]
    return users, chat_rows, members


USER_COLS = "id, username, username_lower, display_name, password_hash, status, params, "
USER_COLS += "token_version, created_at"
CHAT_COLS = "id, type, name, created_at, last_seq"
MEMBER_COLS = "chat_id, user_id, role, joined_at, joined_event, last_read_seq"
MESSAGE_COLS = "id, chat_id, seq, sender_id, type, content, created_at"
LAST_SEQ = (
    "UPDATE chats SET last_seq = (SELECT max(seq) FROM messages m WHERE m.chat_id = chats.id)"
)


def _sqlite_time(value: Any) -> Any:
    # As SQLAlchemy stores a DateTime on SQLite: naive UTC text.
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def build_sqlite(data_dir: Path, n: int, chats: int) -> None:
    upgrade(Settings(data_dir=data_dir))
    db = sqlite3.connect(data_dir / "shomik.db")
    db.execute("PRAGMA synchronous=OFF")
    users, chat_rows, members = (
        [tuple(_sqlite_time(v) for v in row) for row in rows] for rows in base_rows(chats)
    )
    db.executemany(f"INSERT INTO users ({USER_COLS}) VALUES (?,?,?,?,?,?,?,?,?)", users)
    db.executemany(f"INSERT INTO chats ({CHAT_COLS}) VALUES (?,?,?,?,?)", chat_rows)
    db.executemany(f"INSERT INTO chat_members ({MEMBER_COLS}) VALUES (?,?,?,?,?,?)", members)
    # Through the FTS triggers, as the server writes.
    rows = ((*r[:6], _sqlite_time(r[6])) for r in message_rows(n, chats))
    db.executemany(f"INSERT INTO messages ({MESSAGE_COLS}) VALUES (?,?,?,?,?,?,?)", rows)
    db.execute(LAST_SEQ)
    db.commit()
    db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.commit()
    db.close()


async def build_postgres(url: str, n: int, chats: int) -> None:
    await asyncio.to_thread(upgrade, Settings(database_url=url))
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute("DROP INDEX ix_messages_content_fts")
        users, chat_rows, members = base_rows(chats)
        for table, cols, rows in (
            ("users", USER_COLS, users),
            ("chats", CHAT_COLS, chat_rows),
            ("chat_members", MEMBER_COLS, members),
            ("messages", MESSAGE_COLS, message_rows(n, chats)),
        ):
            names = [c.strip() for c in cols.split(",")]
            await conn.copy_records_to_table(table, records=rows, columns=names)
        await conn.execute(LAST_SEQ)
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute(
            "CREATE INDEX ix_messages_content_fts ON messages "
            "USING gin (to_tsvector('simple', content))"
        )
        for seq_table in ("users", "chats", "messages"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), "
                f"(SELECT max(id) FROM {seq_table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def timed(call: Callable[[], Awaitable[Any]], samples: int) -> dict[str, float]:
    for _ in range(3):
        await call()  # warm-up: caches, statement compilation
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        await call()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


QUERIES = {
    "common word": "привет",
    "common English word": "meeting",
    "mid word": "",  # filled in from the vocabulary: rank 500
    "rare word": "",  # rank 15000
    "prefix": "прив",
    "two words": "проект код",
    "found nowhere": "zzzqqqxx",
}


async def measure(settings: Settings, full: bool, samples: int) -> dict[str, Any]:
    """Timings of one database; `full`: searches and around= too, else history only."""
    db = Database(make_engine(settings), settings)
    services = cast(Services, SimpleNamespace(db=db))
    rng = random.Random(11)
    vocab = vocabulary(random.Random(7))
    queries = dict(QUERIES, **{"mid word": vocab[500], "rare word": vocab[15000]})
    out: dict[str, Any] = {}
    try:
        async with db.read() as conn:
            big = (await conn.execute(sa.text("SELECT last_seq FROM chats WHERE id = 1"))).scalar()
        big_chat_size = int(big or 0)
        for name, q in queries.items() if full else ():
            page = await search_service.search(services, ME, q, None, 20, None)
            last = page.results[-1].message.id if page.results else None
            stats = await timed(
                partial(search_service.search, services, ME, q, None, 20, None), samples
            )
            out[f"search all chats: {name} ({q})"] = {**stats, "hits": len(page.results)}
            if last is not None and page.has_more:
                stats = await timed(
                    partial(search_service.search, services, ME, q, None, 20, last),
                    samples,
                )
                out[f"search all chats, page 2: {name}"] = stats
        in_chat = (("common word", "привет"), ("rare word", vocab[15000])) if full else ()
        for name, q in in_chat:
            out[f"search in the busy chat: {name}"] = await timed(
                partial(search_service.search, services, ME, q, 1, 20, None), samples
            )
            out[f"search in a small chat: {name}"] = await timed(
                partial(search_service.search, services, ME, q, 6, 20, None), samples
            )
        out["around= page (busy chat, random message)"] = await timed(
            lambda: search_service.around(
                services, ME, 1, rng.randint(1, max(1, big_chat_size)), 50
            ),
            samples,
        )
        out["history page, newest (busy chat)"] = await timed(
            lambda: service.history(services, ME, 1, 50, None, None), samples
        )
        out["history page, deep (busy chat, random before)"] = await timed(
            lambda: service.history(
                services, ME, 1, 50, rng.randint(1, max(1, big_chat_size)), None
            ),
            samples,
        )
        out["busy chat size"] = big_chat_size
    finally:
        await db.dispose()
        await db.engine.dispose()
    return out


async def run_engine(engine: str, n: int, chats: int, samples: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for size in (1000, n):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            if engine == "sqlite":
                settings = Settings(data_dir=Path(tmp))
                await asyncio.to_thread(build_sqlite, Path(tmp), size, chats if size > 1000 else 1)
            else:
                await pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
                await pg_admin(f"CREATE DATABASE {PG_NAME}")
                url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_NAME}"
                settings = Settings(data_dir=Path(tmp), database_url=url)
                await build_postgres(url, size, chats if size > 1000 else 1)
            build_s = round(time.perf_counter() - t0, 1)
            print(f"{engine}: built {size:,} messages in {build_s} s", flush=True)
            try:
                measured = await measure(settings, size > 1000, samples)
            finally:
                if engine == "postgres":
                    await pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        result[f"{size} messages"] = {"build_s": build_s, **measured}
    return result


def table(results: dict[str, Any]) -> str:
    lines = []
    for engine, sizes in results.items():
        for size, measured in sizes.items():
            lines.append(f"\n### {engine}, {size} (built in {measured['build_s']} s)\n")
            lines.append("| measured | p50 ms | p95 ms | hits |\n|---|---:|---:|---:|")
            for name, stats in measured.items():
                if isinstance(stats, dict):
                    hits = stats.get("hits", "")
                    lines.append(f"| {name} | {stats['p50_ms']} | {stats['p95_ms']} | {hits} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    results = {
        engine: asyncio.run(run_engine(engine, args.messages, args.chats, args.samples))
        for engine in args.engines.split(",")
    }
    print(table(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {"machine": machine(), "source": source_version(), "args": vars(args), **results}
    (RESULTS / f"search-{stamp}.json").write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
