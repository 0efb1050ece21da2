"""Group video calls through Janus (the SFU) against the same calls as a mesh: Janus's CPU per
forwarded stream, and each participant's browser CPU and uplink, for 3, 4 and 5 people via
the SFU and 3 and 4 as a mesh (issue #10, docs/benchmarks.md "Group calls: SFU and mesh").

Every participant is a Chromium of its own (so its CPU is a process tree of its own) with the
fake camera at 320x240, 15 fps, and the fake microphone, signed in to the real built client,
in a group call started and accepted through the UI, as tests/e2e/calls/test_sfu_call.py does
(its helpers are used here). Once each one sees and hears every other (getStats, per person)
and the topology is checked, the call settles (`--settle`), then CPU and getStats totals are
read at the start and end of a fixed window (`--window`).

Runs only where loopback is the only network interface, as the call tests:
`make bench-calls`, i.e.
`unshare -n sh -c 'ip link set lo up && exec .venv/bin/python -m benchmarks.calls_sfu'`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, Playwright, async_playwright

from benchmarks import callmeter
from benchmarks.report import run_record
from benchmarks.run_support import RESULTS
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, WEB_DIST, Client, open_client
from tests.e2e.calls.conftest import click, open_call_app
from tests.e2e.calls.media import ONLINE_SCRIPT, PEER_CONNECTIONS_SCRIPT
from tests.e2e.calls.sfu import (
    SMALL_CAMERA_SCRIPT,
    build_shim,
    janus_topology,
    stats,
    wait_for_people,
)
from tests.e2e.flows import People
from tests.harness import ServerProcess, User
from tests.sfu.conftest import new_janus, start_janus, stop

# Five browsers negotiating on two busy cores: set-up gets ample time.
CONNECT_S = 180.0


def log(*parts: object) -> None:
    print("[bench-calls]", *parts, file=sys.stderr, flush=True)


class Browsers:
    """A `NewContext` (tests/e2e/browser.py) that opens each context in a Chromium of its
    own, launched with a marker switch so that its process tree can be found in /proc; the
    contexts get what tests/e2e/calls/conftest.py's `new_context` gives them."""

    def __init__(self, playwright: Playwright, run: str) -> None:
        self.playwright = playwright
        self.run = run
        self.browsers: list[Browser] = []
        self.markers: list[str] = []

    async def __call__(
        self, *, phone: bool = False, base_url: str | None = None, **options: Any
    ) -> Client:
        assert base_url is not None
        marker = f"--shomik-bench-participant={self.run}-{len(self.browsers)}"
        browser = await self.playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, marker]
        )
        self.browsers.append(browser)
        self.markers.append(marker)
        client = await open_client(browser, base_url, phone, **options)
        await client.context.add_init_script(ONLINE_SCRIPT)
        await client.context.add_init_script(PEER_CONNECTIONS_SCRIPT)
        await client.context.grant_permissions(["camera", "microphone"])
        return client

    async def close(self) -> None:
        for browser in self.browsers:
            with contextlib.suppress(Exception):
                await browser.close()


async def start_call(
    people: People, browsers: Browsers, server: ServerProcess, n: int, run: str
) -> tuple[list[User], list[Page]]:
    """n people in a group; the first starts a video call, the others answer it (by the
    ringing screen's Accept, or "Join call" once it runs, as the mesh test does)."""
    users = [await people.register(f"P{i} {run}") for i in range(n)]
    await users[0].group(f"Bench {run}", *users[1:])
    pages = []
    for user in users:
        _, page = await open_call_app(browsers, user, f"Bench {run}", server, [SMALL_CAMERA_SCRIPT])
        pages.append(page)
    await click(pages[0], "Start video call")
    for page in pages[1:]:
        accept = page.get_by_role("button", name="Accept", exact=True)
        join = page.get_by_role("button", name="Join call", exact=True)
        await accept.or_(join).first.wait_for(timeout=60_000)
        await (accept if await accept.count() else join).first.click()
    return users, pages


async def check_connected(topology: str, users: list[User], pages: list[Page]) -> None:
    """Each sees and hears every other; via the SFU each sends one video stream, to Janus
    only; in the mesh one per other person."""
    for user, page in zip(users, pages, strict=True):
        others = [u.id for u in users if u is not user]
        await wait_for_people(page, others, CONNECT_S, user.me["displayName"])
    for page in pages:
        if topology == "sfu":
            problem = janus_topology(await stats(page))
            assert not problem, problem
        else:
            totals = await callmeter.page_totals(page)
            assert totals["pcs"] == totals["outboundVideo"] == len(pages) - 1, totals


async def measure(
    pages: list[Page], trees: list[int], pids: dict[str, int], window: float
) -> dict[str, Any]:
    """CPU of every browser tree and of the named processes, the machine's busy share, and
    getStats rates, over `window` seconds."""
    first = [callmeter.sample_tree(root) for root in trees]
    named = {name: callmeter.cpu_seconds(pid) for name, pid in pids.items()}
    busy0, total0 = callmeter.machine_busy()
    t0 = time.monotonic()
    totals0 = await asyncio.gather(*(callmeter.page_totals(p) for p in pages))
    await asyncio.sleep(window)
    totals1 = await asyncio.gather(*(callmeter.page_totals(p) for p in pages))
    elapsed = time.monotonic() - t0
    last = [callmeter.sample_tree(root) for root in trees]
    named1 = {name: callmeter.cpu_seconds(pid) for name, pid in pids.items()}
    busy1, total1 = callmeter.machine_busy()
    people = []
    for before, after, s0, s1 in zip(first, last, totals0, totals1, strict=True):
        cpu = callmeter.tree_delta(before, after)

        def r(key: str, s0: dict[str, Any] = s0, s1: dict[str, Any] = s1) -> float:
            return callmeter.rate(s0, s1, key, elapsed)

        people.append(
            {
                "cpuCores": round(cpu["total"] / elapsed, 3),
                "cpuCoresByProcess": {k: round(v / elapsed, 3) for k, v in sorted(cpu.items())},
                "uplinkKbps": round(r("bytesSent") * 8 / 1000, 1),
                "uplinkVideoKbps": round(r("videoBytesSent") * 8 / 1000, 1),
                "uplinkWireKbps": round(r("transportSent") * 8 / 1000, 1),
                "downlinkWireKbps": round(r("transportReceived") * 8 / 1000, 1),
                "framesEncodedPerS": round(r("framesEncoded"), 1),
                "framesDecodedPerSPerStream": round(
                    r("framesDecoded") / max(1, s1["inboundVideo"]), 1
                ),
                "outboundVideoStreams": s1["outboundVideo"],
                "qualityLimitation": s1["limitation"],
                "sendSize": s1["sendSize"],
            }
        )
    return {
        "windowS": round(elapsed, 2),
        "machineBusyCores": round((busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1), 3),
        "processCores": {k: round((named1[k] - named[k]) / elapsed, 4) for k in pids},
        "participants": people,
    }


def mean(people: list[dict[str, Any]], key: str) -> float:
    return round(sum(float(p[key]) for p in people) / len(people), 3)


async def one_call(
    playwright: Playwright,
    topology: str,
    n: int,
    server: ServerProcess,
    pids: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    run = f"{topology}{n}-{int(time.time()) % 100000}"
    browsers = Browsers(playwright, run)
    people = People(server)
    try:
        log(f"{topology} x{n}: starting the call")
        users, pages = await start_call(people, browsers, server, n, run)
        t0 = time.monotonic()
        await check_connected(topology, users, pages)
        log(f"{topology} x{n}: all connected after {time.monotonic() - t0:.1f} s; settling")
        await asyncio.sleep(args.settle)
        trees = [callmeter.find_browser(marker) for marker in browsers.markers]
        result = await measure(pages, trees, pids, args.window)
        feeds = n * (n - 1)  # each person's audio and video, to each other person
        janus = result["processCores"].get("janus", 0.0)
        # Everything the browsers received came from Janus (SFU): its CPU per Mbit sent.
        received_mbps = sum(p["downlinkWireKbps"] for p in result["participants"]) / 1000
        result |= {
            "topology": topology,
            "participants_n": n,
            "forwardedFeeds": feeds if topology == "sfu" else 0,
            "janusCpuMsPerSecondPerFeed": round(janus * 1000 / feeds, 2)
            if topology == "sfu"
            else None,
            "janusCpuMsPerForwardedMbit": round(janus * 1000 / received_mbps, 1)
            if topology == "sfu" and received_mbps
            else None,
            "meanBrowserCores": mean(result["participants"], "cpuCores"),
            "meanUplinkKbps": mean(result["participants"], "uplinkKbps"),
            "meanUplinkWireKbps": mean(result["participants"], "uplinkWireKbps"),
            "meanFramesEncodedPerS": mean(result["participants"], "framesEncodedPerS"),
            "meanFramesDecodedPerSPerStream": mean(
                result["participants"], "framesDecodedPerSPerStream"
            ),
        }
        log(
            f"{topology} x{n}: browser {result['meanBrowserCores']} cores, uplink "
            f"{result['meanUplinkKbps']} kbit/s, janus {janus} cores, machine "
            f"{result['machineBusyCores']} cores busy"
        )
        for page in pages:
            with contextlib.suppress(Exception):
                await click(page, "Hang up")
        return result
    finally:
        await browsers.close()
        await people.aclose()


def idle_cpu(pid: int, seconds: float) -> float:
    before = callmeter.cpu_seconds(pid)
    time.sleep(seconds)
    return round((callmeter.cpu_seconds(pid) - before) / seconds, 4)


async def amain(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    janus = new_janus(tmp / "janus")
    janus.folder.parent.mkdir(parents=True, exist_ok=True)
    shim = build_shim(janus.folder.parent)
    janus_proc = start_janus(
        janus, {"SHOMIK_SFU_ICE_ENFORCE_LIST": "127.0.0.1"}, {"LD_PRELOAD": str(shim)}
    )
    # The SFU server: browsers reach Janus directly (no nginx here), as in the tests.
    web = {"SHOMIK_WEB_DIR": str(WEB_DIST)}
    sfu = ServerProcess(tmp / "sfu", {**web, **janus.env(SHOMIK_SFU_PUBLIC_URL=janus.url)})
    mesh = ServerProcess(tmp / "mesh", web)
    calls: list[dict[str, Any]] = []
    try:
        sfu.start()
        mesh.start()
        janus_idle = idle_cpu(janus_proc.pid, 10.0)
        log(f"janus idle: {janus_idle} cores")
        async with async_playwright() as playwright:
            for topology, n in plan(args):
                server = sfu if topology == "sfu" else mesh
                assert server.proc is not None
                pids = {"janus": janus_proc.pid, "server": server.proc.pid}
                calls.append(await one_call(playwright, topology, n, server, pids, args))
                await asyncio.sleep(5)  # the last call's browsers and room are gone
    finally:
        sfu.stop()
        mesh.stop()
        stop(janus_proc)
    return {"janusIdleCores": janus_idle, "calls": calls}


def plan(args: argparse.Namespace) -> list[tuple[str, int]]:
    """SFU and mesh calls of the same size one after the other, smallest first."""
    sizes = sorted({*args.sfu, *args.mesh})
    return [(t, n) for n in sizes for t, ns in (("sfu", args.sfu), ("mesh", args.mesh)) if n in ns]


def table(calls: list[dict[str, Any]]) -> str:
    rows = [
        "| call | browser CPU (cores, mean) | uplink RTP kbit/s (mean) | uplink wire kbit/s "
        "| Janus cores | Janus ms/s per feed | Janus ms per Mbit | fps encoded / decoded "
        "| machine busy cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in calls:
        janus = c["processCores"].get("janus", 0.0)
        rows.append(
            f"| {c['topology']} x{c['participants_n']} | {c['meanBrowserCores']} "
            f"| {c['meanUplinkKbps']} | {c['meanUplinkWireKbps']} | {janus} "
            f"| {c['janusCpuMsPerSecondPerFeed'] or '-'} "
            f"| {c['janusCpuMsPerForwardedMbit'] or '-'} "
            f"| {c['meanFramesEncodedPerS']} / {c['meanFramesDecodedPerSPerStream']} "
            f"| {c['machineBusyCores']} |"
        )
    return "\n".join(rows)


def be_nice(nice: int) -> None:
    """As benchmarks/run_support.pinned: a session and autogroup of our own with this
    niceness, inherited by Janus, the servers and every browser."""
    with contextlib.suppress(OSError):
        os.setsid()
        Path("/proc/self/autogroup").write_text(str(nice))
    with contextlib.suppress(OSError):
        os.nice(nice)


def sizes(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sfu", type=sizes, default=[3, 4, 5], help="sizes via Janus")
    parser.add_argument("--mesh", type=sizes, default=[3, 4], help="sizes as a mesh")
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds before it")
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        sys.exit(f"run in a loopback-only network namespace (make bench-calls); here: {names}")
    if args.nice:
        be_nice(args.nice)
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="shomik-bench-calls-") as tmp:
        measured = asyncio.run(amain(args, Path(tmp)))
    results = run_record("benchmarks.calls_sfu", argv, args, started, **measured)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = args.out or RESULTS / f"calls-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(table(measured["calls"]))
    log(f"written: {out}")


if __name__ == "__main__":
    main()
