"""Server CPU per message sent, on SQLite and on PostgreSQL (issue #11).

    python -m benchmarks.pg_send_cpu                       # both engines, 2,000 sends each
    python -m benchmarks.pg_send_cpu --database postgres --sends 3000 --profile /tmp/pg.txt
    python -m benchmarks.pg_send_cpu --database postgres,postgres+redis   # cluster of one
    python -m benchmarks.pg_send_cpu --database postgres,postgres+redis2  # two processes

One `shomik serve` per engine (PostgreSQL: a database of its own, as benchmarks.run makes),
`--members` users in one group, every one connected (as in benchmarks.run: no Web Push
work), and the group's owner sends `--sends` messages over one WebSocket, one at a time
(each acked before the next). The figure is the server process's CPU time (utime + stime
from /proc/<pid>/stat, all threads) over the sends, divided by their number: CPU time, not
wall time, which a busy machine changes less (still by ±15 % between repeats on 2 busy
cores: repeat, and interleave the runs to compare). It includes the send's fan-out to the
group's sockets, which costs the same on both engines. On PostgreSQL the database's own CPU
per send is printed beside it: its backends serving the run's database (connected by the end
of the warm-up) and its WAL writer, checkpointer and background writer, which the server's
CPU does not include and which, on a machine of two cores, compete with the server and the
load generator of benchmarks.run for them.

`postgres+redis` is PostgreSQL with `SHOMIK_REDIS_URL` set: one process, but on the cluster's
path (advisory locks, every event through Redis and back); its Redis's CPU is counted too.
`postgres+redis2` is two processes on that Redis: the owner and every other member on the
first, the rest on the second, their CPU summed with Redis's (what issue #11's
"two processes ≤ 1.25x one" compares, one send at a time).

`--per-statement`: instead, the CPU of this process per statement on PostgreSQL, one indexed
SELECT run 4,000 times on one connection through SQLAlchemy's asyncio layer and straight
through asyncpg (what db/fast.py saves per hot statement).

`--profile FILE`: py-spy samples the PostgreSQL server (`postgres+redis2`: the second,
which only delivers; `--profile-pid 1` the first, which sends) during the sends (py-spy must
be next to this Python); FILE gets the raw stacks and stdout the functions that take the
most samples, inclusive (a function counts once per sample it is anywhere in).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import websockets

from benchmarks.run_support import PASSWORD, log
from benchmarks.servers import PG_ADMIN, shomik_servers

TICKS = os.sysconf("SC_CLK_TCK")
PY_SPY = str(Path(sys.executable).parent / "py-spy")


def cpu_times(*pids: int) -> tuple[float, float]:
    """utime and stime of the processes, all their threads, summed, in seconds."""
    user = system = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = user + int(fields[11]), system + int(fields[12])
    return user / TICKS, system / TICKS


async def set_up(url: str, members: int) -> tuple[list[str], int]:
    """`members` users in one group; their tokens (the owner's first) and the chat's id."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        users = []
        for i in range(members):
            r = await http.post(
                "/api/auth/register",
                json={"username": f"cpu{i}", "password": PASSWORD, "displayName": f"Cpu {i}"},
            )
            r.raise_for_status()
            body = r.json()
            users.append((str(body["access_token"]), int(body["user"]["id"])))
        token = users[0][0]  # the owner's
        r = await http.post(
            "/api/chats",
            json={"type": "group", "name": "cpu", "participantIds": [u for _, u in users[1:]]},
            headers={"Authorization": f"Bearer {token}"},
        )
        r.raise_for_status()
        return [t for t, _ in users], int(r.json()["id"])


async def answer(ws: Any, ref: str) -> dict[str, Any]:
    """The ack (or error) of command `ref`, skipping events."""
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("ref") == ref:
            if frame["type"] != "ack":
                raise RuntimeError(f"command {ref} failed: {frame}")
            return dict(frame)


async def send_all(ws: Any, chat_id: int, first: int, count: int) -> None:
    for n in range(first, first + count):
        ref = f"s{n}"
        data = {"chatId": chat_id, "content": f"message {n}", "clientId": f"cpu-{n}"}
        await ws.send(json.dumps({"type": "message:send", "ref": ref, "data": data}))
        await answer(ws, ref)


async def connected(ws_url: str, token: str, deflate: bool = True) -> Any:
    compression = "deflate" if deflate else None
    ws = await websockets.connect(ws_url, max_size=None, compression=compression)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    while json.loads(await ws.recv())["type"] != "ready":
        pass
    return ws


async def drain(ws: Any) -> None:
    """A member's socket: read and drop its deliveries until it closes."""
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass


async def database_pids() -> list[int]:
    """PostgreSQL's processes that work for this run: the backends of its database (named
    bench_run_cpu_..., see main) and the shared writers."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname LIKE 'bench\\_run\\_cpu\\_%' OR"
            " backend_type IN ('walwriter', 'checkpointer', 'background writer')"
        )
    finally:
        await conn.close()
    return [int(row["pid"]) for row in rows]


async def measure(
    urls: list[str], pids: list[int], args: argparse.Namespace, profile: Path | None
) -> tuple[float, float | None]:
    """Seconds of server CPU per send, and of PostgreSQL's (None on SQLite). Members are
    spread over the processes at `urls` in turn, the owner on the first."""
    tokens, chat_id = await set_up(urls[0], args.members)
    ws_urls = [url.replace("http://", "ws://") + "/ws" for url in urls]
    others = [
        await connected(ws_urls[(i + 1) % len(ws_urls)], t, args.deflate == "on")
        for i, t in enumerate(tokens[1:])
    ]
    readers = [asyncio.create_task(drain(o)) for o in others]
    try:
        return await measure_sends(ws_urls[0], tokens[0], chat_id, pids, args, profile)
    finally:
        for o in others:
            await o.close()
        await asyncio.gather(*readers)


async def measure_sends(
    ws_url: str,
    token: str,
    chat_id: int,
    pids: list[int],
    args: argparse.Namespace,
    profile: Path | None,
) -> tuple[float, float | None]:
    async with await connected(ws_url, token, args.deflate == "on") as ws:
        await send_all(ws, chat_id, 0, args.warmup)  # caches, pools, prepared statements
        db_pids = await database_pids() if args.engine.startswith("postgres") else []
        spy = None
        if profile is not None:
            argv = [PY_SPY, "record", "--nonblocking", "-r", "500", "--format", "raw"]
            spy = await asyncio.create_subprocess_exec(
                *argv, "-o", str(profile), "-p", str(pids[args.profile_pid]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1.0)  # py-spy attaches
        each0 = [sum(cpu_times(pid)) for pid in pids]
        (user0, sys0), t0 = cpu_times(*pids), time.monotonic()
        db0 = sum(cpu_times(*db_pids))
        await send_all(ws, chat_id, args.warmup, args.sends)
        (user1, sys1), wall = cpu_times(*pids), time.monotonic() - t0
        db_spent = sum(cpu_times(*db_pids)) - db0
        user, system = user1 - user0, sys1 - sys0
        each = [sum(cpu_times(pid)) - before for pid, before in zip(pids, each0, strict=True)]
        spent = user + system
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file and exits
            await asyncio.wait_for(spy.wait(), 60)
    split = ", ".join(
        f"pid {pid}: {s * 1e6 / args.sends:.0f} us" for pid, s in zip(pids, each, strict=True)
    )
    log(
        f"{args.sends} sends in {wall:.1f} s wall; server CPU {user:.2f} s user, {system:.2f} s sys"
        f" ({split} per send)"
    )
    per_send = int(args.sends)
    return spent / per_send, (db_spent / per_send if db_pids else None)


def per_statement(runs: int = 4000) -> None:
    import uvloop  # what uvicorn runs the server on
    from sqlalchemy import bindparam, column, select, table
    from sqlalchemy.ext.asyncio import create_async_engine

    pg_class = table("pg_class", column("oid"), column("relname"))
    query = select(pg_class.c.relname).where(pg_class.c.oid == bindparam("oid"))
    sql = "SELECT relname FROM pg_class WHERE oid = $1"

    async def run() -> None:
        engine = create_async_engine(PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://"))
        async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None

            async def through_sqlalchemy() -> None:
                await conn.execute(query, {"oid": 1259})

            async def through_asyncpg() -> None:
                await driver.fetch(sql, 1259)

            ways = {"sqlalchemy": through_sqlalchemy, "asyncpg": through_asyncpg}
            for _ in range(2):
                for name, once in ways.items():
                    for _ in range(200):
                        await once()
                    start = time.process_time()
                    for _ in range(runs):
                        await once()
                    spent = (time.process_time() - start) / runs
                    print(f"{name}: {spent * 1e6:.0f} us CPU per statement")
        await engine.dispose()

    uvloop.run(run())


def top_functions(raw: Path, limit: int) -> list[tuple[float, str]]:
    """Share of samples each function is in (inclusive), most first."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        total += int(n)
        # A frame is "function (file:line)"; count a function once per sample.
        names = {frame.rsplit(":", 1)[0] for frame in stack.split(";")}
        for name in names:
            counts[name] += int(n)
    return [(c / total, name) for name, c in counts.most_common(limit)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database", default="sqlite,postgres", help="comma separated engines")
    p.add_argument("--sends", type=int, default=2000, help="messages measured per engine")
    p.add_argument("--warmup", type=int, default=200, help="messages sent before measuring")
    p.add_argument("--members", type=int, default=50, help="the group's size")
    p.add_argument(
        "--deflate",
        choices=("on", "off"),
        default="on",
        help="whether the sockets offer permessage-deflate (on, as browsers do and this tool "
        "always did; benchmarks.run's clients offer it only with --deflate)",
    )
    p.add_argument("--profile", type=Path, help="py-spy raw stacks of the PostgreSQL server")
    p.add_argument("--per-statement", action="store_true", help="see above")
    p.add_argument("--top", type=int, default=45, help="functions listed with --profile")
    p.add_argument(
        "--profile-pid",
        type=int,
        default=-1,
        help="which of the configuration's pids --profile samples, as logged (with Redis: "
        "Redis first, then the processes); default the last",
    )
    args = p.parse_args(argv)
    # What shomik_servers reads of benchmarks.run's options: no pinning, no niceness.
    args.server = SimpleNamespace(server_core=None, nice=0)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.per_statement:
        per_statement()
        return
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="pg-send-cpu-") as tmp:
        for run, engine in enumerate(args.database.split(",")):
            profile = args.profile if engine.startswith("postgres") else None
            database, _, redis = engine.partition("+")
            if redis not in ("", "redis", "redis2"):
                raise SystemExit(f"unknown configuration {engine!r}")
            count = 2 if redis == "redis2" else 1
            workdir = Path(tmp) / f"cpu-{database}-{redis or 'alone'}-{run}"
            args.engine = engine
            with shomik_servers(workdir, database, count, args.server, bool(redis)) as (
                servers,
                pids,
            ):
                urls = [server.url for server in servers]
                per_send, db = asyncio.run(measure(urls, pids, args, profile))
            results[engine] = per_send  # a repeated engine: its last run
            extra = "" if db is None else f"; PostgreSQL's own CPU {db * 1e6:.0f} us per send"
            figure = f"{per_send * 1e6:.0f} us server CPU per send{extra}"
            print(f"{engine}: {figure} ({args.sends} sends)")
    if "sqlite" in results and "postgres" in results:
        print(f"postgres / sqlite: {results['postgres'] / results['sqlite']:.2f}x")
    if args.profile is not None and args.profile.exists():
        for share, name in top_functions(args.profile, args.top):
            print(f"{share * 100:5.1f}%  {name}")


if __name__ == "__main__":
    main()
