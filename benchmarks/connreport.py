"""The markdown report of `benchmarks.connections`."""

from __future__ import annotations

from typing import Any


def _mode(deflate: bool) -> str:
    return "deflate offered" if deflate else "deflate not offered"


def report(results: dict[str, Any]) -> str:
    m, src = results["machine"], results["source"]
    lines = [
        f"{results['date']}  {m['nproc']} x {m['cpu']}, {m['memGiB']} GiB, "
        f"Python {m['python']}, loadavg {' '.join(m['loadavg'])} -> "
        f"{' '.join(m.get('loadavgAfter', []))}",
        f"commit {src['commit']}{' + uncommitted changes in src/' if src['srcModified'] else ''}",
        f"command: {results['command']}",
        "",
    ]
    if results["idle"]:
        lines += [
            "| clients | connections | KiB per connection | server CPU per connect (ms) "
            "| connect time (s) | failed |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for run in results["idle"]:
            for level in run["levels"]:
                lines.append(
                    f"| {_mode(run['deflate'])} | {level['connections']:,} "
                    f"| {level['kibPerConnection']:.1f} | {level['serverCpuMsPerConnect']:.2f} "
                    f"| {level['connectSeconds']:.1f} | {level['failed']} |"
                )
        lines.append("")
    for s in results["storm"]:
        c = s["check"]
        lines += [
            f"storm, {_mode(s['deflate'])}: {s['clients']:,} clients in {s['groups']} groups, "
            f"spread {s['spreadSeconds']} s",
            f"  drop: server saw all gone in {s['drop']['serverSawAllGoneSeconds']} s, idle "
            f"again after {s['drop']['serverIdleAgainSeconds']} s "
            f"({s['drop']['serverCpuSeconds']} s CPU)",
            f"  ready: {s['ready']:,} of {s['clients']:,}; first {s['firstReadySeconds']} s, "
            f"p50 {s['readyP50Seconds']} s, p99 {s['readyP99Seconds']} s, "
            f"last {s['lastReadySeconds']} s; retried {s['retried']}, gave up {s['gaveUp']}, "
            f"server CPU until the last {s['serverCpuSecondsUntilLastReady']} s, "
            f"accept-queue overflows {s.get('listenOverflows')}",
            f"  events: {s['awayMessages']} messages while away, {s['duringMessages']} during; "
            f"expected {c.get('expected', 0):,} deliveries, received {c.get('received', 0):,}; "
            f"missing {c.get('missing')} ({c.get('missingOnClosed')} on sockets the server "
            f"closed; {s.get('openAtCheck')} open), duplicates {c.get('duplicates')}, "
            f"out of order {c.get('outOfOrder')}, unexpected {c.get('unexpected')}, "
            f"resync {c.get('resync')}; all caught up {s['caughtUpSeconds']} s after the start",
        ]
        if c.get("samples"):
            lines.append(f"  samples: {c['samples']}")
        if s["errors"]:
            lines.append(f"  client errors: {s['errors']}")
    return "\n".join(lines)
