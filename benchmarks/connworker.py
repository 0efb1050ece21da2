"""The client side of `benchmarks.connections`: one process holding a share of the sockets.

    python -m benchmarks.connworker --plan PLAN.json --index 0 --of 2

Worker k of W holds the plan's clients k, k + W, k + 2W, ..., so "the first N clients" of
the plan are shared evenly whatever N is.

It reads one JSON command per line on stdin and answers each with one JSON line on stdout:

* `{"cmd": "connect", "upto": N, "deflate": false}`: open those of the plan's first N
  clients it holds that are not open (auth frame without `since`, wait for `ready`), at most
  `--connect-concurrency` at a time;
* `{"cmd": "drop"}`: abort every socket (no close frame: the TCP connection just ends);
* `{"cmd": "reconnect", "at": T, "spread": S, "deflate": false}`: at `time.monotonic()` T
  (plus a uniform 0..S each), every client reconnects at once with `since` (the highest
  `seq` it saw) and `epoch`; a refused handshake is retried after the web client's backoff
  (web/src/realtime/backoff.ts); answers with each client's time to `ready`;
* `{"cmd": "check", "expected": {"<chatId>": [messageId, ...]}}`: whether every client
  received, on its resumed socket, every one of these messages of its chat exactly once,
  in `seq` order, and no other `message:new`;
* `{"cmd": "counts"}`, `{"cmd": "close"}` (a polite close of every socket), `{"cmd": "quit"}`.

Monotonic time is one clock for every process of the machine, so the runner can give every
worker the same start instant and compare the times they report.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from benchmarks.meter import MESSAGE_NEW, READY
from benchmarks.run_support import PYTHON, ROOT, pinned
from benchmarks.wsclient import RawWsClient, connect

RESYNC = b'{"type":"resync_required"'
SEQ = b'"seq":'


def backoff(attempt: int) -> float:
    """web/src/realtime/backoff.ts: 1 s doubling to 30 s, +-25 % jitter."""
    return float(min(30.0, 2.0**attempt) * (1 + 0.25 * (2 * random.random() - 1)))


@dataclass(slots=True)
class Peer:
    """One client across its sockets."""

    user_id: int
    chat_id: int
    token: str
    client: RawWsClient | None = None
    last_seq: int = 0  # the highest durable seq seen, on any socket: the next `since`
    epoch: str | None = None
    since: int | None = None  # what the current socket resumed from
    ready_at: float = 0.0  # monotonic time of the current socket's `ready`
    resync: bool = False
    attempts: int = 0
    # (seq, message id) of each message:new of its chat on the current socket
    got: list[tuple[int, int]] = field(default_factory=list)
    messages: int = 0  # message:new frames received, every socket


class Worker:
    def __init__(self, args: argparse.Namespace, specs: list[dict[str, Any]]) -> None:
        self.args = args
        plan_host, plan_port = args.host, args.port
        self.host, self.port = plan_host, plan_port
        self.peers = [Peer(int(s["userId"]), int(s["chatId"]), str(s["token"])) for s in specs]
        self.by_index: dict[int, Peer] = {}
        self._next_index = 0
        self.errors: list[str] = []

    # -- frames ------------------------------------------------------------------------

    def on_text(self, client: RawWsClient, payload: bytes, _now: int) -> None:
        peer = self.by_index.get(client.index)
        if peer is None or peer.client is not client:
            return  # a socket this worker has since given up on
        if payload.startswith(MESSAGE_NEW):
            frame = orjson.loads(payload)
            seq = int(frame["seq"])
            peer.messages += 1
            if int(frame["data"]["chatId"]) == peer.chat_id:
                peer.got.append((seq, int(frame["data"]["id"])))
            peer.last_seq = max(peer.last_seq, seq)
        elif payload.startswith(READY):
            data = orjson.loads(payload)["data"]
            peer.ready_at = time.monotonic()
            peer.epoch = data.get("epoch")  # the bare server has no epochs
            if peer.since is None:
                peer.last_seq = max(peer.last_seq, int(data.get("seq", 0)))
            client.ready = True
        elif payload.startswith(RESYNC):
            peer.resync = True
        else:
            # Any other durable event moves `since` too (ephemeral ones carry no seq).
            head = payload[:80]
            i = head.find(SEQ)
            if i >= 0:
                j = i + len(SEQ)
                k = j
                while k < len(head) and 48 <= head[k] <= 57:
                    k += 1
                if k > j:
                    peer.last_seq = max(peer.last_seq, int(head[j:k]))

    # -- opening -----------------------------------------------------------------------

    async def open_one(self, peer: Peer, deflate: bool, since: int | None) -> None:
        """One socket: handshake, auth, wait for ready. Raises on any failure."""
        index = self._next_index
        self._next_index += 1
        timeout = self.args.connect_timeout
        client = await connect(self.host, self.port, "/ws", index, self.on_text, deflate, timeout)
        self.by_index[index] = peer
        peer.client = client
        peer.since = since
        peer.got = []
        peer.resync = False
        client.chat_id = peer.chat_id
        frame: dict[str, Any] = {"type": "auth", "token": peer.token}
        if since is not None:
            frame["since"] = since
            frame["epoch"] = peer.epoch
        client.send_text(orjson.dumps(frame))
        deadline = time.monotonic() + timeout
        while not client.ready:
            if client.closed.done():
                raise RuntimeError(f"closed before ready (code {client.close_code})")
            if time.monotonic() > deadline:
                client.abort()
                raise RuntimeError("no ready in time")
            await asyncio.sleep(0.005)

    async def cmd_connect(self, upto: int, deflate: bool) -> dict[str, Any]:
        limit = asyncio.Semaphore(self.args.connect_concurrency)
        failed = 0

        async def one(peer: Peer) -> None:
            nonlocal failed
            async with limit:
                try:
                    await self.open_one(peer, deflate, None)
                except Exception as exc:
                    failed += 1
                    if len(self.errors) < 10:
                        self.errors.append(f"connect: {exc!r}")

        t0 = time.monotonic()
        mine = (upto - self.args.index + self.args.of - 1) // self.args.of
        todo = [p for p in self.peers[:mine] if p.client is None or not p.client.is_open]
        await asyncio.gather(*(one(p) for p in todo))
        return {"opened": len(todo) - failed, "failed": failed, "seconds": time.monotonic() - t0}

    # -- the storm ---------------------------------------------------------------------

    def cmd_drop(self) -> dict[str, Any]:
        dropped = 0
        for peer in self.peers:
            if peer.client is not None and peer.client.is_open:
                peer.client.abort()
                dropped += 1
        return {"dropped": dropped}

    async def cmd_reconnect(self, at: float, spread: float, deflate: bool) -> dict[str, Any]:
        peers = [p for p in self.peers if p.client is not None]
        deadline = at + self.args.storm_timeout
        gave_up = 0

        async def one(peer: Peer) -> None:
            nonlocal gave_up
            peer.attempts = 0
            peer.ready_at = 0.0
            await asyncio.sleep(max(0.0, at + random.random() * spread - time.monotonic()))
            since = peer.last_seq
            while True:
                peer.attempts += 1
                try:
                    await self.open_one(peer, deflate, since)
                    return
                except Exception as exc:
                    if len(self.errors) < 10:
                        self.errors.append(f"reconnect: {exc!r}")
                    # The client's next attempt comes after its backoff (attempt 1 first: the
                    # drop itself was attempt 0's wait).
                    wait = backoff(peer.attempts)
                    if time.monotonic() + wait > deadline:
                        gave_up += 1
                        return
                    await asyncio.sleep(wait)

        await asyncio.gather(*(one(p) for p in peers))
        ready = sorted(p.ready_at - at for p in peers if p.ready_at)
        retried = sum(1 for p in peers if p.attempts > 1)
        return {
            "clients": len(peers),
            "ready": len(ready),
            "gaveUp": gave_up,
            "retried": retried,
            "maxAttempts": max((p.attempts for p in peers), default=0),
            "readySeconds": [round(r, 4) for r in ready],
        }

    def cmd_check(self, expected: dict[str, list[int]]) -> dict[str, Any]:
        by_chat = {int(k): v for k, v in expected.items()}
        result = {"clients": 0, "expected": 0, "received": 0, "missing": 0, "duplicates": 0}
        result |= {"outOfOrder": 0, "unexpected": 0, "resync": 0, "notResumed": 0}
        # Of `missing`, what sockets the server closed since would have had: not reopened
        # here (a browser would reconnect and resume).
        result["missingOnClosed"] = 0
        samples: list[str] = []
        for peer in self.peers:
            if peer.client is None:
                continue
            result["clients"] += 1
            if peer.since is None:
                result["notResumed"] += 1
                continue
            if peer.resync:
                result["resync"] += 1
            want_set = set(by_chat.get(peer.chat_id, []))
            got = [message_id for _, message_id in peer.got]
            got_set = set(got)
            result["expected"] += len(want_set)
            result["received"] += len(got)
            missing = len(want_set - got_set)
            result["missing"] += missing
            if not peer.client.is_open:
                result["missingOnClosed"] += missing
            result["duplicates"] += len(got) - len(got_set)
            result["unexpected"] += len(got_set - want_set)
            if peer.got != sorted(peer.got):
                result["outOfOrder"] += 1
            if missing and len(samples) < 3:
                samples.append(
                    f"user {peer.user_id} since {peer.since}: missing "
                    f"{sorted(want_set - got_set)[:5]}"
                )
        return {**result, "samples": samples}

    def cmd_counts(self) -> dict[str, Any]:
        open_ = sum(1 for p in self.peers if p.client is not None and p.client.is_open)
        return {
            "open": open_,
            "messages": sum(p.messages for p in self.peers),
            "errors": self.errors[:10],
        }

    async def cmd_close(self) -> dict[str, Any]:
        clients = [p.client for p in self.peers if p.client is not None and p.client.is_open]
        for client in clients:
            client.close()
        if clients:
            await asyncio.wait([asyncio.ensure_future(c.closed) for c in clients], timeout=10)
        for peer in self.peers:
            peer.client = None
            peer.since = None
        return {"closed": len(clients)}

    # -- the command loop --------------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            name = command["cmd"]
            if name == "connect":
                reply = await self.cmd_connect(int(command["upto"]), bool(command["deflate"]))
            elif name == "drop":
                reply = self.cmd_drop()
            elif name == "reconnect":
                reply = await self.cmd_reconnect(
                    float(command["at"]), float(command["spread"]), bool(command["deflate"])
                )
            elif name == "check":
                reply = self.cmd_check(command["expected"])
            elif name == "counts":
                reply = self.cmd_counts()
            elif name == "close":
                reply = await self.cmd_close()
            elif name == "quit":
                break
            else:
                reply = {"error": f"unknown command {name!r}"}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


# -- the runner's side ------------------------------------------------------------------


class Workers:
    """The client processes; each command goes to all of them, each answers one line."""

    def __init__(self, args: argparse.Namespace, plan: Path) -> None:
        self.args = args
        self.plan = plan
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self) -> None:
        n = self.args.workers
        for k in range(n):
            argv = ["-m", "benchmarks.connworker", "--plan", str(self.plan)]
            proc = await asyncio.create_subprocess_exec(
                PYTHON,
                *argv,
                "--index",
                str(k),
                "--of",
                str(n),
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=64 * 1024 * 1024,
                preexec_fn=pinned(self.args.client_core, self.args.nice),
            )
            self.procs.append(proc)

    async def ask(self, command: dict[str, Any]) -> list[dict[str, Any]]:
        line = (json.dumps(command) + "\n").encode()
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(line)
            await proc.stdin.drain()

        async def answer(proc: asyncio.subprocess.Process) -> dict[str, Any]:
            assert proc.stdout is not None
            reply = await proc.stdout.readline()
            if not reply:
                raise RuntimeError("a worker died")
            return dict(json.loads(reply))

        return list(await asyncio.gather(*(answer(p) for p in self.procs)))

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None and proc.stdin is not None:
                proc.stdin.write(b'{"cmd": "quit"}\n')
                proc.stdin.close()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        self.procs = []


def total(replies: list[dict[str, Any]], key: str) -> int:
    return sum(int(r.get(key, 0)) for r in replies)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.connworker")
    p.add_argument("--plan", type=Path, required=True)
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--of", type=int, default=1)
    p.add_argument("--connect-concurrency", type=int, default=100)
    p.add_argument("--connect-timeout", type=float, default=60.0)
    p.add_argument("--storm-timeout", type=float, default=60.0)
    args = p.parse_args(argv)
    plan = json.loads(args.plan.read_text())
    args.host, args.port = plan["host"], int(plan["port"])
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit("the worker only talks to loopback addresses")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    worker = Worker(args, plan["clients"][args.index :: args.of])
    import uvloop

    uvloop.run(worker.serve())


if __name__ == "__main__":
    main()
