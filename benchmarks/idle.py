"""What idle servers cost: CPU and wake-ups a second of `shomik serve` with nothing to do.

    python -m benchmarks.idle                          # one process on PostgreSQL
    python -m benchmarks.idle --processes 2 --redis    # two processes on a Redis of their own
    python -m benchmarks.idle --database sqlite --seconds 60

The servers start as benchmarks.run starts them (benchmarks/servers.py), settle for
`--settle` seconds, and are read over `--seconds` (benchmarks/meter.py `Counters`): per
process, CPU time (utime + stime, 10 ms ticks), time on a CPU from the scheduler's clock
(schedstat, finer), and timeslices run (wake-ups); Redis's the same. Every wake-up of an
idle process is one of its timers: uvicorn's main loop, the session and deactivation
watches, the epoch's high-water mark, and on a cluster presence, the calls leader, the bus's
peers and its log-head check.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks import servers
from benchmarks.meter import Counters
from benchmarks.run_support import log


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgres", choices=("postgres", "sqlite"))
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--redis", action="store_true", help="on a Redis (a cluster, even of one)")
    parser.add_argument("--settle", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--server-core", type=int, default=None)
    parser.add_argument("--nice", type=int, default=0)
    args = parser.parse_args(argv)
    workdir = Path(f"/tmp/shomik-idle-{time.strftime('%Y%m%d-%H%M%S')}")
    redis = args.redis or args.processes > 1
    with servers.shomik_servers(workdir, args.database, args.processes, args, redis) as (_, pids):
        time.sleep(args.settle)
        before = [Counters.read(pid) for pid in pids]
        time.sleep(args.seconds)
        after = [Counters.read(pid) for pid in pids]
    # shomik_servers lists Redis's pid first when there is one.
    names = (["redis"] if redis else []) + [f"shomik[{i}]" for i in range(args.processes)]
    print(
        f"{args.database}, {args.processes} process(es){' on Redis' if redis else ''}, "
        f"{args.seconds:.0f} s after {args.settle:.0f} s:"
    )
    print("| process | CPU ms/s (ticks) | on CPU ms/s (schedstat) | wake-ups/s |")
    print("|---|---:|---:|---:|")
    for name, b, a in zip(names, before, after, strict=True):
        d = a.since(b)
        rate = 1000 / args.seconds
        print(
            f"| {name} | {d.cpu * rate:.2f} | {d.runtime * rate:.2f} | "
            f"{d.wakeups / args.seconds:.1f} |"
        )
    log(f"servers' files in {workdir}")


if __name__ == "__main__":
    main()
