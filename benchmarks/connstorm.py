"""The reconnect storm of `benchmarks.connections` (see its docstring): the sender, the
drop, the reconnect at one instant, and the check that nothing was lost or doubled."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.connworker import Workers, total
from benchmarks.meter import ACK, MESSAGE_NEW, READY, proc_cpu_seconds
from benchmarks.run_support import Server
from benchmarks.wsclient import RawWsClient, connect

METRICS_TOKEN = "benchmark-metrics-token-0123456789"  # a throwaway server's


def log(*parts: object) -> None:
    print("[connections]", *parts, file=sys.stderr, flush=True)


class Sender:
    """The member of every storm group who writes while the others are away. Its acks (each
    the stored message, id and chat) are the record of what each group should receive."""

    def __init__(self, spec: dict[str, Any], chats: list[int]) -> None:
        self.spec = spec
        self.chats = chats
        self.client: RawWsClient | None = None
        self.acked_ids: dict[int, list[int]] = defaultdict(list)  # chat -> message ids
        self.record_from = 1 << 62  # acks of refs from this number on are recorded
        self.sent = 0
        self.acks = 0
        self._n = 0
        self._run = os.urandom(4).hex()
        self._ready = asyncio.Event()
        self._all_acked = asyncio.Event()

    def on_text(self, client: RawWsClient, payload: bytes, _now: int) -> None:
        if payload.startswith(MESSAGE_NEW):
            return
        if payload.startswith(ACK):
            frame = orjson.loads(payload)
            if int(frame["ref"].removeprefix("s")) >= self.record_from:
                self.acked_ids[int(frame["data"]["chatId"])].append(int(frame["data"]["id"]))
            self.acks += 1
            if self.acks >= self.sent:
                self._all_acked.set()
        elif payload.startswith(READY):
            client.ready = True
            self._ready.set()

    async def open(self, port: int) -> None:
        self.client = await connect("127.0.0.1", port, "/ws", -1, self.on_text)
        self.client.send_text(orjson.dumps({"type": "auth", "token": self.spec["token"]}))
        await asyncio.wait_for(self._ready.wait(), 30)

    def send(self, chat_id: int) -> None:
        assert self.client is not None
        self._n += 1
        self.sent += 1
        self._all_acked.clear()
        # clientId makes a send idempotent: unique per sender object, so a second storm on
        # the same database is not answered with the first one's messages.
        client_id = f"{self._run}.{self._n}"
        data = {"chatId": chat_id, "content": f"storm {self._n}", "clientId": client_id}
        frame = {"type": "message:send", "ref": f"s{self._n}", "data": data}
        self.client.send_text(orjson.dumps(frame))

    async def acked(self) -> bool:
        """Whether every message sent so far was acknowledged (stored) within a minute."""
        if self.acks < self.sent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_acked.wait(), 60)
        return self.acks >= self.sent

    async def stream(self, rate: float, stop: asyncio.Event) -> None:
        """Round robin over the groups at `rate` msgs/s until `stop` is set."""
        if rate <= 0:
            return
        start, i = time.monotonic(), 0
        while not stop.is_set():
            due = int((time.monotonic() - start) * rate) + 1
            while i < due:
                self.send(self.chats[i % len(self.chats)])
                i += 1
            await asyncio.sleep(0.005)


async def gauge(url: str, name: str = "shomik_ws_connections") -> int:
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    for line in r.text.splitlines():
        if line.startswith(f"{name} "):
            return int(float(line.split()[1]))
    raise RuntimeError(f"no {name} in /metrics")


def listen_overflows() -> int:
    """The kernel's count of connections dropped because an accept queue was full (the
    whole machine's, /proc/net/netstat TcpExt ListenOverflows)."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()]
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names[0] == "TcpExt:" and "ListenOverflows" in names:
            return int(values[names.index("ListenOverflows")])
    return -1


async def until_idle(pid: int, limit: float = 120) -> float:
    """Wait until the server uses under 5 % of a core over half a second; returns the wait."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        before = proc_cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if proc_cpu_seconds(pid) - before < 0.025:
            break
    return time.monotonic() - t0


async def storm(
    args: argparse.Namespace,
    server: Server,
    plan: Path,
    sender_spec: dict[str, Any],
    chats: list[int],
    deflate: bool,
) -> dict[str, Any]:
    count = args.storm_clients
    sender = Sender(sender_spec, chats)
    await sender.open(server.port)
    workers = Workers(args, plan)
    await workers.start()
    try:
        replies = await workers.ask({"cmd": "connect", "upto": count, "deflate": deflate})
        log(f"storm: {total(replies, 'opened')} connected ({total(replies, 'failed')} failed)")
        await asyncio.sleep(args.settle)
        # Everyone's `since` moves past the set-up, and the path is warm.
        for chat in chats:
            sender.send(chat)
        await sender.acked()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if total(await workers.ask({"cmd": "counts"}), "messages") >= count:
                break
            await asyncio.sleep(0.2)
        await until_idle(server.pid)
        # The drop.
        t0 = time.monotonic()
        cpu0 = proc_cpu_seconds(server.pid)
        dropped = total(await workers.ask({"cmd": "drop"}), "dropped")
        for _ in range(1200):  # at most a minute
            if await gauge(server.url) <= 1:  # the sender's
                break
            await asyncio.sleep(0.05)
        seen_gone = time.monotonic() - t0
        await until_idle(server.pid)
        drop = {
            "dropped": dropped,
            "serverSawAllGoneSeconds": round(seen_gone, 2),
            "serverIdleAgainSeconds": round(time.monotonic() - t0, 2),
            "serverCpuSeconds": round(proc_cpu_seconds(server.pid) - cpu0, 2),
        }
        log(f"storm: drop {drop}")
        # While they are away: from here on, every message sent must reach its group.
        sender.record_from = sender.sent + 1
        for _ in range(args.away):
            for chat in chats:
                sender.send(chat)
        await sender.acked()
        away_sent = args.away * len(chats)
        # All back at once.
        at = time.monotonic() + 0.5
        cpu0 = proc_cpu_seconds(server.pid)
        overflows = listen_overflows()
        stop = asyncio.Event()
        streaming = asyncio.create_task(sender.stream(args.during_rate, stop))
        command = {"cmd": "reconnect", "at": at, "spread": args.spread, "deflate": deflate}
        replies = await workers.ask(command)
        last_ready = time.monotonic()
        storm_cpu = proc_cpu_seconds(server.pid) - cpu0
        overflows = listen_overflows() - overflows
        stop.set()
        await streaming
        during_sent = sender.sent - away_sent - len(chats)
        acked = await sender.acked()
        ready = sorted(t for r in replies for t in r["readySeconds"])
        # Replays and live events still on their way: poll the check until nothing is missing.
        expected = {str(chat): ids for chat, ids in sender.acked_ids.items()}
        check: dict[str, Any] = {}
        deadline = time.monotonic() + args.catchup_timeout
        while time.monotonic() < deadline:
            checks = await workers.ask({"cmd": "check", "expected": expected})
            check = {k: total(checks, k) for k in checks[0] if k != "samples"}
            check["samples"] = [s for c in checks for s in c["samples"]][:5]
            if check["missing"] == check["missingOnClosed"]:  # the open ones have it all
                break
            await asyncio.sleep(0.5)
        caught_up = time.monotonic() - at
        counts = await workers.ask({"cmd": "counts"})
        result = {
            "deflate": deflate,
            "clients": count,
            "groups": len(chats),
            "drop": drop,
            "awayMessages": away_sent,
            "duringMessages": during_sent,
            "senderAllAcked": acked,
            "senderClosed": sender.client is None or not sender.client.is_open,
            "spreadSeconds": args.spread,
            "ready": len(ready),
            "gaveUp": total(replies, "gaveUp"),
            "retried": total(replies, "retried"),
            "maxAttempts": max(int(r["maxAttempts"]) for r in replies),
            "firstReadySeconds": ready[0] if ready else None,
            "readyP50Seconds": ready[len(ready) // 2] if ready else None,
            "readyP99Seconds": ready[int((len(ready) - 1) * 0.99)] if ready else None,
            "lastReadySeconds": ready[-1] if ready else None,
            "serverCpuSecondsUntilLastReady": round(storm_cpu, 2),
            "listenOverflows": overflows,
            "wallSecondsUntilLastReady": round(last_ready - at, 2),
            "caughtUpSeconds": round(caught_up, 2),
            "check": check,
            # Sockets still open at the check: one the server closed (a 4008 for a full
            # queue) is not reopened here, so what it would have replayed counts missing.
            "openAtCheck": total(counts, "open"),
            "errors": [e for c in counts for e in c["errors"]][:5],
        }
        log(f"storm: {result}")
        await workers.ask({"cmd": "close"})
        return result
    finally:
        await workers.stop()
        if sender.client is not None:
            sender.client.close()
