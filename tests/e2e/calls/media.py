"""Reading the app's real WebRTC state from a page: every `RTCPeerConnection` the app makes
is kept in `window.__pcs` by an init script (no test hook in the product), and these helpers
read `getStats()` from them. Every evaluation that awaits is bounded by a timeout in the page
(a `Promise.race`), so a stuck `getStats()` fails the test instead of hanging the run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from playwright.async_api import Page

# Before the app loads: wrap the constructor and keep every instance. The prototype and the
# statics (generateCertificate) stay the real ones, so `instanceof` and the app are unchanged.
PEER_CONNECTIONS_SCRIPT = """
(() => {
  if (window.__pcs) return;
  window.__pcs = [];
  const Real = window.RTCPeerConnection;
  const Wrapped = function (...args) {
    const pc = new Real(...args);
    window.__pcs.push(pc);
    return pc;
  };
  Wrapped.prototype = Real.prototype;
  Object.setPrototypeOf(Wrapped, Real);
  window.RTCPeerConnection = Wrapped;
})();
"""

# In a loopback-only namespace Chromium reports `navigator.onLine === false` (it counts only
# non-loopback interfaces), and the app then waits for a network instead of connecting its
# WebSocket. The page is served from 127.0.0.1, which is reachable: say so.
ONLINE_SCRIPT = """
Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => true });
"""

# The app asks for a 16:9 camera (1280x720, 640x360 in groups), and Chromium's fake camera
# then delivers 16:9 frames, as its fake screen does: nothing would tell them apart at the
# other side. For the screen-share test the camera is pinned to the fake device's native
# 640x480 (4:3), the way a 4:3 webcam would answer.
CAMERA_4_3_SCRIPT = """
(() => {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  const real = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (constraints) => {
    if (constraints && constraints.video) {
      const video = typeof constraints.video === 'object' ? constraints.video : {};
      constraints = {
        ...constraints,
        video: { ...video, width: { exact: 640 }, height: { exact: 480 } },
      };
    }
    return real(constraints);
  };
})();
"""

# One snapshot of every peer connection: its states, its inbound audio and video, and the
# candidate types of its selected pair. Bounded by `timeoutMs`.
_SNAPSHOT = """
async (timeoutMs) => {
  const read = async (pc) => {
    const out = {
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      signalingState: pc.signalingState,
      audio: [], video: [], localCandidateType: null, remoteCandidateType: null,
    };
    if (pc.connectionState === 'closed') return out;
    let report;
    try { report = await pc.getStats(); } catch (e) { out.error = String(e); return out; }
    const byId = new Map();
    report.forEach((s) => byId.set(s.id, s));
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    if (!pairId) {
      report.forEach((s) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id;
      });
    }
    const pair = pairId ? byId.get(pairId) : null;
    if (pair) {
      out.localCandidateType = (byId.get(pair.localCandidateId) || {}).candidateType || null;
      out.remoteCandidateType = (byId.get(pair.remoteCandidateId) || {}).candidateType || null;
    }
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') {
        out.audio.push({
          id: s.id,
          bytesReceived: s.bytesReceived || 0,
          totalAudioEnergy: s.totalAudioEnergy || 0,
          totalSamplesReceived: s.totalSamplesReceived || 0,
        });
      } else if (s.kind === 'video') {
        out.video.push({
          id: s.id,
          bytesReceived: s.bytesReceived || 0,
          framesDecoded: s.framesDecoded || 0,
          frameWidth: s.frameWidth || 0,
          frameHeight: s.frameHeight || 0,
        });
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

STATS_TIMEOUT_MS = 5_000


@dataclass
class Peer:
    """One of the page's peer connections, as `getStats()` saw it."""

    connection_state: str
    ice_connection_state: str
    local_candidate_type: str | None
    remote_candidate_type: str | None
    audio: list[dict[str, Any]] = field(default_factory=list)
    video: list[dict[str, Any]] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.connection_state != "closed"


@dataclass
class Snapshot:
    peers: list[Peer]
    at: float

    @property
    def live(self) -> list[Peer]:
        return [p for p in self.peers if p.live]

    def streams(self, kind: str) -> dict[str, dict[str, Any]]:
        """Inbound streams of this kind on the live peer connections, keyed uniquely."""
        out: dict[str, dict[str, Any]] = {}
        for index, peer in enumerate(self.peers):
            if peer.live:
                for stream in peer.audio if kind == "audio" else peer.video:
                    out[f"{index}/{stream['id']}"] = stream
        return out

    def total(self, kind: str, key: str) -> float:
        return float(sum(s[key] for s in self.streams(kind).values()))


async def snapshot(page: Page) -> Snapshot:
    # The page-side race answers within STATS_TIMEOUT_MS; the Python-side bound also covers a
    # page that never answers at all (crashed renderer, navigation).
    raw = await asyncio.wait_for(
        page.evaluate(_SNAPSHOT, STATS_TIMEOUT_MS), STATS_TIMEOUT_MS / 1000 + 5
    )
    peers = [
        Peer(
            connection_state=p["connectionState"],
            ice_connection_state=p["iceConnectionState"],
            local_candidate_type=p["localCandidateType"],
            remote_candidate_type=p["remoteCandidateType"],
            audio=p["audio"],
            video=p["video"],
        )
        for p in raw
    ]
    return Snapshot(peers, time.monotonic())


def growing(before: Snapshot, after: Snapshot, kind: str, key: str) -> list[dict[str, Any]]:
    """The inbound streams of `kind` whose counter `key` grew between the two snapshots."""
    old = before.streams(kind)
    return [
        stream
        for sid, stream in after.streams(kind).items()
        if stream[key] > old.get(sid, {}).get(key, 0)
    ]


async def gained(page: Page, kind: str, key: str, seconds: float) -> float:
    """How much the counter `key` of the live inbound `kind` streams grew over `seconds`."""
    before = await snapshot(page)
    await asyncio.sleep(seconds)
    after = await snapshot(page)
    old = before.streams(kind)
    return float(
        sum(s[key] - old.get(sid, {}).get(key, 0) for sid, s in after.streams(kind).items())
    )


T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    ok: Callable[[T], bool],
    timeout: float,
    what: str,
    interval: float = 0.25,
) -> T:
    """Calls `probe` until `ok` holds for its result; fails after `timeout` s with the last
    result in the message."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s; last seen: {value!r}")
        await asyncio.sleep(interval)


def aspect(stream: dict[str, Any]) -> float:
    return float(stream["frameWidth"]) / stream["frameHeight"] if stream["frameHeight"] else 0.0


async def active_video(page: Page, seconds: float = 0.7) -> list[dict[str, Any]]:
    """The inbound video streams decoding frames right now (framesDecoded growing)."""
    before = await snapshot(page)
    await asyncio.sleep(seconds)
    return growing(before, await snapshot(page), "video", "framesDecoded")


async def media_flowing(page: Page, *, video: int, audio: int, seconds: float = 1.0) -> str:
    """'' if at least `audio` inbound audio streams grow in bytes and energy and at least
    `video` inbound video streams decode frames over `seconds`; else what is missing."""
    before = await snapshot(page)
    await asyncio.sleep(seconds)
    after = await snapshot(page)
    bytes_up = {id(s) for s in growing(before, after, "audio", "bytesReceived")}
    energy_up = growing(before, after, "audio", "totalAudioEnergy")
    audible = [s for s in energy_up if id(s) in bytes_up]
    decoding = growing(before, after, "video", "framesDecoded")
    if len(audible) >= audio and len(decoding) >= video:
        return ""
    return (
        f"{len(audible)}/{audio} audio streams with bytes and energy growing, "
        f"{len(decoding)}/{video} video streams decoding; peers: {after.peers!r}"
    )


async def wait_for_media(
    page: Page, *, video: int, audio: int, timeout: float, who: str = "this page"
) -> None:
    """Waits until `media_flowing` holds on this page."""

    async def probe() -> str:
        return await media_flowing(page, video=video, audio=audio)

    await eventually(
        probe,
        lambda missing: not missing,
        timeout,
        f"at {who}: {audio} inbound audio (bytes and energy growing) and {video} decoding video",
    )


async def wait_closed(page: Page, timeout: float, who: str = "this page") -> Snapshot:
    """Waits until the page made peer connections and every one of them is closed."""

    async def probe() -> Snapshot:
        return await snapshot(page)

    return await eventually(
        probe,
        lambda s: bool(s.peers) and not s.live,
        timeout,
        f"at {who}: every peer connection closed",
    )
