"""The load generator: a process of its own that drives one server and prints one JSON line.

    python -m benchmarks.loadgen --plan PLAN.json --mode load --server-pid PID [...]
    python -m benchmarks.loadgen --plan PLAN.json --mode pair [...]

The plan (written by `benchmarks.run`) names the server and, per client, its token and its
group chat. `--mode load` opens every client, measures the server's idle memory per
connection, then sends `message:send` at a set aggregate rate (round robin over the clients,
so every group gets its share) for a warm-up and a measured window. Every message carries
its send time (`t<perf_counter_ns>`) in its content, so each receiver measures send->receive
latency. Without `--rates`, steps are repeated at rising rates (benchmarks/ratesearch.py) to
find the highest rate that still meets the latency limit with every message delivered.
`--mode pair` is the two-user ping: one sender, one receiver, one message at a time.

Bounded: every step has a fixed duration, every drain and connect a timeout, the search a
step count; the process ends by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.meter import (
    Counters,
    Meter,
    ms,
    percentile,
    proc_cpu_seconds,
    proc_rss_kib,
    proc_wait_seconds,
)
from benchmarks.ratesearch import SearchPlan, search
from benchmarks.wsclient import RawWsClient, connect

PAD = "lorem ipsum dolor sit amet, consectetur adipiscing"  # a short chat line's worth


def log(*parts: object) -> None:
    print("[loadgen]", *parts, file=sys.stderr, flush=True)


class LoadGen:
    def __init__(self, args: argparse.Namespace, plan: dict[str, Any]) -> None:
        self.args = args
        self.plan = plan
        self.meter = Meter()
        self.clients: list[RawWsClient] = []
        self._counter = 0  # messages sent by this process: refs and clientIds
        self._rr = 0  # round-robin position in the sending order
        self._run = os.urandom(3).hex()
        self.members: dict[int, int] = {}  # chat id -> connected members
        self.owed = 0  # deliveries owed for every message sent so far

    # -- connections -------------------------------------------------------------------

    async def open_clients(self, specs: list[dict[str, Any]]) -> list[RawWsClient]:
        host, port = self.plan["host"], int(self.plan["port"])
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise SystemExit("the load generator only talks to loopback addresses")
        limit = asyncio.Semaphore(self.args.connect_concurrency)
        timeout = self.args.connect_timeout

        async def one(index: int, spec: dict[str, Any]) -> RawWsClient:
            async with limit:
                # A plan for several processes names each client's own port.
                at = int(spec.get("port", port))
                client = await connect(
                    host, at, "/ws", index, self.meter.on_text, self.args.deflate, timeout
                )
                client.chat_id = int(spec["chatId"])
                client.send_text(orjson.dumps({"type": "auth", "token": spec["token"]}))
                deadline = time.monotonic() + timeout
                while not client.ready:
                    if time.monotonic() > deadline or client.closed.done():
                        raise RuntimeError(
                            f"client {index} got no ready (code {client.close_code})"
                        )
                    await asyncio.sleep(0.005)
                return client

        return list(await asyncio.gather(*(one(i, s) for i, s in enumerate(specs))))

    def disconnected(self) -> int:
        return sum(1 for c in self.clients if not c.is_open)

    def close_all(self) -> None:
        for client in self.clients:
            client.close()

    # -- sending ---------------------------------------------------------------------

    def send_one(self, client: RawWsClient) -> None:
        self._counter += 1
        self.owed += self.members[client.chat_id]
        now = time.perf_counter_ns()
        frame = {
            "type": "message:send",
            "ref": f"r{self._counter}",
            "data": {
                "chatId": client.chat_id,
                "content": f"t{now} {PAD}",
                "clientId": f"b{self._run}.{self._counter}",
            },
        }
        client.send_text(orjson.dumps(frame))

    async def drive(
        self, rate: float, seconds: float, order: list[RawWsClient]
    ) -> tuple[int, float]:
        """Send at `rate` msgs/s for `seconds`; returns (sent, worst tick gap in seconds)."""
        tick = self.args.tick
        start = time.perf_counter()
        end = start + seconds
        sent = 0
        worst_gap = 0.0
        last = start
        n = len(order)
        while True:
            now = time.perf_counter()
            worst_gap = max(worst_gap, now - last)
            last = now
            if now >= end:
                break
            due = int((now - start) * rate) + 1 - sent
            for _ in range(due):
                self.send_one(order[self._rr % n])
                self._rr += 1
                sent += 1
            await asyncio.sleep(tick)
        return sent, worst_gap

    async def drain(self, expected_deliveries: int, expected_acks: int) -> tuple[bool, float]:
        """Wait until every attributed message arrived, or nothing arrived for a while."""
        meter = self.meter
        start = time.monotonic()
        deadline = start + self.args.drain_timeout
        last_progress = start
        last_seen = -1
        while time.monotonic() < deadline:
            if (
                meter.window_deliveries >= expected_deliveries
                and meter.window_acks >= expected_acks
            ):
                return True, time.monotonic() - start
            seen = meter.window_deliveries + meter.window_acks
            if seen != last_seen:
                last_seen, last_progress = seen, time.monotonic()
            elif time.monotonic() - last_progress > self.args.stall_timeout:
                break
            await asyncio.sleep(0.02)
        return False, time.monotonic() - start

    async def step(self, rate: float, order: list[RawWsClient]) -> dict[str, Any]:
        args = self.args
        meter = self.meter
        pid = args.server_pid
        meter.window_from = math.inf
        # No collector pauses in the measuring process during a step; it collects between.
        gc.collect()
        gc.disable()
        await self.drive(rate, args.warmup, order)
        # The measured window.
        window_start = time.perf_counter_ns()
        meter.begin_window(window_start)
        owed_before = self.owed
        deliveries_before = meter.deliveries
        server_before = Counters.read(*pid)
        own_wait_before = proc_wait_seconds(os.getpid())
        own_before = time.process_time()
        wall_before = time.perf_counter()
        sent, worst_gap = await self.drive(rate, args.duration, order)
        wall = time.perf_counter() - wall_before
        server = Counters.read(*pid).since(server_before)
        cpu, wait, runtime = server.cpu, server.wait, server.runtime
        own = time.process_time() - own_before
        own_wait = proc_wait_seconds(os.getpid()) - own_wait_before
        received_in_window = meter.deliveries - deliveries_before
        expected = self.owed - owed_before
        drained, drain_seconds = await self.drain(expected, sent)
        gc.enable()
        lat = sorted(meter.latencies)
        ack = sorted(meter.ack_latencies)
        p99 = percentile(lat, 0.99)
        ratio = meter.window_deliveries / expected if expected else math.nan
        result = {
            "rate": round(rate, 1),
            "sent": sent,
            "sendRate": round(sent / wall, 1),
            "expectedDeliveries": expected,
            "deliveries": meter.window_deliveries,
            "deliveryRatio": round(ratio, 5),
            "deliveredPerSec": round(received_in_window / wall, 1),
            "latencyP50Ms": ms(percentile(lat, 0.50)),
            "latencyP90Ms": ms(percentile(lat, 0.90)),
            "latencyP99Ms": ms(p99),
            "latencyMaxMs": ms(lat[-1]) if lat else math.nan,
            "ackP50Ms": ms(percentile(ack, 0.50)),
            "ackP99Ms": ms(percentile(ack, 0.99)),
            "serverCpuSeconds": round(cpu, 3),
            "serverCpuShare": round(cpu / wall, 3),
            "serverCpuUsPerDelivery": round(cpu / received_in_window * 1e6, 2)
            if received_in_window
            else math.nan,
            "serverRuntimeUsPerDelivery": round(runtime / received_in_window * 1e6, 2)
            if received_in_window
            else math.nan,
            "serverWaitShare": round(wait / wall, 3),
            "serverKernelShare": round(server.kernel / wall, 3),
            "serverWakeupsPerSend": round(server.wakeups / sent, 2) if sent else math.nan,
            "serverPreemptedPerSend": round(server.preempted / sent, 2) if sent else math.nan,
            "serverSyscallsPerSend": round(server.syscalls / sent, 2) if sent else math.nan,
            "loadgenCpuShare": round(own / wall, 3),
            "loadgenWaitShare": round(own_wait / wall, 3),
            "loadgenWorstTickGapMs": round(worst_gap * 1000, 2),
            "drained": drained,
            "drainSeconds": round(drain_seconds, 2),
            "errors": meter.errors,
            "errorSamples": list(meter.error_samples),
            "disconnected": self.disconnected(),
        }
        result["ok"] = bool(
            drained
            and p99 <= args.p99_ms * 1e6
            and ratio >= args.min_ratio
            and sent >= 0.97 * rate * args.duration
            and meter.errors == 0
            and result["disconnected"] == 0
        )
        meter.window_from = math.inf
        r = result
        log(
            f"rate {rate:8.1f}/s  delivered {r['deliveredPerSec']:9.1f}/s  "
            f"p50 {r['latencyP50Ms']:7.2f} ms  p99 {r['latencyP99Ms']:8.2f} ms  "
            f"ratio {r['deliveryRatio']:.4f}  server cpu {r['serverCpuShare']:.2f} "
            f"(kernel {r['serverKernelShare']:.2f}, waiting {r['serverWaitShare']:.2f}; per "
            f"send {r['serverWakeupsPerSend']:.1f} wake-ups, {r['serverPreemptedPerSend']:.1f} "
            f"preempted, {r['serverSyscallsPerSend']:.0f} syscalls)  "
            f"loadgen cpu {r['loadgenCpuShare']:.2f} "
            f"(waiting {r['loadgenWaitShare']:.2f})  {'ok' if r['ok'] else 'FAIL'}"
        )
        for sample in meter.error_samples:
            log(f"  error frame: {sample}")
        meter.error_samples.clear()
        # Let the server settle (a failed step may have left a backlog) before the next one.
        await asyncio.sleep(args.pause)
        return result

    # -- modes ---------------------------------------------------------------------------

    async def run_load(self) -> dict[str, Any]:
        args = self.args
        specs = self.plan["clients"]
        members = self.members
        for spec in specs:
            members[int(spec["chatId"])] = members.get(int(spec["chatId"]), 0) + 1
        pid = args.server_pid
        rss_before = proc_rss_kib(*pid) if pid else 0
        t0 = time.perf_counter()
        self.clients = await self.open_clients(specs)
        connect_seconds = time.perf_counter() - t0
        log(f"{len(self.clients)} clients ready in {connect_seconds:.1f} s")
        gc.collect()
        gc.freeze()  # the clients live to the end: keep them out of every collection
        await asyncio.sleep(args.settle)
        rss_after = proc_rss_kib(*pid) if pid else 0
        idle_cpu_before = proc_cpu_seconds(*pid) if pid else math.nan
        await asyncio.sleep(1.0)
        idle_cpu = (proc_cpu_seconds(*pid) - idle_cpu_before) if pid else math.nan
        order = list(self.clients)
        random.Random(1).shuffle(order)
        steps: list[dict[str, Any]] = []
        if args.rates:
            for rate in args.rates:
                steps.append(await self.step(rate, order))
        else:
            steps = await self.search(order)
        passing = [s for s in steps if s["ok"]]
        best = max(passing, key=lambda s: s["deliveredPerSec"]) if passing else None
        peak = max(steps, key=lambda s: s["deliveredPerSec"]) if steps else None
        self.close_all()
        await asyncio.sleep(0.2)
        return {
            "mode": "load",
            "clients": len(self.clients),
            "groups": len(members),
            "groupSize": max(members.values()) if members else 0,
            "deflate": args.deflate,
            "connectSeconds": round(connect_seconds, 2),
            "rssBeforeKiB": rss_before,
            "rssAfterKiB": rss_after,
            "idleKiBPerConnection": round((rss_after - rss_before) / len(self.clients), 2)
            if self.clients and pid
            else math.nan,
            "idleServerCpuShare": round(idle_cpu, 3),
            "steps": steps,
            "best": best,
            "peak": peak,
        }

    async def search(self, order: list[RawWsClient]) -> list[dict[str, Any]]:
        a = self.args
        plan = SearchPlan(a.start_rate, a.max_rate, a.max_steps, a.refine, a.confirm, a.saturate)
        return await search(plan, lambda rate: self.step(rate, order), self.disconnected)

    async def run_pair(self) -> dict[str, Any]:
        args = self.args
        self.clients = await self.open_clients(self.plan["pair"])
        sender, receiver = self.clients
        self.meter.pair_receiver = receiver.index
        loop = asyncio.get_running_loop()
        latencies: list[int] = []
        timeouts = 0
        await asyncio.sleep(0.5)
        gc.collect()
        gc.disable()  # bounded: a few hundred messages
        for i in range(args.pair_warmup + args.pair_count):
            self._counter += 1
            sent = time.perf_counter_ns()
            fut: asyncio.Future[int] = loop.create_future()
            self.meter.pair_waiting[sent] = fut
            frame = {
                "type": "message:send",
                "ref": f"p{self._counter}",
                "data": {
                    "chatId": sender.chat_id,
                    "content": f"t{sent} {PAD}",
                    "clientId": f"p{self._run}.{self._counter}",
                },
            }
            sender.send_text(orjson.dumps(frame))
            try:
                received = await asyncio.wait_for(fut, 5.0)
            except TimeoutError:
                timeouts += 1
                self.meter.pair_waiting.pop(sent, None)
                continue
            if i >= args.pair_warmup:
                latencies.append(received - sent)
            await asyncio.sleep(args.pair_gap)
        gc.enable()
        self.close_all()
        await asyncio.sleep(0.2)
        lat = sorted(latencies)
        return {
            "mode": "pair",
            "deflate": args.deflate,
            "count": len(lat),
            "timeouts": timeouts,
            "errors": self.meter.errors,
            "latencyP50Ms": ms(percentile(lat, 0.5)),
            "latencyP90Ms": ms(percentile(lat, 0.9)),
            "latencyP99Ms": ms(percentile(lat, 0.99)),
            "latencyMinMs": ms(lat[0]) if lat else math.nan,
            "latencyMeanMs": ms(sum(lat) / len(lat)) if lat else math.nan,
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    p.add_argument("--plan", type=Path, required=True)
    p.add_argument("--mode", choices=("load", "pair"), default="load")
    p.add_argument(
        "--server-pid",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[],
        help="for CPU and RSS readings: comma separated pids, summed (several processes)",
    )
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate")
    p.add_argument(
        "--rates",
        type=lambda s: [float(x) for x in s.split(",") if x],
        default=None,
        help="fixed aggregate send rates (msgs/s), comma separated; default: --search",
    )
    p.add_argument("--start-rate", type=float, default=50.0)
    p.add_argument("--max-rate", type=float, default=20000.0)
    p.add_argument("--max-steps", type=int, default=12)
    p.add_argument("--refine", type=int, default=3, help="bisection steps after a failure")
    p.add_argument(
        "--confirm", type=int, default=1, help="repeats of a failed step before its rate fails"
    )
    p.add_argument(
        "--saturate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="end the search with one step at 125%% of the estimated CPU-bound capacity",
    )
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--pause", type=float, default=1.0)
    p.add_argument("--settle", type=float, default=2.0, help="idle seconds before reading RSS")
    p.add_argument("--drain-timeout", type=float, default=30.0)
    p.add_argument("--stall-timeout", type=float, default=3.0)
    p.add_argument("--p99-ms", type=float, default=50.0)
    p.add_argument("--min-ratio", type=float, default=0.999)
    p.add_argument("--tick", type=float, default=0.002)
    p.add_argument("--connect-concurrency", type=int, default=50)
    p.add_argument("--connect-timeout", type=float, default=30.0)
    p.add_argument("--pair-count", type=int, default=300)
    p.add_argument("--pair-warmup", type=int, default=30)
    p.add_argument("--pair-gap", type=float, default=0.01)
    return p.parse_args(argv)


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    plan = json.loads(args.plan.read_text())
    gen = LoadGen(args, plan)
    if args.mode == "pair":
        return await gen.run_pair()
    return await gen.run_load()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        result = uvloop.run(amain(args))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        result = asyncio.run(amain(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
