"""The measuring tools of the call tests, checked without the app: two peer connections in
one page, connected by the test, through the same `window.__pcs` wrapper and `getStats()`
readers. They must see sound and its absence, a camera's 4:3 and a screen's 16:9, and a
relay-only pair through this run's coturn with the server's credentials. If these fail, the
app tests' verdicts mean nothing; if these pass and an app test fails, the app is at fault."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page

from tests.e2e.browser import NewContext
from tests.e2e.calls.media import active_video, aspect, gained, snapshot, wait_for_media
from tests.e2e.flows import People, signed_in_as
from tests.harness import ServerProcess

# Alice's side sends the fake camera and microphone to Bob's side; all inside one page.
_LOOPBACK_CALL = """
async ({ iceServers, iceTransportPolicy, timeoutMs }) => {
  const work = (async () => {
    const config = { iceServers, iceTransportPolicy };
    const a = new RTCPeerConnection(config), b = new RTCPeerConnection(config);
    a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate); };
    b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate); };
    // As the app must: Chromium counts `totalAudioEnergy` only for audio played by an
    // unmuted element (a muted one: samples received, energy 0; none: no samples at all).
    b.ontrack = (e) => {
      let el = document.getElementById('harness-remote');
      if (!el) {
        el = document.createElement('video');
        el.id = 'harness-remote';
        el.muted = false;
        document.body.append(el);
      }
      el.srcObject = e.streams[0];
      el.play().catch(() => {});
    };
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    for (const track of stream.getTracks()) a.addTrack(track, stream);
    window.__test = { a, b, stream };
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
  })();
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('loopback call set-up timed out')), timeoutMs));
  await Promise.race([work, timeout]);
}
"""

_SET_MIC = "(on) => { window.__test.stream.getAudioTracks()[0].enabled = on; }"

_SHARE_SCREEN = """
async (timeoutMs) => {
  const work = (async () => {
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const sender = window.__test.a.getSenders().find((s) => s.track && s.track.kind === 'video');
    await sender.replaceTrack(screen.getVideoTracks()[0]);
  })();
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('getDisplayMedia timed out')), timeoutMs));
  await Promise.race([work, timeout]);
}
"""


async def loopback_call(
    page: Page, server_ice: dict[str, Any] | None = None, policy: str = "all"
) -> None:
    ice = (server_ice or {}).get("iceServers", [])
    args = {"iceServers": ice, "iceTransportPolicy": policy, "timeoutMs": 10_000}
    await asyncio.wait_for(page.evaluate(_LOOPBACK_CALL, args), 15)


async def test_the_readers_tell_sound_from_silence_and_camera_from_screen(
    people: People, new_context: NewContext, web_server: ServerProcess
) -> None:
    user = await people.register("Harness Check")
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, user)
    await loopback_call(page)
    await wait_for_media(page, video=1, audio=1, timeout=10)
    assert len((await snapshot(page)).peers) == 2  # both were caught by the wrapper

    sound = await gained(page, "audio", "totalAudioEnergy", 2.0)
    assert sound > 0
    await page.evaluate(_SET_MIC, False)
    await asyncio.sleep(0.5)
    silence = await gained(page, "audio", "totalAudioEnergy", 2.0)
    assert silence < sound * 0.05, (sound, silence)
    await page.evaluate(_SET_MIC, True)

    [camera] = await active_video(page)
    assert abs(aspect(camera) - 4 / 3) < 0.08, camera
    await asyncio.wait_for(page.evaluate(_SHARE_SCREEN, 5_000), 10)
    await asyncio.sleep(1.0)
    [screen] = await active_video(page)
    assert abs(aspect(screen) - 16 / 9) < 0.08, screen


async def test_the_readers_see_a_relay_pair_through_this_runs_coturn(
    people: People, new_context: NewContext
) -> None:
    user = await people.register("Relay Check")
    r = await user.http.get("/api/calls/ice-servers")
    assert r.status_code == 200, r.text
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, user)
    await loopback_call(page, r.json(), policy="relay")
    await wait_for_media(page, video=1, audio=1, timeout=10)
    snap = await snapshot(page)
    assert [(p.local_candidate_type, p.remote_candidate_type) for p in snap.peers] == [
        ("relay", "relay"),
        ("relay", "relay"),
    ], snap.peers
