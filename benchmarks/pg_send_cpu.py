"""Server CPU per message sent, on SQLite and on PostgreSQL (issue #11).

    python -m benchmarks.pg_send_cpu                       # both engines, 2,000 sends each
    python -m benchmarks.pg_send_cpu --database postgres --sends 3000 --profile /tmp/pg.txt

One `shomik serve` per engine (PostgreSQL: a database of its own, as benchmarks.run makes),
`--members` users in one group, and the group's owner sends `--sends` messages over one
WebSocket, one at a time (each acked before the next). The figure is the server process's
CPU time (utime + stime from /proc/<pid>/stat, all threads) over the sends, divided by
their number: CPU time, not wall time, so a busy machine changes it little. Only the sender
is connected, so it is the cost of a send itself (session check, transaction, event log,
ack), not of its fan-out.

`--profile FILE`: py-spy samples the PostgreSQL server during the sends (py-spy must be
next to this Python); FILE gets the raw stacks and stdout the functions that take the most
samples, inclusive (a function counts once per sample it is anywhere in).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import websockets

from benchmarks.run_support import PASSWORD, log
from benchmarks.servers import shomik_servers

TICKS = os.sysconf("SC_CLK_TCK")
PY_SPY = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "py-spy")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def set_up(url: str, members: int) -> tuple[str, int]:
    """`members` users in one group; the owner's token and the chat's id."""
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
        token = users[0][0]
        r = await http.post(
            "/api/chats",
            json={"type": "group", "name": "cpu", "participantIds": [u for _, u in users[1:]]},
            headers={"Authorization": f"Bearer {token}"},
        )
        r.raise_for_status()
        return token, int(r.json()["id"])


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


async def measure(url: str, pid: int, args: argparse.Namespace, profile: Path | None) -> float:
    """Seconds of server CPU per send."""
    token, chat_id = await set_up(url, args.members)
    ws_url = url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(ws_url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        while json.loads(await ws.recv())["type"] != "ready":
            pass
        await send_all(ws, chat_id, 0, args.warmup)  # caches, pools, prepared statements
        spy = None
        if profile is not None:
            argv = [PY_SPY, "record", "--nonblocking", "-r", "500", "--format", "raw"]
            spy = subprocess.Popen(
                [*argv, "-o", str(profile), "-p", str(pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(1.0)  # py-spy attaches
        before, t0 = cpu_seconds(pid), time.monotonic()
        await send_all(ws, chat_id, args.warmup, args.sends)
        spent, wall = cpu_seconds(pid) - before, time.monotonic() - t0
        if spy is not None:
            spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
            spy.wait(timeout=60)
    log(f"{args.sends} sends in {wall:.1f} s wall, {spent:.2f} s server CPU")
    return spent / args.sends


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
    p.add_argument("--profile", type=Path, help="py-spy raw stacks of the PostgreSQL server")
    p.add_argument("--top", type=int, default=45, help="functions listed with --profile")
    args = p.parse_args(argv)
    # What shomik_servers reads of benchmarks.run's options: no pinning, no niceness.
    args.server = SimpleNamespace(server_core=None, nice=0)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="pg-send-cpu-") as tmp:
        for engine in args.database.split(","):
            profile = args.profile if engine == "postgres" else None
            workdir = Path(tmp) / f"cpu-{engine}-{os.getpid()}"
            with shomik_servers(workdir, engine, 1, args.server) as (servers, pids):
                per_send = asyncio.run(measure(servers[0].url, pids[0], args, profile))
            results[engine] = per_send
            print(f"{engine}: {per_send * 1e6:.0f} us server CPU per send ({args.sends} sends)")
    if "sqlite" in results and "postgres" in results:
        print(f"postgres / sqlite: {results['postgres'] / results['sqlite']:.2f}x")
    if args.profile is not None and args.profile.exists():
        for share, name in top_functions(args.profile, args.top):
            print(f"{share * 100:5.1f}%  {name}")


if __name__ == "__main__":
    main()
