"""The benchmark runner: shomik against the bare in-memory ceiling, in one run.

    python -m benchmarks.run                # 500 clients, groups of 50, rate search
    python -m benchmarks.run --quick        # a small smoke run (about 1.5 minutes)
    python -m benchmarks.run --rate 200     # one fixed aggregate rate instead of the search
    python -m benchmarks.run --deflate      # clients offer permessage-deflate, as browsers do
    python -m benchmarks.run --database sqlite,postgres      # the same run on both engines
    python -m benchmarks.run --database postgres --processes 2 --servers shomik --rate 200,400
                                            # one process against two on Redis, same rates
    python -m benchmarks.run --database postgres --processes 2 --cluster-of-one --rate 200
                                            # and one process on Redis: the cluster's own cost
    python -m benchmarks.run --database postgres --processes 2 --spread --rate 100,200
                                            # the two processes on a core each, as deployed

What it does:

1. starts `shomik serve` on a fresh SQLite data dir (rate limits off, access log off,
   cheap argon2: registering the users is set-up, not the thing measured), registers
   `--clients` users plus two, creates `clients / group-size` groups and one private chat;
2. for each server (shomik, then `benchmarks.bare_server` with the same users and chat
   ids), pinned to core 0 while the load generator (`benchmarks.loadgen`, its own process)
   is pinned to core 1:
   * the two-user send->receive latency (one sender, one receiver, one message at a time);
   * the idle memory per connection (server RSS before and after connecting every client);
   * delivered messages/s, send->receive p50/p99, server CPU per delivery, at each rate of
     the search (doubling, then bisecting the first failing rate), a step passing if
     p99 <= --p99-ms and every message reached every member;
3. prints a markdown table with shomik/bare ratios and writes the JSON to
   benchmarks/results/ (gitignored).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.report import rounds_table, run_record, source_version, steps_table, table
from benchmarks.run_support import (
    PASSWORD,
    PYTHON,
    RESULTS,
    ROOT,
    Server,
    free_port,
    log,
    pinned,
    running,
)
from benchmarks.servers import shomik_servers

# -- set-up: users and chats on the real server --------------------------------------------


async def setup_real(url: str, clients: int, group_size: int) -> dict[str, Any]:
    """Register the users, create the groups and the pair's private chat; returns the ids,
    tokens and chats from which both plans are written."""
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        gate = asyncio.Semaphore(16)

        async def register(i: int) -> dict[str, Any]:
            name = f"bench{i}"
            async with gate:
                r = await http.post(
                    "/api/auth/register",
                    json={"username": name, "password": PASSWORD, "displayName": f"Bench {i}"},
                )
            r.raise_for_status()
            body = r.json()
            return {"userId": int(body["user"]["id"]), "token": str(body["access_token"])}

        users = list(await asyncio.gather(*(register(i) for i in range(clients + 2))))
        members, pair = users[:clients], users[clients:]

        async def create(owner: dict[str, Any], body: dict[str, Any]) -> int:
            async with gate:
                r = await http.post(
                    "/api/chats", json=body, headers={"Authorization": f"Bearer {owner['token']}"}
                )
            r.raise_for_status()
            return int(r.json()["id"])

        groups = [members[i : i + group_size] for i in range(0, clients, group_size)]
        chat_ids = await asyncio.gather(
            *(
                create(
                    group[0],
                    {
                        "type": "group",
                        "name": f"bench group {n}",
                        "participantIds": [m["userId"] for m in group[1:]],
                    },
                )
                for n, group in enumerate(groups)
            )
        )
        for group, chat_id in zip(groups, chat_ids, strict=True):
            for member in group:
                member["chatId"] = chat_id
        pair_chat = await create(pair[0], {"type": "private", "userId": pair[1]["userId"]})
        for member in pair:
            member["chatId"] = pair_chat
    return {"clients": members, "pair": pair}


def write_plan(
    path: Path, port: int, setup: dict[str, Any], bare: bool, ports: list[int] | None = None
) -> None:
    """`ports`: several processes; clients are spread over them in turn."""

    def spec(m: dict[str, Any], i: int = 0) -> dict[str, Any]:
        token = f"u{m['userId']}:c{m['chatId']}" if bare else m["token"]
        at = ports[i % len(ports)] if ports else port
        return {"userId": m["userId"], "chatId": m["chatId"], "token": token, "port": at}

    plan = {
        "host": "127.0.0.1",
        "port": port,
        "clients": [spec(m, i) for i, m in enumerate(setup["clients"])],
        "pair": [spec(m) for m in setup["pair"]],
    }
    path.write_text(json.dumps(plan))


# -- the load generator --------------------------------------------------------------------


def loadgen(args: argparse.Namespace, plan: Path, extra: list[str], timeout: float) -> Any:
    argv = [PYTHON, "-m", "benchmarks.loadgen", "--plan", str(plan), *extra]
    if args.deflate:
        argv.append("--deflate")
    proc = subprocess.run(
        argv,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=None,  # its progress lines go straight to our stderr
        timeout=timeout,
        preexec_fn=pinned(args.loadgen_core, args.nice),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed with {proc.returncode}")
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def measure(
    args: argparse.Namespace,
    server: Server,
    plan: Path,
    pids: list[int] | None = None,
    pair: bool = True,
) -> dict[str, Any]:
    two: dict[str, Any] | None = None
    if pair:
        log(f"{server.name}: two-user latency")
        two = loadgen(
            args,
            plan,
            ["--mode", "pair", "--pair-count", str(args.pair_count)],
            timeout=300,
        )
        log(
            f"{server.name}: pair p50 {two['latencyP50Ms']} ms p99 {two['latencyP99Ms']} ms; "
            f"{args.clients} clients"
        )
    extra = [
        "--mode",
        "load",
        "--server-pid",
        ",".join(str(p) for p in (pids or [server.pid])),
        "--warmup",
        str(args.warmup),
        "--duration",
        str(args.duration),
        "--p99-ms",
        str(args.p99_ms),
        "--start-rate",
        str(args.start_rate),
        "--max-steps",
        str(args.max_steps),
        "--refine",
        str(args.refine),
        "--confirm",
        str(args.confirm),
    ]
    if args.rate:
        extra += ["--rates", ",".join(str(r) for r in args.rate)]
    tries = args.confirm + 1
    steps = len(args.rate) if args.rate else (args.max_steps + args.refine) * tries + 1
    budget = 120 + steps * (args.warmup + args.duration + 30 + 5)
    load = loadgen(args, plan, extra, timeout=budget)
    return {"pair": two, "load": load}


@dataclass
class Prepared:
    """A configuration of shomik, up and set up: its name, what to measure, its users."""

    name: str
    target: tuple[Server, Path, list[int]]
    made: dict[str, Any]


def _prepare(
    stack: contextlib.ExitStack,
    tmp: Path,
    engine: str,
    count: int,
    args: argparse.Namespace,
    redis: bool = False,
) -> Prepared:
    name = "shomik" if engine == "sqlite" else f"shomik-{engine}"
    name += f"-x{count}" if count > 1 else "-redis" if redis else ""
    servers, pids = stack.enter_context(shomik_servers(tmp / name, engine, count, args, redis))
    log(f"{name} on :{servers[0].port}: registering {args.clients + 2} users")
    t0 = time.monotonic()
    made = asyncio.run(setup_real(servers[0].url, args.clients, args.group_size))
    log(f"set-up done in {time.monotonic() - t0:.1f} s")
    plan = tmp / f"plan-{name}.json"
    write_plan(plan, servers[0].port, made, False, [s.port for s in servers])
    return Prepared(name, (servers[0], plan, pids), made)


# -- reporting -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--group-size", type=int, default=50)
    p.add_argument(
        "--rate",
        type=lambda s: [float(x) for x in s.split(",") if x],
        default=None,
        help="fixed aggregate send rate(s) in msgs/s, comma separated (default: search)",
    )
    p.add_argument("--start-rate", type=float, default=50.0, help="first rate of the search")
    p.add_argument("--max-steps", type=int, default=10)
    p.add_argument("--refine", type=int, default=3)
    p.add_argument(
        "--confirm",
        type=int,
        default=1,
        help="a failed step is run this many times more before its rate counts as failed",
    )
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per step")
    p.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per step")
    p.add_argument("--p99-ms", type=float, default=50.0)
    p.add_argument("--pair-count", type=int, default=300)
    p.add_argument("--deflate", action="store_true", help="clients offer permessage-deflate")
    p.add_argument(
        "--servers", default="shomik,bare", help="which servers, in order (shomik, bare)"
    )
    p.add_argument("--server-core", type=int, default=0)
    p.add_argument("--loadgen-core", type=int, default=1)
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of both servers and the load generator (e.g. -10 on a shared machine)",
    )
    p.add_argument(
        "--database",
        default="sqlite",
        help="engines to run shomik on, comma separated: sqlite, postgres (this machine's, "
        "a database of the run's own)",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        help="N > 1: also run shomik as N processes on PostgreSQL and a Redis of the run's "
        "own, clients spread over them; CPU is summed over them and Redis",
    )
    p.add_argument(
        "--spread",
        action="store_true",
        help="with --processes: process i on the i-th usable core from --server-core (one "
        "process per core, as deployed), not all on one; Redis stays on the server core",
    )
    p.add_argument(
        "--cluster-of-one",
        action="store_true",
        help="also run one shomik process on PostgreSQL and a Redis of the run's own: what "
        "the cluster's machinery costs apart from splitting the load",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="N > 1 (with --rate): every shomik configuration up at once, measured in "
        "turn N times; medians per rate",
    )
    p.add_argument("--quick", action="store_true", help="a small smoke run")
    p.add_argument("--out", type=Path, default=None, help="JSON file (default: results/)")
    args = p.parse_args(argv)
    if args.quick:
        args.clients, args.group_size = min(args.clients, 100), min(args.group_size, 25)
        args.duration, args.warmup = 2.0, 1.0
        # Eight doublings from 50 reach 6,400 msgs/s: past bare's ceiling even here.
        args.max_steps, args.refine, args.pair_count = 8, 1, 50
    if args.rounds > 1 and not args.rate:
        p.error("--rounds needs --rate: rounds compare fixed rates")
    if args.clients % args.group_size:
        p.error("--clients must be a multiple of --group-size")
    cores = os.sched_getaffinity(0)
    if args.server_core not in cores or args.loadgen_core not in cores:
        log("fewer than two usable cores: not pinning")
        args.server_core = args.loadgen_core = None
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = dt.datetime.now().astimezone()
    results: dict[str, Any] = run_record("benchmarks.run", argv, args, started, servers={})
    wanted = [s.strip() for s in args.servers.split(",") if s.strip()]
    engines = [e.strip() for e in args.database.split(",") if e.strip()]
    setup: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="shomik-bench-") as tmp_name:
        tmp = Path(tmp_name)
        runs = [(engine, 1, False) for engine in engines]
        if args.cluster_of_one:
            runs.append(("postgres", 1, True))
        if args.processes > 1:
            runs.append(("postgres", args.processes, True))
        if args.rounds == 1:
            for engine, count, redis in runs:
                with contextlib.ExitStack() as stack:
                    prepared = _prepare(stack, tmp, engine, count, args, redis)
                    setup = setup or prepared.made
                    if "shomik" in wanted:
                        results["servers"][prepared.name] = measure(args, *prepared.target)
        else:
            # Every configuration up at once, measured in turn, round after round: what
            # the machine does meanwhile lands on all of them alike (docs/benchmarks.md).
            with contextlib.ExitStack() as stack:
                all_prepared = [_prepare(stack, tmp, e, n, args, r) for e, n, r in runs]
                setup = all_prepared[0].made
                for round_ in range(args.rounds):
                    for prepared in all_prepared:
                        if "shomik" not in wanted:
                            continue
                        log(f"round {round_ + 1} of {args.rounds}: {prepared.name}")
                        done = measure(args, *prepared.target, pair=round_ == 0)
                        results["servers"].setdefault(prepared.name, done)
                        results.setdefault("rounds", {}).setdefault(prepared.name, [])
                        results["rounds"][prepared.name].append(done["load"])
        if "bare" in wanted and setup is not None:
            port = free_port()
            bare = Server(
                "bare",
                [PYTHON, "-m", "benchmarks.bare_server", "--port", str(port)],
                {**os.environ, "PYTHONPATH": str(ROOT)},
                port,
                tmp / "bare.log",
            )
            write_plan(tmp / "plan-bare.json", port, setup, bare=True)
            with running(bare, args.server_core, args.nice):
                results["servers"]["bare"] = measure(args, bare, tmp / "plan-bare.json")
    results["machine"]["loadavgAfter"] = Path("/proc/loadavg").read_text().split()[:3]
    after = source_version()
    if after != results["source"]:
        log(f"the source changed during the run: {results['source']} -> {after}")
        results["sourceAfter"] = after
    results["seconds"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = args.out or RESULTS / f"{started:%Y%m%d-%H%M%S}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    print(
        f"\n{results['date']}  {m['nproc']} x {m['cpu']}, {m['memGiB']} GiB, Python {m['python']}"
    )
    src = results["source"]
    print(f"commit {src['commit']}{' + uncommitted changes in src/' if src['srcModified'] else ''}")
    print(
        f"{args.clients} clients in groups of {args.group_size}, p99 limit {args.p99_ms} ms, "
        f"deflate {'on' if args.deflate else 'off'}, {args.duration} s per step\n"
    )
    print(table(results))
    if "rounds" in results:
        print()
        print(rounds_table(results))
    print()
    for name, side in results["servers"].items():
        print(steps_table(name, side["load"]))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
