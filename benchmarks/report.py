"""The runner's report: the machine, the commit measured, and the markdown tables."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memGiB": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def source_version() -> dict[str, Any]:
    """The commit measured, and whether src/ differed from it (the server runs from src/)."""

    def git(*argv: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(ROOT), *argv], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "srcModified": bool(git("status", "--porcelain", "--", "src")),
    }


def run_record(
    prog: str, argv: list[str] | None, args: Any, started: Any, **sections: Any
) -> dict[str, Any]:
    """The head of a run's JSON: when, where, on which commit, with which command."""
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "source": source_version(),
        "command": " ".join([f"python -m {prog}", *(argv or sys.argv[1:])]),
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        **sections,
    }


def fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def ratio(a: Any, b: Any) -> str:
    try:
        return f"{float(a) / float(b):.2f}"
    except (TypeError, ValueError, ZeroDivisionError):
        return "-"


def _get(side: dict[str, Any] | None, *path: str) -> Any:
    value: Any = side
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _ratios(names: list[str]) -> list[tuple[str, str]]:
    """Which columns to divide: every shomik variant by shomik (one process on SQLite), the
    cluster by one process on PostgreSQL, and shomik by the bare ceiling."""
    pairs = [(n, "shomik") for n in names if n.startswith("shomik-") and "shomik" in names]
    pairs += [
        (n, "shomik-postgres")
        for n in names
        if n.startswith("shomik-postgres-") and "shomik-postgres" in names
    ]
    if "shomik" in names and "bare" in names:
        pairs.append(("shomik", "bare"))
    return pairs


def table(results: dict[str, Any]) -> str:
    servers: dict[str, Any] = results["servers"]
    names = list(servers)
    pairs = _ratios(names)
    # (label, path, digits, whether a ratio means something)
    rows = [
        ("max delivered msgs/s with p99 <= limit", ("load", "best", "deliveredPerSec"), 0, True),
        ("  at send rate (msgs/s)", ("load", "best", "rate"), 0, True),
        ("  latency p50 (ms)", ("load", "best", "latencyP50Ms"), 2, True),
        ("  latency p99 (ms)", ("load", "best", "latencyP99Ms"), 2, True),
        ("  server CPU per delivery (us)", ("load", "best", "serverCpuUsPerDelivery"), 1, True),
        ("  server CPU share of its core", ("load", "best", "serverCpuShare"), 2, False),
        ("  server time waiting for its core", ("load", "best", "serverWaitShare"), 2, False),
        ("  load generator CPU share", ("load", "best", "loadgenCpuShare"), 2, False),
        ("peak delivered msgs/s (any step)", ("load", "peak", "deliveredPerSec"), 0, True),
        ("  server CPU per delivery (us)", ("load", "peak", "serverCpuUsPerDelivery"), 1, True),
        ("  load generator CPU share", ("load", "peak", "loadgenCpuShare"), 2, False),
        ("idle memory per connection (KiB)", ("load", "idleKiBPerConnection"), 1, True),
        ("two-user send->receive p50 (ms)", ("pair", "latencyP50Ms"), 2, True),
        ("two-user send->receive p99 (ms)", ("pair", "latencyP99Ms"), 2, True),
    ]
    head = ["measure", *names, *(f"{a}/{b}" for a, b in pairs)]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for label, path, digits, comparable in rows:
        cells = [fmt(_get(servers[n], *path), digits) for n in names]
        cells += [
            ratio(_get(servers[a], *path), _get(servers[b], *path)) if comparable else ""
            for a, b in pairs
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    fixed = [n for n in names if _get(servers[n], "load", "steps")]
    if results.get("config", {}).get("rate"):
        lines.append("\nper fixed rate, server CPU per delivery, us (schedstat's):")
        for n in fixed:
            steps = _get(servers[n], "load", "steps") or []
            cpu = ", ".join(
                f"{s['rate']:.0f}/s: {s['serverCpuUsPerDelivery']} "
                f"({s.get('serverRuntimeUsPerDelivery', '-')})"
                for s in steps
            )
            lines.append(f"  {n}: {cpu}")
    else:
        for name in fixed:
            steps = _get(servers[name], "load", "steps") or []
            if steps and all(s["ok"] for s in steps):
                lines.append(
                    f"\n{name}: every step passed, so its ceiling was not reached; "
                    "raise --max-steps or --start-rate before comparing"
                )
    return "\n".join(lines)


def rounds_table(results: dict[str, Any]) -> str:
    """Server CPU per delivery at each fixed rate, round by round, with the median; then
    each ratio as the median of the rounds' ratios (each round's configurations ran minutes
    apart at most, so the machine's drift cancels in their ratio better than across rounds)."""
    rounds: dict[str, list[dict[str, Any]]] = results["rounds"]

    def cpu(load: dict[str, Any]) -> dict[float, float]:
        return {s["rate"]: s["serverCpuUsPerDelivery"] for s in load.get("steps", [])}

    per = {name: [cpu(load) for load in loads] for name, loads in rounds.items()}
    lines = ["rounds, server CPU per delivery (us) per round; median:"]
    for name, runs in per.items():
        for rate in sorted({r for run in runs for r in run}):
            values = [run[rate] for run in runs if rate in run]
            shown = " / ".join(fmt(v) for v in values)
            lines.append(f"  {name} {rate:.0f}/s: {shown}; median {fmt(statistics.median(values))}")
    for a, b in _ratios(list(per)):
        for rate in sorted({r for run in per[a] for r in run}):
            each = [
                x[rate] / y[rate]
                for x, y in zip(per[a], per[b], strict=False)
                if rate in x and rate in y and y[rate]
            ]
            if each:
                shown = " / ".join(f"{v:.2f}" for v in each)
                median = statistics.median(each)
                lines.append(f"  {a}/{b} {rate:.0f}/s: {shown}; median {median:.2f}")
    return "\n".join(lines)


def _note(step: dict[str, Any]) -> str:
    if step.get("saturation"):
        return "  (overload step)"
    return "  (second try)" if step.get("attempt", 1) > 1 else ""


def steps_table(name: str, load: dict[str, Any]) -> str:
    lines = [
        f"{name}: rate -> delivered/s, p50/p99 ms, delivery ratio, "
        "server CPU (waiting), loadgen CPU (waiting)",
    ]
    for s in load.get("steps", []):
        lines.append(
            f"  {s['rate']:>9.1f} -> {s['deliveredPerSec']:>10.1f}  "
            f"{s['latencyP50Ms']:>8.2f} / {s['latencyP99Ms']:>9.2f}  "
            f"{s['deliveryRatio']:.4f}  "
            f"cpu {s['serverCpuShare']:.2f} ({s['serverWaitShare']:.2f})  "
            f"gen {s['loadgenCpuShare']:.2f} ({s['loadgenWaitShare']:.2f})  "
            f"{'ok' if s['ok'] else 'FAIL'}{_note(s)}"
        )
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------
