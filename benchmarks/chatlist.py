"""The chat list benchmark (`make bench-chatlist`): the first page of `GET /api/chats` and of
`GET /api/chats/{id}/members` for a user in 1,000 groups of 1,000 members, on SQLite and on
PostgreSQL (issue 14: at most 50 ms and 300 KB for the first page).

    python -m benchmarks.chatlist                           # both engines, 1,000 x 1,000
    python -m benchmarks.chatlist --engines sqlite --chats 100 --group-size 100   # quicker

What it does, per engine:

1. builds a fresh database with the migrations (SQLite: a temporary data dir; PostgreSQL:
   the database `bench_chatlist`, dropped afterwards), then bulk-inserts with plain SQL (not
   through the server) 5,000 people and `--chats` groups of `--group-size` members: the
   measured user (users.id 1) and a sliding window of the others, so that each group has
   its own people. Each group gets `--messages` messages (senders drawn from its members,
   interleaved in time across groups), one pinned message in every tenth group, read
   positions spread below the end (the measured user has 0-5 unread in each), and the
   measured user has 3 chats pinned and 10 archived. Then ANALYZE;
2. measures in-process, through the service functions the routes call, and with the JSON
   encoding the route does (`model_dump_json`, what FastAPI sends), p50/p95 over
   `--samples` calls: the first page of the chat list (50 chats), a page in the middle
   (with its cursor), the first page of a group's members (100) and a member search (`q`).
   The size is that JSON's length in bytes, uncompressed (gzip's is given beside it);
3. prints a markdown table and writes the JSON to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import asyncpg

from benchmarks.report import machine, source_version
from benchmarks.search import pg_admin, timed
from shomik.chats import service as chats
from shomik.db.engine import Database, make_engine
from shomik.db.migrate import upgrade
from shomik.schemas import Model
from shomik.services import Services
from shomik.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_NAME = "bench_chatlist"
PEOPLE = 5000
ME = 1
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

USER_COLS = "id, username, username_lower, display_name, password_hash, status, params, "
USER_COLS += "token_version, created_at"
CHAT_COLS = "id, type, name, created_at, last_seq, member_count, "
CHAT_COLS += "read_top_user, read_top_seq, read_next_seq"
MEMBER_COLS = "chat_id, user_id, role, joined_at, joined_event, last_read_seq"
MESSAGE_COLS = "id, chat_id, seq, sender_id, type, content, created_at"
PIN_COLS = "chat_id, message_id, pinned_by, pinned_at"


def members_of(chat: int, size: int) -> list[int]:
    """ME and a window of the others, moving on with each chat (chat ids from 1)."""
    others = PEOPLE - 1
    start = (chat - 1) * 37 % others
    return [ME] + [2 + (start + k) % others for k in range(size - 1)]


def rows(chats: int, size: int, per_chat: int, seed: int = 3) -> dict[str, list[tuple[Any, ...]]]:
    rng = random.Random(seed)
    users = [
        (i, f"user{i}", f"user{i}", f"Person {i}", "x", "offline", "{}", 0, START)
        for i in range(1, PEOPLE + 1)
    ]
    chat_rows: list[tuple[Any, ...]] = []
    messages: list[tuple[Any, ...]] = []
    pins: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    for c in range(1, chats + 1):
        people = members_of(c, size)
        for seq in range(1, per_chat + 1):
            # Interleaved in time across chats: chat c's seq-th message.
            created = START + dt.timedelta(seconds=seq * chats + c)
            sender = rng.choice(people[1:]) if size > 1 else ME
            messages.append((len(messages) + 1, c, seq, sender, "text", f"message {seq}", created))
        if c % 10 == 0:
            pins.append((c, len(messages), people[-1], START))
        read: list[tuple[int, int]] = []
        for k, user in enumerate(people):
            role = "owner" if k == 1 else "member"
            unread = rng.randint(0, 5) if user == ME else rng.randint(0, per_chat)
            members.append((c, user, role, START, 0, max(0, per_chat - unread)))
            read.append((-members[-1][5], user))
        # The chat's two furthest readers, as chats/readers.py keeps them.
        (top_seq, top_user), *rest = sorted(read)
        next_seq = -rest[0][0] if rest else 0
        chat_rows.append(
            (c, "group", f"Group {c}", START, per_chat, size, top_user, -top_seq, next_seq)
        )
    return {
        "users": users,
        "chats": chat_rows,
        "members": members,
        "messages": messages,
        "pins": pins,
    }


def settings_sql(chats: int, sqlite: bool) -> list[str]:
    """The measured user's own settings: 3 chats pinned, 10 archived."""

    def when(minutes: int) -> str:
        at = START + dt.timedelta(minutes=minutes)
        return str(_sqlite(at)) if sqlite else at.isoformat()

    yes = "1" if sqlite else "true"
    pinned = [
        f"UPDATE chat_members SET pinned_at = '{when(i)}' "
        f"WHERE chat_id = {chats - 7 * i} AND user_id = {ME}"
        for i in range(3)
    ]
    archived = [
        f"UPDATE chat_members SET archived = {yes} WHERE chat_id = {c} AND user_id = {ME}"
        for c in range(5, min(chats, 5 + 10 * 13), 13)
    ]
    return pinned + archived


def _sqlite(value: Any) -> Any:
    # As SQLAlchemy stores a DateTime on SQLite: naive UTC text.
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def _lite(table: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    return (tuple(_sqlite(v) for v in row) for row in table)


def build_sqlite(data_dir: Path, data: dict[str, list[tuple[Any, ...]]], chats: int) -> None:
    upgrade(Settings(data_dir=data_dir))
    db = sqlite3.connect(data_dir / "shomik.db")
    db.execute("PRAGMA synchronous=OFF")
    for table, cols, key in (
        ("users", USER_COLS, "users"),
        ("chats", CHAT_COLS, "chats"),
        ("chat_members", MEMBER_COLS, "members"),
        ("messages", MESSAGE_COLS, "messages"),
        ("pins", PIN_COLS, "pins"),
    ):
        marks = ",".join("?" * len(cols.split(",")))
        db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", _lite(data[key]))
    for sql in settings_sql(chats, sqlite=True):
        db.execute(sql)
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


async def build_postgres(url: str, data: dict[str, list[tuple[Any, ...]]], chats: int) -> None:
    await asyncio.to_thread(upgrade, Settings(database_url=url))
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        for table, cols, key in (
            ("users", USER_COLS, "users"),
            ("chats", CHAT_COLS, "chats"),
            ("chat_members", MEMBER_COLS, "members"),
            ("messages", MESSAGE_COLS, "messages"),
            ("pins", PIN_COLS, "pins"),
        ):
            names = [c.strip() for c in cols.split(",")]
            await conn.copy_records_to_table(table, records=data[key], columns=names)
        for sql in settings_sql(chats, sqlite=False):
            await conn.execute(sql)
        for seq_table in ("users", "chats", "messages"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), "
                f"(SELECT max(id) FROM {seq_table}))"
            )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def encoded(model: Model) -> bytes:
    return model.model_dump_json(by_alias=True).encode()


async def measure(settings: Settings, chat_count: int, samples: int) -> dict[str, Any]:
    db = Database(make_engine(settings), settings)
    services = cast(Services, SimpleNamespace(db=db))
    out: dict[str, Any] = {}
    try:
        first = await chats.list_chats(services, ME, 50, None)
        middle_cursor = first.next_cursor
        # The page that starts half way down: follow the cursors there once.
        for _ in range(chat_count // 100):
            page = await chats.list_chats(services, ME, 50, middle_cursor)
            middle_cursor = page.next_cursor or middle_cursor
        group = first.chats[-1].id
        # A name in that group: "person 1234" (holds 1234, and 12345 if there were one).
        who = f"person {members_of(group, 2)[1]}"
        calls: dict[str, Callable[[], Awaitable[Model]]] = {
            "chat list, first page (50)": lambda: chats.list_chats(services, ME, 50, None),
            "chat list, a page half way down (50)": lambda: chats.list_chats(
                services, ME, 50, middle_cursor
            ),
            "members, first page (100)": lambda: chats.members(services, ME, group, 100, None, ""),
            "members, search by name (q)": lambda: chats.members(
                services, ME, group, 20, None, who
            ),
        }
        for name, call in calls.items():

            async def run(call: Callable[[], Awaitable[Model]] = call) -> None:
                encoded(await call())

            body = encoded(await call())
            stats = await timed(run, samples)
            out[name] = {**stats, "bytes": len(body), "gzip_bytes": len(gzip.compress(body))}
        out["first page"] = {
            "chats": len(first.chats),
            "pinned first": [c.id for c in first.chats if c.settings.pinned],
            "unreadTotal": first.unread_total,
            "archivedCount": first.archived_count,
        }
    finally:
        await db.dispose()
        await db.engine.dispose()
    return out


async def run_engine(
    engine: str, chat_count: int, size: int, per_chat: int, samples: int
) -> dict[str, Any]:
    data = rows(chat_count, size, per_chat)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if engine == "sqlite":
            settings = Settings(data_dir=Path(tmp))
            await asyncio.to_thread(build_sqlite, Path(tmp), data, chat_count)
        else:
            await pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            await pg_admin(f"CREATE DATABASE {PG_NAME}")
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_NAME}"
            settings = Settings(data_dir=Path(tmp), database_url=url)
            await build_postgres(url, data, chat_count)
        build_s = round(time.perf_counter() - t0, 1)
        print(f"{engine}: built {len(data['members']):,} memberships in {build_s} s", flush=True)
        try:
            measured = await measure(settings, chat_count, samples)
        finally:
            if engine == "postgres":
                await pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    return {"build_s": build_s, "memberships": len(data["members"]), **measured}


def table(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = []
    for engine, measured in results.items():
        lines.append(
            f"\n### {engine}: {args.chats:,} groups of {args.group_size:,}, "
            f"{measured['memberships']:,} memberships (built in {measured['build_s']} s)\n"
        )
        lines.append(
            "| measured | p50 ms | p95 ms | bytes | gzip bytes |\n|---|---:|---:|---:|---:|"
        )
        for name, stats in measured.items():
            if isinstance(stats, dict) and "p50_ms" in stats:
                lines.append(
                    f"| {name} | {stats['p50_ms']} | {stats['p95_ms']} | {stats['bytes']:,} | "
                    f"{stats['gzip_bytes']:,} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--group-size", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20, help="per group")
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    results = {
        engine: asyncio.run(
            run_engine(engine, args.chats, args.group_size, args.messages, args.samples)
        )
        for engine in args.engines.split(",")
    }
    print(table(results, args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {"machine": machine(), "source": source_version(), "args": vars(args), **results}
    (RESULTS / f"chatlist-{stamp}.json").write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
