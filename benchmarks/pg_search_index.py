"""A message's INSERT on PostgreSQL, by the search index's pending list (migration 0011).

    python -m benchmarks.pg_search_index                    # 40,000 inserts, 2 rounds
    python -m benchmarks.pg_search_index --inserts 60000 --rounds 3

GIN keeps new words in a pending list and merges it into the index when it passes
`gin_pending_list_limit`, inside the insert that finds it full: with the default 4 MB that
insert takes tens of milliseconds, and the later sends to its chat wait behind it (db.write's
per-chat turn). For each variant, in turn, `--rounds` times: a database of its own,
migrated to `0010` (the default list) or to the head (0011's 64 kB list), one user and one
group, then `--inserts` rows inserted one at a time on one connection, worded as
benchmarks.run's load generator words its messages (`t<ns>` and a short line). Printed per
variant and round: the backend's CPU per insert (utime + stime of its process), and the
inserts' latency: mean, p99.9, the largest, and how many took over 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import asyncpg
from alembic import command

from benchmarks.loadgen import PAD
from benchmarks.meter import proc_cpu_seconds
from benchmarks.servers import _database
from shomik.db.migrate import alembic_config
from shomik.settings import Settings

VARIANTS = {"4 MB list (0010)": "0010", "64 kB list (0011)": "head"}
_INSERT = (
    "INSERT INTO messages (chat_id, seq, sender_id, type, content, created_at)"
    " VALUES (1, $1, 1, 'text', $2, now())"
)


async def _insert(url: str, inserts: int) -> str:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO users (id, username, username_lower, display_name, password_hash,"
            " params, created_at) VALUES (1, 'u1', 'u1', 'U', 'x', '{}', now())"
        )
        await conn.execute("INSERT INTO chats (id, type, created_at) VALUES (1, 'group', now())")
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        latencies = []
        cpu = proc_cpu_seconds(pid)
        for seq in range(1, inserts + 1):
            started = time.perf_counter()
            await conn.execute(_INSERT, seq, f"t{time.perf_counter_ns()} {PAD}")
            latencies.append(time.perf_counter() - started)
        cpu = proc_cpu_seconds(pid) - cpu
    finally:
        await conn.close()
    latencies.sort()
    mean = sum(latencies) / inserts
    return (
        f"backend CPU {cpu / inserts * 1e6:5.0f} us per insert; latency mean "
        f"{mean * 1e3:.3f} ms, p99.9 {latencies[int(inserts * 0.999)] * 1e3:.2f} ms, largest "
        f"{latencies[-1] * 1e3:6.1f} ms, over 10 ms: {sum(1 for x in latencies if x > 0.01)}"
    )


def _run(variant: str, revision: str, inserts: int) -> str:
    with _database("shomik_bench_gin") as url, tempfile.TemporaryDirectory() as tmp:
        config = alembic_config(Settings(data_dir=Path(tmp), database_url=url))
        command.upgrade(config, revision)
        plain = url.replace("postgresql+asyncpg", "postgresql")
        return f"{variant}: " + asyncio.run(_insert(plain, inserts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inserts", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for round_ in range(1, args.rounds + 1):
        for variant, revision in VARIANTS.items():
            print(f"round {round_}, {_run(variant, revision, args.inserts)}", flush=True)


if __name__ == "__main__":
    main()
