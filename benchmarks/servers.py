"""The shomik side of a benchmark run: one process on SQLite or PostgreSQL, or several on
PostgreSQL with a Redis of the run's own (benchmarks/run.py `--database`, `--processes`)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import asyncpg
from cryptography.hazmat.primitives.asymmetric import ec

from benchmarks.run_support import SERVER_ENV, SHOMIK, Server, free_port, log, pinned

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_SERVER = "/usr/bin/redis-server"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def _database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this run; its URL."""
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


# autovacuum's defaults (PostgreSQL 15): a table is vacuumed once its dead rows pass 50 +
# 20 % of its rows, or the rows inserted since its last vacuum 1,000 + 20 %; analyzed once
# its changed rows pass 50 + 10 %; each database looked at once a minute.
NAPTIME_SECONDS = 60.0
_DUE = """
SELECT relname,
       n_dead_tup > 50 + 0.2 * n_live_tup OR n_ins_since_vacuum > 1000 + 0.2 * n_live_tup,
       n_mod_since_analyze > 50 + 0.1 * n_live_tup
FROM pg_stat_user_tables
"""


async def _vacuum_due(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for table, vacuum, analyze in await conn.fetch(_DUE):
            if vacuum or analyze:
                what = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
                await conn.execute(f'{what} "{table}"')
    finally:
        await conn.close()


@contextlib.contextmanager
def _autovacuum(name: str) -> Iterator[None]:
    """What autovacuum would do for the run's database, where the machine's PostgreSQL has
    it off (its CI configuration, /etc/postgresql/15/main/conf.d/90-ci.conf): every send
    updates rows (the chat's last seq, the sender's read position), and without it their
    dead versions pile up in the indexes until every later step of the run is slower than
    the same step was before (docs/benchmarks.md, "Twelfth session"). No production
    PostgreSQL runs without autovacuum. Where it is on, nothing is done here."""
    on = asyncio.run(_pg_setting("autovacuum"))
    if on == "on":
        yield
        return
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(NAPTIME_SECONDS):
            try:
                asyncio.run(_vacuum_due(url))
            except (OSError, asyncpg.PostgresError) as exc:
                log(f"autovacuum stand-in: {exc}")

    log("the machine's PostgreSQL runs without autovacuum: the run does its work")
    thread = threading.Thread(target=loop, name="autovacuum", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


async def _pg_setting(name: str) -> str:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        return str(await conn.fetchval(f"SHOW {name}"))
    finally:
        await conn.close()


@contextlib.contextmanager
def _redis(workdir: Path, core: int | None, nice: int) -> Iterator[tuple[str, int]]:
    """A redis-server of the run's own (nothing on disk), on the servers' core: its CPU is
    part of the cluster's. Its URL and pid."""
    port = free_port()
    argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(workdir)]
    with (workdir / "redis.log").open("ab") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=pinned(core, nice)
        )
    try:
        yield f"redis://127.0.0.1:{port}/0", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _vapid_key() -> str:
    """One Web Push key for every process (each would otherwise make its own)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _core_of(i: int, args: argparse.Namespace) -> int | None:
    """Process i's core: the server core, or with `--spread` the usable cores in turn from
    it (one process per core, as docs/deployment.md advises)."""
    if args.server_core is None or not getattr(args, "spread", False):
        return cast(int | None, args.server_core)
    cores = sorted(os.sched_getaffinity(0))
    return cores[(cores.index(args.server_core) + i) % len(cores)]


@contextlib.contextmanager
def shomik_servers(
    workdir: Path, engine: str, count: int, args: argparse.Namespace, redis: bool = False
) -> Iterator[tuple[list[Server], list[int]]]:
    """`count` shomik processes on `engine`, all on the server core, started one after the
    other (the first migrates); the servers and every pid whose CPU counts. More than one,
    or `redis`, runs them on a Redis of their own (a cluster, even of one)."""
    workdir.mkdir(parents=True)
    env = {**os.environ, **SERVER_ENV}
    with contextlib.ExitStack() as stack:
        pids: list[int] = []
        if engine == "postgres":
            name = f"bench_run_{workdir.name.replace('-', '_')}"
            env["SHOMIK_DATABASE_URL"] = stack.enter_context(_database(name))
            stack.enter_context(_autovacuum(name))
        elif engine != "sqlite":
            raise SystemExit(f"unknown database {engine!r}: sqlite or postgres")
        if count > 1 or redis:
            url, redis_pid = stack.enter_context(_redis(workdir, args.server_core, args.nice))
            env["SHOMIK_REDIS_URL"] = url
            env["SHOMIK_VAPID_PRIVATE_KEY"] = _vapid_key()
            pids.append(redis_pid)
        servers = []
        for i in range(count):
            port = free_port()
            argv = [SHOMIK, "serve", "--port", str(port), "--data-dir", str(workdir / "data")]
            server = Server(f"{workdir.name}[{i}]", argv, env, port, workdir / f"shomik{i}.log")
            server.start(_core_of(i, args), args.nice)
            stack.callback(server.stop)
            servers.append(server)
            pids.append(server.pid)
        log(f"{workdir.name}: {count} process(es) on {engine}, pids {pids}")
        yield servers, pids
