"""The shomik side of a benchmark run: one process on SQLite or PostgreSQL, or several on
PostgreSQL with a Redis of the run's own (benchmarks/run.py `--database`, `--processes`)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

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
            server.start(args.server_core, args.nice)
            stack.callback(server.stop)
            servers.append(server)
            pids.append(server.pid)
        log(f"{workdir.name}: {count} process(es) on {engine}, pids {pids}")
        yield servers, pids
