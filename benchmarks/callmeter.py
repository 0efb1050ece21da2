"""What the call benchmark reads, outside and inside the browsers: CPU time of processes and
process trees from /proc, the machine's busy share from /proc/stat, and each page's
`getStats()` totals (what it sent, encoded and decoded)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Page

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The command name may hold spaces and parentheses: the fields follow the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _parents() -> dict[int, int]:
    out: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        out[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    # Chromium rewrites the command line of its child processes (setproctitle) into one
    # string with spaces: split on both.
    return raw.replace(b"\0", b" ").decode(errors="replace").split()


def find_browser(marker: str) -> int:
    """The pid of the Chromium browser process launched with this extra switch (its
    children are told apart by `--type=`, which the browser process has not)."""
    for pid in _parents():
        argv = _cmdline(pid)
        if marker in argv and not any(a.startswith("--type=") for a in argv):
            return pid
    raise RuntimeError(f"no browser process with {marker}")


def _kind(argv: list[str]) -> str:
    """browser, zygote, renderer, gpu-process, or utility:<service>."""
    kind = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), "browser")
    if kind == "utility":
        sub = next((a.split("=", 1)[1] for a in argv if a.startswith("--utility-sub-type=")), "")
        kind = f"utility:{sub.rsplit('.', 1)[-1] or '?'}"
    return kind


@dataclass
class TreeSample:
    """CPU seconds of every process of a tree at one moment, and what each one is."""

    cpu: dict[int, float]
    kinds: dict[int, str]


def sample_tree(root: int) -> TreeSample:
    parents = _parents()
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        members.update(children)
        frontier.extend(children)
    return TreeSample(
        {pid: cpu_seconds(pid) for pid in members},
        {pid: _kind(_cmdline(pid)) for pid in members},
    )


def tree_delta(before: TreeSample, after: TreeSample) -> dict[str, float]:
    """CPU seconds spent between the samples, by kind of process and in `total`. A process
    that started in between counts from 0; one that ended in between is lost (a renderer
    or service restarting mid-call would show as a gap here)."""
    out: dict[str, float] = {}
    for pid, now in after.cpu.items():
        spent = now - before.cpu.get(pid, 0.0)
        kind = after.kinds[pid]
        out[kind] = out.get(kind, 0.0) + spent
    out["total"] = sum(v for k, v in out.items())
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat's first line."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return float(sum(values) - idle), float(sum(values))


# Totals over every live peer connection of the page (window.__pcs): bytes the RTP streams
# sent (payload, and with headers), what the transports sent and received (everything on the
# wire above UDP: RTP, RTCP, STUN, DTLS), frames encoded and decoded, and how the encoder
# sees itself limited.
_TOTALS = """
async () => {
  const out = { pcs: 0, outboundVideo: 0, bytesSent: 0, headerBytesSent: 0, videoBytesSent: 0,
    transportSent: 0, transportReceived: 0, framesEncoded: 0, framesDecoded: 0,
    inboundVideo: 0, limitation: [], sendSize: [] };
  for (const pc of window.__pcs || []) {
    if (pc.connectionState === 'closed') continue;
    out.pcs += 1;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === 'outbound-rtp') {
        out.bytesSent += s.bytesSent || 0;
        out.headerBytesSent += s.headerBytesSent || 0;
        if (s.kind === 'video') {
          out.outboundVideo += 1;
          out.videoBytesSent += s.bytesSent || 0;
          out.framesEncoded += s.framesEncoded || 0;
          out.limitation.push(s.qualityLimitationReason || 'none');
          out.sendSize.push(`${s.frameWidth || 0}x${s.frameHeight || 0}@${s.framesPerSecond || 0}`);
        }
      } else if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.inboundVideo += 1;
        out.framesDecoded += s.framesDecoded || 0;
      } else if (s.type === 'transport') {
        out.transportSent += s.bytesSent || 0;
        out.transportReceived += s.bytesReceived || 0;
      }
    });
  }
  return out;
}
"""


async def page_totals(page: Page) -> dict[str, Any]:
    totals: dict[str, Any] = await asyncio.wait_for(page.evaluate(_TOTALS), 15)
    return totals


def rate(before: dict[str, Any], after: dict[str, Any], key: str, seconds: float) -> float:
    return (float(after[key]) - float(before[key])) / seconds
