"""1:1 calls between two browsers, proven with the receiving side's `getStats()`: audio with
energy (not silence), decoded video, mute, screen share, hang-up, decline and a missed call.
The UI is driven by accessible names only; media is never judged by UI state."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.browser import Client, NewContext, save_screenshot
from tests.e2e.calls.conftest import STEP_MS, click, open_call_app
from tests.e2e.calls.media import (
    CAMERA_4_3_SCRIPT,
    active_video,
    aspect,
    eventually,
    gained,
    snapshot,
    wait_closed,
    wait_for_media,
)
from tests.e2e.flows import People, both_open, timeline
from tests.harness import ServerProcess

CAMERA = 4 / 3  # Chromium's fake camera at its native 640x480
SCREEN = 16 / 9  # its fake screen: 1280x720
STEP_S = STEP_MS / 1000


async def video_call(
    people: People, new_context: NewContext, scripts: Sequence[str] = ()
) -> tuple[tuple[Client, Page], tuple[Client, Page]]:
    """Alice calls Bob with video from their chat, Bob accepts; both receive audio with
    energy and decoded video. Returns (Alice's client and page, Bob's)."""
    alice, bob = await people.register("Alice Caller"), await people.register("Bob Callee")
    await both_open(alice, bob)
    caller = await open_call_app(new_context, alice, "Bob Callee", scripts=scripts)
    callee = await open_call_app(new_context, bob, "Alice Caller", scripts=scripts)
    await click(caller[1], "Start video call")
    await click(callee[1], "Accept")
    for who, page in (("the caller", caller[1]), ("the callee", callee[1])):
        await wait_for_media(page, video=1, audio=1, timeout=STEP_S, who=who)
    return caller, callee


async def test_a_video_call_carries_audio_and_video_both_ways(
    people: People, new_context: NewContext
) -> None:
    (a_client, a), (b_client, b) = await video_call(people, new_context)
    for page in (a, b):
        snap = await snapshot(page)
        assert [p.connection_state for p in snap.live] == ["connected"], snap.peers
        assert snap.total("video", "framesDecoded") > 0
        assert snap.total("audio", "totalAudioEnergy") > 0
    # For a person to look at: the call view on both sides, with live video.
    await save_screenshot(a, "call-caller")
    await save_screenshot(b, "call-callee")
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_mute_silences_the_other_side_and_unmute_restores_it(
    people: People, new_context: NewContext
) -> None:
    (_, a), (_, b) = await video_call(people, new_context)
    # The fake microphone beeps about once a second: 2 s hold energy; silence holds none.
    before = await gained(b, "audio", "totalAudioEnergy", 2.0)
    assert before > 0

    await click(a, "Mute")
    await expect(a.get_by_role("button", name="Unmute", exact=True)).to_be_visible()
    await eventually(
        lambda: gained(b, "audio", "totalAudioEnergy", 2.0),
        lambda muted: muted < before * 0.05,
        timeout=STEP_S,
        what=f"audio energy at Bob to stop after Mute (2 s before: {before})",
    )
    # Packets still flow (the track is only disabled): it is silence, not a dead call.
    assert await gained(b, "audio", "bytesReceived", 1.0) > 0

    await click(a, "Unmute")
    await eventually(
        lambda: gained(b, "audio", "totalAudioEnergy", 2.0),
        lambda restored: restored > before * 0.3,
        timeout=STEP_S,
        what=f"audio energy at Bob to come back after Unmute (2 s before mute: {before})",
    )


def ratio_is(target: float) -> Callable[[list[dict[str, Any]]], bool]:
    """All decoding streams (at least one) have this aspect ratio, within 0.08."""

    def ok(streams: list[dict[str, Any]]) -> bool:
        return bool(streams) and all(abs(aspect(s) - target) < 0.08 for s in streams)

    return ok


async def test_screen_share_turns_the_other_side_16_9_and_back(
    people: People, new_context: NewContext
) -> None:
    # A 4:3 camera (media.CAMERA_4_3_SCRIPT): the app's default 16:9 one looks like a screen.
    (_, a), (_, b) = await video_call(people, new_context, [CAMERA_4_3_SCRIPT])
    assert ratio_is(CAMERA)(await active_video(b)), await snapshot(b)

    await click(a, "Share screen")
    await expect(a.get_by_role("button", name="Stop sharing", exact=True)).to_be_visible()
    await eventually(
        lambda: active_video(b),
        lambda streams: any(abs(aspect(s) - SCREEN) < 0.08 for s in streams),
        timeout=5,
        what="Bob's inbound video to turn 16:9 (fake screen 1280x720)",
    )

    await click(a, "Stop sharing")
    await expect(a.get_by_role("button", name="Share screen", exact=True)).to_be_visible()
    await eventually(
        lambda: active_video(b),
        ratio_is(CAMERA),
        timeout=5,
        what="Bob's inbound video back to 4:3 (fake camera 640x480)",
    )


async def test_a_screen_shared_from_an_audio_call_reaches_the_other_side(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Talker"), await people.register("Bob Listener")
    await both_open(alice, bob)
    _, a = await open_call_app(new_context, alice, "Bob Listener")
    _, b = await open_call_app(new_context, bob, "Alice Talker")
    await click(a, "Start audio call")
    await click(b, "Accept")
    await wait_for_media(b, video=0, audio=1, timeout=STEP_S, who="Bob")
    assert not (await snapshot(b)).streams("video")  # an audio call: no video at all yet

    # The button works in an audio call too: the screen goes out as a track of its own.
    await click(a, "Share screen")
    await expect(a.get_by_role("button", name="Stop sharing", exact=True)).to_be_visible()
    await eventually(
        lambda: active_video(b),
        ratio_is(SCREEN),
        timeout=STEP_S,
        what="Bob decoding Alice's screen (16:9) in an audio call",
    )
    await expect(b.locator("li.tile video")).to_have_count(1, timeout=STEP_MS)
    # Still a call: the sound goes on.
    await wait_for_media(b, video=1, audio=1, timeout=STEP_S, who="Bob")

    await click(a, "Stop sharing")
    await eventually(
        lambda: active_video(b),
        lambda streams: not streams,
        timeout=STEP_S,
        what="Bob's video to stop after Stop sharing",
    )
    await expect(b.locator("li.tile video")).to_have_count(0, timeout=STEP_MS)


async def test_hang_up_closes_both_peer_connections_and_leaves_a_message(
    people: People, new_context: NewContext
) -> None:
    (a_client, a), (b_client, b) = await video_call(people, new_context)
    await click(a, "Hang up")
    for page in (a, b):
        await wait_closed(page, STEP_S)
        await expect(page.get_by_role("button", name="Hang up", exact=True)).to_have_count(
            0, timeout=STEP_MS
        )
        await expect(page.locator("video")).to_have_count(0, timeout=STEP_MS)
        # The server's system message ("Video call, 0:05"), whatever the exact wording.
        await expect(timeline(page)).to_contain_text(
            re.compile(r"video call", re.IGNORECASE), timeout=STEP_MS
        )
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_a_declined_call_ends_for_the_caller_with_a_message(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Caller"), await people.register("Bob Busy")
    await both_open(alice, bob)
    _, a = await open_call_app(new_context, alice, "Bob Busy")
    _, b = await open_call_app(new_context, bob, "Alice Caller")
    await click(a, "Start video call")
    await click(b, "Decline")
    for page in (a, b):
        await expect(page.get_by_role("button", name="Hang up", exact=True)).to_have_count(
            0, timeout=STEP_MS
        )
        await expect(timeline(page)).to_contain_text(
            re.compile(r"declined", re.IGNORECASE), timeout=STEP_MS
        )
    await expect(b.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    for page in (a, b):
        snap = await snapshot(page)
        assert not snap.live, f"a peer connection outlived the declined call: {snap.peers}"


async def test_an_unanswered_call_ends_as_missed(
    make_server: Callable[..., ServerProcess], new_context: NewContext, web_server: ServerProcess
) -> None:
    # Its own server: rings 3 s instead of 45 (SHOMIK_CALL_RING_SECONDS).
    server = make_server({**web_server.env, "SHOMIK_CALL_RING_SECONDS": "3"})
    people = People(server)
    try:
        alice, bob = await people.register("Alice Caller"), await people.register("Bob Away")
        await both_open(alice, bob)
        _, a = await open_call_app(new_context, alice, "Bob Away", server)
        _, b = await open_call_app(new_context, bob, "Alice Caller", server)
        await click(a, "Start audio call")
        await expect(b.get_by_role("button", name="Accept", exact=True)).to_be_visible(
            timeout=STEP_MS
        )
        # Bob does nothing: after the ring time the call ends on both sides.
        for page in (a, b):
            await expect(page.get_by_role("button", name="Hang up", exact=True)).to_have_count(
                0, timeout=STEP_MS
            )
            await expect(timeline(page)).to_contain_text(
                re.compile(r"missed", re.IGNORECASE), timeout=STEP_MS
            )
        await expect(b.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
        assert not (await snapshot(a)).live
    finally:
        await people.aclose()
