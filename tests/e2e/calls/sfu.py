"""What the SFU call tests need besides the mesh's: a Janus that gathers a candidate on a
loopback-only host, a small fake camera, and `getStats()` read per remote person.

Janus skips loopback interfaces when it gathers ICE candidates, unconditionally, so in the
test namespace (only `lo`) it would offer browsers nothing to connect to. A dummy interface
would fix that but would also give Chromium a second interface to gather on (and fail
conftest's loopback-only check); instead Janus alone runs with a 10-line LD_PRELOAD shim,
built here with gcc, that clears IFF_LOOPBACK in what getifaddrs() answers
(../shared/guides/sfu-janus.md). The tests check which candidates the browsers then use."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests.e2e.calls.media import STATS_TIMEOUT_MS, eventually

SHIM_SOURCE = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
int getifaddrs(struct ifaddrs **out) {
  int (*real)(struct ifaddrs **) = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
  int rc = real(out);
  if (rc == 0)
    for (struct ifaddrs *i = *out; i; i = i->ifa_next) i->ifa_flags &= ~IFF_LOOPBACK;
  return rc;
}
"""
# Janus's RTP ports in these tests (tests/sfu/conftest.Janus.env): the browsers' selected
# remote candidates must be in this range, on 127.0.0.1, for the media to be Janus's.
RTP_PORTS = range(40000, 40101)


def build_shim(folder: Path) -> Path:
    source, library = folder / "loopback_shim.c", folder / "loopback_shim.so"
    source.write_text(SHIM_SOURCE)
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-o", str(library), str(source), "-ldl"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return library


# Five browsers encode one stream each and decode four on two cores: the fake camera at
# 320x240 and 15 fps (4:3, so a shared 16:9 screen is told apart at the other end).
SMALL_CAMERA_SCRIPT = """
(() => {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const real = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (constraints) => {
    if (constraints && constraints.video) {
      const video = typeof constraints.video === 'object' ? constraints.video : {};
      constraints = { ...constraints, video: {
        ...video, width: { exact: 320 }, height: { exact: 240 }, frameRate: { max: 15 } } };
    }
    return real(constraints);
  };
})();
"""

# Every peer connection of the page (window.__pcs, media.PEER_CONNECTIONS_SCRIPT): its
# selected candidate pair, its outbound streams, and its inbound streams with the user each
# belongs to, read from the app's <audio data-user-id> elements (one per remote person,
# holding that person's tracks). Bounded by `timeoutMs`.
_SNAPSHOT = """
async (timeoutMs) => {
  const owners = new Map();
  for (const el of document.querySelectorAll('audio[data-user-id]')) {
    const stream = el.srcObject;
    const owner = Number(el.dataset.userId);
    if (stream) for (const track of stream.getTracks()) owners.set(track.id, owner);
  }
  const read = async (pc) => {
    const out = { state: pc.connectionState, inbound: [], outboundVideo: 0, outboundAudio: 0,
                  local: null, remote: null, remotes: [] };
    if (pc.connectionState === 'closed') return out;
    const report = await pc.getStats();
    const byId = new Map();
    report.forEach((s) => byId.set(s.id, s));
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? byId.get(pairId) : null;
    if (pair) {
      const l = byId.get(pair.localCandidateId) || {}, r = byId.get(pair.remoteCandidateId) || {};
      out.local = { type: l.candidateType || null, address: l.address || null, port: l.port || 0 };
      out.remote = { type: r.candidateType || null, address: r.address || null, port: r.port || 0 };
    }
    report.forEach((s) => {
      if (s.type === 'remote-candidate') {
        out.remotes.push({ type: s.candidateType || null, address: s.address || null,
                           port: s.port || 0 });
      } else if (s.type === 'outbound-rtp') {
        if (s.kind === 'video') out.outboundVideo += 1; else out.outboundAudio += 1;
      } else if (s.type === 'inbound-rtp') {
        out.inbound.push({ kind: s.kind, owner: owners.get(s.trackIdentifier) ?? null,
          bytes: s.bytesReceived || 0, energy: s.totalAudioEnergy || 0,
          frames: s.framesDecoded || 0, width: s.frameWidth || 0, height: s.frameHeight || 0 });
      }
    });
    return out;
  };
  const all = Promise.all((window.__pcs || []).map(read));
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`getStats took over ${timeoutMs} ms`)), timeoutMs));
  return await Promise.race([all, timeout]);
}
"""


@dataclass
class Stats:
    """One reading of a page's peer connections."""

    pcs: list[dict[str, Any]]

    @property
    def live(self) -> list[dict[str, Any]]:
        return [pc for pc in self.pcs if pc["state"] != "closed"]

    def per_owner(self, kind: str, key: str) -> dict[int, float]:
        """The sum of `key` over the live inbound `kind` streams of each remote person."""
        out: dict[int, float] = {}
        for pc in self.live:
            for stream in pc["inbound"]:
                if stream["kind"] == kind and stream["owner"] is not None:
                    out[stream["owner"]] = out.get(stream["owner"], 0) + stream[key]
        return out

    def aspect(self, owner: int) -> float:
        """Width / height of the video decoded from this person (0 before any)."""
        for pc in self.live:
            for s in pc["inbound"]:
                if s["kind"] == "video" and s["owner"] == owner and s["height"]:
                    return float(s["width"]) / float(s["height"])
        return 0.0


async def stats(page: Page) -> Stats:
    raw = await asyncio.wait_for(
        page.evaluate(_SNAPSHOT, STATS_TIMEOUT_MS), STATS_TIMEOUT_MS / 1000 + 5
    )
    return Stats(raw)


@dataclass
class Received:
    """What a page received from each remote person over a few seconds."""

    energy: dict[int, float]
    audio_bytes: dict[int, float]
    frames: dict[int, float]
    last: Stats


async def received(page: Page, seconds: float) -> Received:
    before = await stats(page)
    await asyncio.sleep(seconds)
    after = await stats(page)

    def grown(kind: str, key: str) -> dict[int, float]:
        old = before.per_owner(kind, key)
        return {k: v - old.get(k, 0) for k, v in after.per_owner(kind, key).items()}

    return Received(
        grown("audio", "energy"), grown("audio", "bytes"), grown("video", "frames"), after
    )


async def wait_for_people(
    page: Page, others: list[int], timeout: float, who: str, video: bool = True
) -> None:
    """Until this page hears sound (energy, not silence) and, with `video`, decodes video
    from each of `others`, and from nobody else."""

    async def probe() -> Received:
        return await received(page, 1.5)

    def ok(r: Received) -> bool:
        heard = {k for k, v in r.energy.items() if v > 0}
        seen = {k for k, v in r.frames.items() if v > 0}
        return heard == set(others) and (seen == set(others) or not video)

    what = "sound and video" if video else "sound"
    await eventually(probe, ok, timeout, f"at {who}: {what} from each of {others}")


def janus_topology(snapshot: Stats) -> str:
    """'' if the page talks to Janus only: two live peer connections (our uplink, and
    everyone else's feeds), exactly one outbound video stream, and every selected remote
    candidate Janus's (127.0.0.1, a port of its RTP range); so is every remote candidate the
    page knows, which is what Janus trickled to it (and no browser's); else what is wrong."""
    live = snapshot.live
    problems = []
    if len(live) != 2:
        problems.append(f"{len(live)} live peer connections, not 2")
    outbound_video = sum(pc["outboundVideo"] for pc in live)
    if outbound_video != 1:
        problems.append(f"{outbound_video} outbound video streams, not 1")
    for pc in live:
        remote = pc["remote"] or {}
        if remote.get("address") != "127.0.0.1" or remote.get("port") not in RTP_PORTS:
            problems.append(f"remote candidate {remote} is not Janus's")
        for known in pc["remotes"]:
            if known["address"] != "127.0.0.1" or known["port"] not in RTP_PORTS:
                problems.append(f"a remote candidate {known} is not Janus's")
    return "; ".join(problems)


async def wait_topology(page: Page, timeout: float, who: str) -> Stats:
    return await eventually(
        lambda: stats(page),
        lambda s: not janus_topology(s),
        timeout,
        f"at {who}: connected to Janus only",
    )
