"""A 3-person video call in a group (a mesh: one peer connection per pair). Three is the
most the guide's 2-core machines carry for video; this test runs alone (CPU-heavy)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.browser import NewContext
from tests.e2e.calls.conftest import STEP_MS, click, open_call_app
from tests.e2e.calls.media import snapshot, wait_for_media
from tests.e2e.flows import People


async def test_three_people_in_a_group_call_each_receive_the_other_two(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Host")
    bob = await people.register("Bob Second")
    carol = await people.register("Carol Third")
    await alice.group("Call Crew", bob, carol)
    _, a = await open_call_app(new_context, alice, "Call Crew")
    _, b = await open_call_app(new_context, bob, "Call Crew")
    _, c = await open_call_app(new_context, carol, "Call Crew")

    await click(a, "Start video call")
    await click(b, "Accept")
    # Carol answers too: by the ringing screen, or, once it is running, by "Join call".
    accept = c.get_by_role("button", name="Accept", exact=True)
    join = c.get_by_role("button", name="Join call", exact=True)
    await expect(accept.or_(join).first).to_be_visible(timeout=STEP_MS)
    await (accept if await accept.count() else join).click()

    for who, page in (("Alice", a), ("Bob", b), ("Carol", c)):
        await wait_for_media(page, video=2, audio=2, timeout=STEP_MS / 1000 * 2, who=who)
        snap = await snapshot(page)
        connected = [p for p in snap.live if p.connection_state == "connected"]
        assert len(connected) == 2, snap.peers
        # Each remote person is a peer connection decoding their own video.
        assert all(sum(v["framesDecoded"] for v in p.video) > 0 for p in connected), snap.peers
