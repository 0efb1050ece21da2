"""Voice messages and videos in the browser. Alice records ~3 s from a fake microphone fed with a
440 Hz tone (Chromium's `--use-file-for-fake-audio-capture`); Bob sees a voice message of about
3 s, plays it, and what plays is not silence, measured with Web Audio on the <audio> element.
Then a WebM video (recorded from a canvas inside the page: no ffmpeg here) is sent and plays
inline on Bob's side with its poster."""

from __future__ import annotations

import base64
import math
import re
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, Client, open_client, save_screenshot
from tests.e2e.flows import People, both_open, open_chat, signed_in_as, timeline
from tests.harness import ServerProcess
from tests.uploads import files

RATE = 48_000
BLOB_URL = re.compile(r"^blob:")


def tone_wav(path: Path, seconds: float = 10, hz: float = 440) -> Path:
    """A 440 Hz sine at half scale, 16-bit mono: what the fake microphone hears (looped)."""
    frames = b"".join(
        struct.pack("<h", int(16_000 * math.sin(2 * math.pi * hz * i / RATE)))
        for i in range(int(seconds * RATE))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    return path


@pytest.fixture
async def voice_browser(tmp_path: Path) -> AsyncIterator[Browser]:
    """A Chromium of this test's own: the shared one cannot take the audio file flag. Audio
    may start without a click, so that the test's own AudioContext runs."""
    wav = tone_wav(tmp_path / "tone.wav")
    args = [
        *CHROMIUM_ARGS,
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=args
        )
        yield browser
        await browser.close()


async def open_in(
    browser: Browser, server: ServerProcess, user: Any, chat: str
) -> tuple[Client, Page]:
    client = await open_client(browser, server.url, phone=False)
    await client.context.grant_permissions(["microphone"])
    page = await client.new_page()
    await signed_in_as(page, user)
    await open_chat(page, chat)
    return client, page


# Routes an <audio> or <video> element through an AnalyserNode (and on to the speakers, so
# that it still plays) and exposes the loudest sample of the current frame.
LISTEN = """(el) => {
  const ctx = new AudioContext()
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 2048
  ctx.createMediaElementSource(el).connect(analyser)
  analyser.connect(ctx.destination)
  const frame = new Float32Array(analyser.fftSize)
  window.__level = () => {
    analyser.getFloatTimeDomainData(frame)
    return frame.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
  }
  return ctx.resume().then(() => ctx.state)
}"""


async def loudest(page: Page, seconds: float = 2.0) -> float:
    levels: list[float] = []
    for _ in range(int(seconds / 0.1)):
        levels.append(float(await page.evaluate("window.__level()")))
        await page.wait_for_timeout(100)
    return max(levels)


async def test_a_recorded_voice_message_is_heard_by_the_other_person(
    people: People, voice_browser: Browser, web_server: ServerProcess
) -> None:
    alice, bob = await people.register("Alice Voice"), await people.register("Bob Voice")
    chat = await both_open(alice, bob)
    a_client, a = await open_in(voice_browser, web_server, alice, "Bob Voice")
    b_client, b = await open_in(voice_browser, web_server, bob, "Alice Voice")

    await a.get_by_role("button", name="Record a voice message").click()
    recorder = a.get_by_role("group", name="Recording a voice message")
    await expect(recorder).to_be_visible()
    meter = recorder.get_by_role("meter", name="Microphone level")
    # The tone reaches the level meter while recording.
    await expect(meter).not_to_have_attribute("aria-valuenow", "0", timeout=5000)
    await expect(recorder.get_by_role("timer")).to_have_text("0:03", timeout=10_000)
    await save_screenshot(a, "voice-recording")
    await recorder.get_by_role("button", name="Send").click()
    await expect(recorder).to_be_hidden()

    # The server stored a voice message of about 3 s with a waveform that is not flat.
    r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
    for _ in range(50):
        messages = r.json()["messages"]
        if messages:
            break
        await b.wait_for_timeout(100)
        r = await bob.http.get(f"/api/chats/{chat['id']}/messages")
    (message,) = r.json()["messages"]
    assert message["type"] == "voice"
    (attachment,) = message["attachments"]
    assert attachment["mime"] in ("audio/webm", "audio/ogg")
    assert 2000 <= attachment["durationMs"] <= 4000, attachment["durationMs"]
    assert 60 <= len(attachment["waveform"]) <= 100 and max(attachment["waveform"]) == 255

    # Bob sees it, about 3 s long and marked as not listened to yet.
    play = timeline(b).get_by_role("button", name="Play voice message")
    await expect(play).to_be_visible()
    # The bubble of the one voice message (the button's name changes while it plays).
    player = timeline(b).locator("article").filter(has=b.get_by_role("slider"))
    position = player.get_by_role("slider", name="Playback position")
    assert 2 <= int(await position.get_attribute("aria-valuemax") or 0) <= 4
    await expect(player.get_by_text("0:03")).to_be_visible()
    await expect(player.get_by_role("img", name="Not listened to yet")).to_be_visible()
    # Alice's own message carries no such mark.
    a_play = timeline(a).get_by_role("button", name="Play voice message")
    await expect(a_play).to_be_visible()
    await expect(timeline(a).get_by_role("img", name="Not listened to yet")).to_have_count(0)

    assert await player.locator("audio").evaluate(LISTEN) == "running"
    await player.get_by_role("button", name="Playback speed 1×").click()
    await expect(player.get_by_role("button", name="Playback speed 1.5×")).to_be_visible()
    await play.click()
    await expect(player.get_by_role("button", name="Pause")).to_be_visible()
    level = await loudest(b, 1.5)
    assert level > 0.05, level  # a 440 Hz tone at half scale, not silence
    await save_screenshot(b, "voice-playing")
    await expect(player.get_by_role("img", name="Not listened to yet")).to_have_count(0)
    # It plays to its end (at 1.5x) and the button turns back to Play.
    await expect(play).to_be_visible(timeout=6000)
    # Seeking: a click in the middle of the waveform moves the position there.
    await position.click()
    value = int(await position.get_attribute("aria-valuenow") or -1)
    assert 1 <= value <= 2, value
    # Played is remembered in this browser, per user.
    await b.reload()
    await expect(timeline(b).get_by_role("button", name="Play voice message")).to_be_visible()
    await expect(timeline(b).get_by_role("img", name="Not listened to yet")).to_have_count(0)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_on_a_phone_holding_the_microphone_records_and_lifting_sends(
    people: People, voice_browser: Browser, web_server: ServerProcess
) -> None:
    alice, bob = await people.register("Alice Hold"), await people.register("Bob Hold")
    chat = await both_open(alice, bob)
    client = await open_client(voice_browser, web_server.url, phone=True)
    page = await client.new_page()
    await signed_in_as(page, alice)
    await open_chat(page, "Bob Hold")
    mic = page.get_by_role("button", name="Record a voice message")
    box = await mic.bounding_box()
    assert box is not None
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = await client.context.new_cdp_session(page)

    async def touch(kind: str) -> None:
        points = [] if kind == "touchEnd" else [point]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    # A quick tap is a slip: nothing is sent.
    await touch("touchStart")
    await touch("touchEnd")
    await expect(mic).to_be_visible()
    # Held for 2.5 s, then lifted: sent.
    await touch("touchStart")
    recorder = page.get_by_role("group", name="Recording a voice message")
    await expect(recorder).to_be_visible()
    await expect(recorder.get_by_text("Release to send")).to_be_visible()
    await expect(recorder.get_by_role("timer")).to_have_text("0:02", timeout=10_000)
    await save_screenshot(page, "voice-recording-phone")
    await page.wait_for_timeout(500)
    await touch("touchEnd")
    await expect(recorder).to_be_hidden()
    await expect(timeline(page).get_by_role("button", name="Play voice message")).to_be_visible()
    (message,) = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert message["type"] == "voice"
    assert 1500 <= message["attachments"][0]["durationMs"] <= 4000
    client.assert_no_errors()


# Records 1.5 s of an animated canvas as WebM in the page and returns it as base64: a real
# video without ffmpeg.
RECORD_CANVAS = """async () => {
  const canvas = document.createElement('canvas')
  canvas.width = 320
  canvas.height = 180
  const g = canvas.getContext('2d')
  const stream = canvas.captureStream(25)
  const rec = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8' })
  const chunks = []
  rec.ondataavailable = (e) => chunks.push(e.data)
  let frame = 0
  const timer = setInterval(() => {
    g.fillStyle = `hsl(${(frame * 12) % 360} 80% 50%)`
    g.fillRect(0, 0, 320, 180)
    g.fillStyle = '#fff'
    g.fillRect((frame * 8) % 320, 60, 40, 60)
    frame++
  }, 40)
  rec.start(100)
  await new Promise((r) => setTimeout(r, 1500))
  await new Promise((r) => { rec.onstop = r; rec.stop() })
  clearInterval(timer)
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer())
  let text = ''
  for (const b of bytes) text += String.fromCharCode(b)
  return btoa(text)
}"""


async def test_a_video_plays_inline_with_its_poster(
    people: People, voice_browser: Browser, web_server: ServerProcess, tmp_path: Path
) -> None:
    alice, bob = await people.register("Alice Video"), await people.register("Bob Video")
    chat = await both_open(alice, bob)
    a_client, a = await open_in(voice_browser, web_server, alice, "Bob Video")
    b_client, b = await open_in(voice_browser, web_server, bob, "Alice Video")
    clip = tmp_path / "clip.webm"
    clip.write_bytes(base64.b64decode(await a.evaluate(RECORD_CANVAS)))

    await a.locator("input[type=file]").set_input_files(str(clip))
    send = a.get_by_role("button", name="Send")
    await expect(send).to_be_enabled(timeout=20_000)
    await send.click()

    start = timeline(b).get_by_role("button", name="Play video clip.webm")
    await expect(start).to_be_visible()
    video = timeline(b).locator("video")
    # The poster frame the browser drew is shown before anything plays.
    await expect(video).to_have_attribute("poster", BLOB_URL)
    (message,) = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert message["type"] == "video"
    (attachment,) = message["attachments"]
    assert attachment["mime"] == "video/webm" and attachment["thumbnailUrl"]
    assert (attachment["width"], attachment["height"]) == (320, 180)
    await start.click()
    await expect(start).to_be_hidden()
    await expect(video).to_have_attribute("src", BLOB_URL)
    await expect(video).to_have_attribute("controls", "")
    size = await video.evaluate(
        """(v) => new Promise((resolve) => {
             const done = () => resolve([v.videoWidth, v.videoHeight])
             if (v.readyState >= 2) done()
             else v.addEventListener('loadeddata', done, { once: true })
           })"""
    )
    assert size == [320, 180]

    # An animated GIF shows as the GIF itself (which animates), not its still thumbnail.
    gif = tmp_path / "dance.gif"
    gif.write_bytes(files.animated("GIF"))
    requested: list[str] = []
    b.on("request", lambda request: requested.append(request.url))
    await a.locator("input[type=file]").set_input_files(str(gif))
    await expect(send).to_be_enabled(timeout=20_000)
    await send.click()
    image = timeline(b).get_by_role("button", name="Open image dance.gif").locator("img")
    await expect(image).to_have_attribute("src", BLOB_URL)
    assert await image.evaluate("async (img) => { await img.decode(); return img.naturalWidth }")
    messages = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    url = messages[-1]["attachments"][0]["url"]
    assert messages[-1]["attachments"][0]["mime"] == "image/gif"
    paths = [u.split("://", 1)[1].split("/", 1)[1] for u in requested]
    assert url.lstrip("/") in paths, paths  # the GIF itself ...
    assert f"{url}/thumbnail".lstrip("/") not in paths  # ... not its first frame
    a_client.assert_no_errors()
    b_client.assert_no_errors()
