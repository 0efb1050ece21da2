"""Connections at scale: idle memory per socket, and a reconnect storm with resume.

    python -m benchmarks.connections                    # both, deflate offered and not
    python -m benchmarks.connections --nice -10 --skip-storm --counts 1000
    python -m benchmarks.connections --skip-idle --storm-clients 5000 --deflate off

1. Set-up: a fresh SQLite data dir, `--users` accounts with a session each written through
   the service layer with one precomputed password hash (benchmarks/connseed.py), then
   `shomik serve` (rate limits off, pinned to `--server-core`, open-file limit raised to
   the hard limit) and groups of `--group-size` over REST.
2. Idle memory, per mode (clients offer permessage-deflate, as browsers do, or not): a
   fresh server process; 50 clients connect and close (the first connections' one-off
   costs: imports, caches); after 2 s its VmRSS is the baseline; then clients connect up
   to each of `--counts` (auth frame, `ready`) and, 2 s after each level is reached, VmRSS
   again: (RSS - baseline) / connections. Server CPU per connect is measured on the way.
3. The storm, per mode: a fresh server process; `--storm-clients` clients in groups, plus a
   sender in all of their groups; the sender sends one message per group, everyone gets
   it; every client's socket is aborted at once (no close frame); once the server has
   seen them go and is idle again, the sender sends `--away` messages per group; then all
   reconnect at the same instant with `since` (the highest `seq` each saw) and `epoch`,
   while the sender goes on at `--during-rate` msgs/s. Measured: time from that instant to
   each `ready` (a refused handshake retries after the web client's backoff), and then
   whether each client got every `message:new` of its group above its `since` exactly
   once and in order, from the sender's own record of them.

The client sockets live in `--workers` processes (benchmarks/connworker.py) pinned to
`--client-core`; the runner itself holds the sender (benchmarks/connstorm.py). Results:
printed, and JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import connseed
from benchmarks.connreport import report
from benchmarks.connstorm import METRICS_TOKEN, gauge, log, storm
from benchmarks.connworker import Workers, total
from benchmarks.meter import proc_cpu_seconds, proc_rss_kib
from benchmarks.report import run_record
from benchmarks.run_support import (
    RESULTS,
    SERVER_ENV,
    SHOMIK,
    Server,
    free_port,
)

# -- idle memory ---------------------------------------------------------------------------


async def idle(args: argparse.Namespace, server: Server, plan: Path, deflate: bool) -> Any:
    workers = Workers(args, plan)
    await workers.start()
    try:
        await workers.ask({"cmd": "connect", "upto": args.warmup_clients, "deflate": deflate})
        await workers.ask({"cmd": "close"})
        await asyncio.sleep(args.settle)
        base = proc_rss_kib(server.pid)
        levels = []
        for count in args.counts:
            cpu0, t0 = proc_cpu_seconds(server.pid), time.monotonic()
            replies = await workers.ask({"cmd": "connect", "upto": count, "deflate": deflate})
            seconds = time.monotonic() - t0
            cpu = proc_cpu_seconds(server.pid) - cpu0
            opened = total(replies, "opened")
            await asyncio.sleep(args.settle)
            rss = proc_rss_kib(server.pid)
            counts = await workers.ask({"cmd": "counts"})
            connected = total(counts, "open")
            level = {
                "connections": connected,
                "rssKiB": rss,
                "kibPerConnection": round((rss - base) / max(1, connected), 2),
                "opened": opened,
                # Sockets still holding a zlib deflater (dropped after 15 s without a send).
                "deflaters": await gauge(server.url, "shomik_ws_deflaters"),
                "failed": total(replies, "failed"),
                "connectSeconds": round(seconds, 2),
                "serverCpuMsPerConnect": round(cpu / max(1, opened) * 1000, 3),
                "errors": [e for c in counts for e in c["errors"]][:5],
            }
            log(f"deflate {'offered' if deflate else 'not offered'}: {level}")
            levels.append(level)
        await workers.ask({"cmd": "close"})
        return {"deflate": deflate, "baselineKiB": base, "levels": levels}
    finally:
        await workers.stop()


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.connections")
    p.add_argument("--counts", default="1000,5000,10000", help="idle connection levels")
    p.add_argument("--storm-clients", type=int, default=5000)
    p.add_argument("--group-size", type=int, default=50)
    p.add_argument("--deflate", choices=("both", "on", "off"), default="both")
    p.add_argument("--away", type=int, default=2, help="messages per group while away")
    p.add_argument("--during-rate", type=float, default=50.0, help="msgs/s during the storm")
    p.add_argument("--spread", type=float, default=0.0, help="reconnects spread over s")
    p.add_argument("--catchup-timeout", type=float, default=60.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--warmup-clients", type=int, default=50)
    p.add_argument("--settle", type=float, default=2.0)
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--client-core", type=int, default=1)
    p.add_argument("--nice", type=int, default=0)
    p.add_argument("--skip-idle", action="store_true")
    p.add_argument("--skip-storm", action="store_true")
    p.add_argument("--server-env", default="", help="extra server settings: K=V,K=V")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    args.counts = sorted(int(c) for c in args.counts.split(",") if c)
    if args.skip_idle:
        args.counts = []
    args.users = max([*args.counts, args.storm_clients if not args.skip_storm else 0])
    args.users += -args.users % args.group_size  # whole groups
    if not {args.server_core, args.client_core} <= os.sched_getaffinity(0):
        log("the cores asked for are not all usable: not pinning")
        args.server_core = args.client_core = None
    return args


async def amain(args: argparse.Namespace, tmp: Path, results: dict[str, Any]) -> None:
    env = {**os.environ, **SERVER_ENV, "SHOMIK_METRICS_TOKEN": METRICS_TOKEN}
    for pair in filter(None, args.server_env.split(",")):
        key, _, value = pair.partition("=")
        env[key] = value
    data = tmp / "data"
    t0 = time.monotonic()
    users = await asyncio.to_thread(connseed.accounts, data, env, args.users + 1)
    members, sender = users[:-1], users[-1]
    log(f"{len(users)} accounts in {time.monotonic() - t0:.1f} s")
    port = free_port()
    argv = [SHOMIK, "serve", "--port", str(port), "--data-dir", str(data)]
    server = Server("shomik", argv, env, port, tmp / "shomik.log")
    server.start(args.server_core, args.nice)
    try:
        t0 = time.monotonic()
        await connseed.groups(server.url, members, args.group_size, sender, args.storm_clients)
        log(f"groups in {time.monotonic() - t0:.1f} s")
    finally:
        server.stop()
    plan = tmp / "plan.json"
    plan.write_text(json.dumps({"host": "127.0.0.1", "port": port, "clients": members}))
    storm_chats = sorted({int(m["chatId"]) for m in members[: args.storm_clients]})
    modes = {"both": [False, True], "on": [True], "off": [False]}[args.deflate]
    for deflate in modes if args.counts else []:
        server.start(args.server_core, args.nice)
        try:
            results["idle"].append(await idle(args, server, plan, deflate))
        finally:
            server.stop()
    for deflate in modes if not args.skip_storm else []:
        server.start(args.server_core, args.nice)
        try:
            result = await storm(args, server, plan, sender, storm_chats, deflate)
            results["storm"].append(result)
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = dt.datetime.now().astimezone()
    results: dict[str, Any] = run_record(
        "benchmarks.connections", argv, args, started, idle=[], storm=[]
    )
    if args.client_core is not None:
        os.sched_setaffinity(0, {args.client_core})  # the runner holds the storm's sender
    import uvloop

    with tempfile.TemporaryDirectory(prefix="shomik-conn-") as tmp:
        uvloop.run(amain(args, Path(tmp), results))
    results["machine"]["loadavgAfter"] = Path("/proc/loadavg").read_text().split()[:3]
    results["seconds"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = args.out or RESULTS / f"connections-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
