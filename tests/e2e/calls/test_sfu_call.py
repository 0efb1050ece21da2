"""Group calls through Janus (docs/calls.md §9-§10), with real browsers and a real Janus in
the loopback-only namespace: five people each receive the other four (proven by getStats,
per person), each sends one stream to Janus only; mute is silence at all others; a screen
reaches all others as 16:9; a camera turned off and on again is seen so by all others;
someone outside the chat is refused by Janus; hanging up leaves the others connected, and
the last one out takes the room with them. Then a relay-only call through coturn, and a
reload in the middle of a call."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any

from playwright.async_api import Page, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.calls.conftest import (
    STEP_MS,
    Turn,
    click,
    open_call_app,
    sfu_server_env,
)
from tests.e2e.calls.media import eventually
from tests.e2e.calls.sfu import (
    SMALL_CAMERA_SCRIPT,
    Received,
    received,
    stats,
    wait_for_people,
    wait_topology,
)
from tests.e2e.flows import People, signed_in_as, timeline
from tests.harness import ServerProcess, User
from tests.sfu.conftest import Janus

STEP_S = STEP_MS / 1000
SCREEN = 16 / 9
# Five browsers negotiating with Janus on two cores: set-up takes longer than a 1:1 call.
SETUP_S = STEP_S * 4

# A browser page trying Janus with the room id but no token of its own (Janus's answer to
# `create`, the first request of all: 403 when the token is missing or not one Shomik added).
_OUTSIDER = """
async ({ url, room, token }) => {
  const ws = new WebSocket(url, 'janus-protocol');
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const ask = (body) => new Promise((resolve) => {
    const transaction = Math.random().toString(36).slice(2);
    const listener = (event) => {
      const message = JSON.parse(event.data);
      if (message.transaction !== transaction || message.janus === 'ack') return;
      ws.removeEventListener('message', listener);
      resolve(message);
    };
    ws.addEventListener('message', listener);
    ws.send(JSON.stringify({ ...body, transaction, ...(token ? { token } : {}) }));
  });
  const created = await ask({ janus: 'create' });
  ws.close();
  return { janus: created.janus, code: created.error ? created.error.code : null, room };
}
"""


async def sfu_group(
    people: People,
    new_context: NewContext,
    names: Sequence[str],
    server: ServerProcess,
    media: str = "video",
    late: bool = False,
) -> tuple[list[User], list[Page]]:
    """Everyone in `names` in a group; the first starts a call, the others accept (`late`:
    the last one declines, then joins the running call with the "Join" bar in the chat)."""
    users = [await people.register(name) for name in names]
    await users[0].group("Stand-up", *users[1:])
    pages = []
    for user in users:
        _, page = await open_call_app(new_context, user, "Stand-up", server, [SMALL_CAMERA_SCRIPT])
        pages.append(page)
    await click(pages[0], f"Start {media} call")
    for page in pages[1:-1] if late else pages[1:]:
        await click(page, "Accept")
    if late:
        await click(pages[-1], "Decline")
        # The bar above the messages offers the running call (as the header's "Join call").
        bar = pages[-1].get_by_role("region", name=f"{media.capitalize()} call in progress")
        await expect(bar).to_contain_text(f"{len(names) - 1} people in the call", timeout=STEP_MS)
        await bar.get_by_role("button", name="Join", exact=True).click(timeout=STEP_MS)
        await expect(bar).to_have_count(0, timeout=STEP_MS)  # gone once we are in
    return users, pages


async def everyone_hears_everyone(
    users: Sequence[User], pages: Sequence[Page], video: bool = True
) -> None:
    for user, page in zip(users, pages, strict=True):
        others = [u.id for u in users if u is not user]
        await wait_for_people(page, others, SETUP_S, user.me["displayName"], video)


async def at_all(pages: Sequence[Page], seconds: float) -> list[Received]:
    """What each page received over the same few seconds."""
    return list(await asyncio.gather(*(received(page, seconds) for page in pages)))


async def room_of_the_call(janus: Janus) -> int:
    rooms: list[int] = await eventually(janus.rooms, lambda r: len(r) == 1, STEP_S, "one room")
    return rooms[0]


async def test_five_people_talk_through_janus(
    sfu_server: ServerProcess, new_context: NewContext, janus: Janus
) -> None:
    people = People(sfu_server)
    try:
        names = ["Ann Five", "Ben Five", "Cat Five", "Dan Five", "Eve Five"]
        users, pages = await sfu_group(people, new_context, names, sfu_server)
        room = await room_of_the_call(janus)
        # Each one sees and hears each of the other four...
        await everyone_hears_everyone(users, pages)
        # ... through Janus only: one uplink, Janus's candidates, no browser-to-browser path.
        for user, page in zip(users, pages, strict=True):
            await wait_topology(page, STEP_S, user.me["displayName"])
        assert sorted(await janus.participants(room)) == sorted(u.id for u in users)
        await save_screenshot(pages[0], "sfu-call-five")  # for a person to look at

        cat = users[2]
        await mute_is_silence_for_all_others(users, pages)
        await screen_reaches_all_others(users, pages)
        await camera_off_is_seen_by_all_others(users, pages)

        # Someone who is not in the chat, with the room's id: Janus lets them in nowhere.
        frank = await people.register("Frank Outsider")
        outsider = await (await new_context(base_url=sfu_server.url)).new_page()
        await signed_in_as(outsider, frank)
        for token in (None, "a-guessed-token"):
            answer = await outsider.evaluate(
                _OUTSIDER, {"url": janus.url, "room": room, "token": token}
            )
            assert (answer["janus"], answer["code"]) == ("error", 403), answer

        # Cat hangs up: the other four stay connected to each other.
        await click(pages[2], "Hang up")
        rest_users = [u for u in users if u is not cat]
        rest_pages = [p for p in pages if p is not pages[2]]
        await everyone_hears_everyone(rest_users, rest_pages)
        await eventually(
            lambda: janus.participants(room),
            lambda ids: cat.id not in ids and len(ids) == 4,
            STEP_S,
            "Cat's feed out of the room",
        )

        # The last one out ends the call, and the room goes with it.
        for page in rest_pages:
            await click(page, "Hang up")
        await eventually(janus.rooms, lambda rooms: room not in rooms, STEP_S, "room destroyed")
        # The call's system message ("Video call, 0:41"), as for a mesh.
        await expect(timeline(pages[0])).to_contain_text(
            re.compile(r"video call", re.IGNORECASE), timeout=STEP_MS
        )
    finally:
        await people.aclose()


async def mute_is_silence_for_all_others(users: Sequence[User], pages: Sequence[Page]) -> None:
    ann, listeners = users[0], pages[1:]
    # The fake microphone beeps about once a second: 2 s hold energy; silence holds none.
    before = [r.energy[ann.id] for r in await at_all(listeners, 2.0)]
    assert all(e > 0 for e in before), before
    tiles = [page.locator(f'li.tile[data-user-id="{ann.id}"]') for page in listeners]
    for tile in tiles:  # her beeps make her a speaker (outlined) for everyone
        await expect(tile).to_have_class(re.compile(r"\bspeaking\b"), timeout=STEP_MS)
    await click(pages[0], "Mute")
    for tile in tiles:
        # Her tile says so, from the state she published to the room, and she is no
        # longer a speaker.
        await expect(tile.get_by_role("img", name="muted")).to_be_visible(timeout=STEP_MS)
        await expect(tile).not_to_have_class(re.compile(r"\bspeaking\b"), timeout=STEP_MS)
    # So does the participant list.
    await click(listeners[0], f"Show participants ({len(users)})")
    entry = listeners[0].locator(f'section li[data-user-id="{ann.id}"]')
    await expect(entry.get_by_role("img", name="muted")).to_be_visible(timeout=STEP_MS)
    await save_screenshot(listeners[0], "sfu-call-participants")

    def silent(readings: list[Received]) -> bool:
        return all(
            r.energy.get(ann.id, 0) < b * 0.05 and r.audio_bytes.get(ann.id, 0) > 0
            for r, b in zip(readings, before, strict=True)
        )

    await eventually(lambda: at_all(listeners, 2.0), silent, STEP_S, "Ann silent for all")
    # The others are still heard meanwhile (Cat, at Ben's): only Ann is muted.
    [at_ben] = await at_all(listeners[:1], 2.0)
    assert at_ben.energy[users[2].id] > 0, at_ben.energy
    await click(pages[0], "Unmute")
    await eventually(
        lambda: at_all(listeners, 2.0),
        lambda readings: all(r.energy.get(ann.id, 0) > 0 for r in readings),
        STEP_S,
        "Ann heard again by all",
    )


def sees_screen_of(user_id: int) -> Callable[[list[Any]], bool]:
    def ok(snapshots: list[Any]) -> bool:
        return all(abs(s.aspect(user_id) - SCREEN) < 0.08 for s in snapshots)

    return ok


async def screen_reaches_all_others(users: Sequence[User], pages: Sequence[Page]) -> None:
    ben, watchers = users[1], [p for p in pages if p is not pages[1]]
    for page in watchers:
        assert abs((await stats(page)).aspect(ben.id) - 4 / 3) < 0.08  # his 4:3 camera first
    await click(pages[1], "Share screen")
    await expect(pages[1].get_by_role("button", name="Stop sharing", exact=True)).to_be_visible()
    await eventually(
        lambda: asyncio.gather(*(stats(p) for p in watchers)),
        sees_screen_of(ben.id),
        STEP_S,
        "Ben's screen (16:9) at all others",
    )
    await click(pages[1], "Stop sharing")
    await eventually(
        lambda: asyncio.gather(*(stats(p) for p in watchers)),
        lambda snaps: all(abs(s.aspect(ben.id) - 4 / 3) < 0.08 for s in snaps),
        STEP_S,
        "Ben's camera back at all others",
    )


async def camera_off_is_seen_by_all_others(users: Sequence[User], pages: Sequence[Page]) -> None:
    dan, watchers = users[3], [p for p in pages if p is not pages[3]]
    tiles = [page.locator(f'li.tile[data-user-id="{dan.id}"] video') for page in watchers]
    await click(pages[3], "Turn camera off")
    for tile in tiles:  # his published state says he sends no video: his tile shows none
        await expect(tile).to_have_count(0, timeout=STEP_MS)
    await click(pages[3], "Turn camera on")
    for tile in tiles:
        await expect(tile).to_have_count(1, timeout=STEP_MS)
    await eventually(
        lambda: at_all(watchers, 1.5),
        lambda readings: all(r.frames.get(dan.id, 0) > 0 for r in readings),
        STEP_S,
        "Dan's camera decoded again by all others",
    )


async def test_a_screen_shared_from_an_audio_group_call_reaches_the_others(
    sfu_server: ServerProcess, new_context: NewContext
) -> None:
    people = People(sfu_server)
    try:
        names = ["Ann Audio", "Ben Audio", "Cat Audio"]
        users, pages = await sfu_group(
            people, new_context, names, sfu_server, media="audio", late=True
        )
        await everyone_hears_everyone(users, pages, video=False)
        ann = users[0]
        # Ann's uplink has its (empty) video m-line from the start: sharing fills it.
        await click(pages[0], "Share screen")
        await eventually(
            lambda: asyncio.gather(*(stats(p) for p in pages[1:])),
            sees_screen_of(ann.id),
            STEP_S,
            "Ann's screen (16:9) at Ben and Cat",
        )
        for page in pages[1:]:
            # Her tile shows it (her published state says she sends video now).
            tile = page.locator(f'li.tile[data-user-id="{ann.id}"] video')
            await expect(tile).to_have_count(1, timeout=STEP_MS)
        await click(pages[0], "Stop sharing")
        for page in pages[1:]:
            tile = page.locator(f'li.tile[data-user-id="{ann.id}"] video')
            await expect(tile).to_have_count(0, timeout=STEP_MS)
    finally:
        await people.aclose()


async def test_a_relay_only_group_call_goes_through_coturn(
    make_server: Callable[..., ServerProcess], new_context: NewContext, turn: Turn, janus: Janus
) -> None:
    server = make_server(sfu_server_env(turn, janus, SHOMIK_ICE_TRANSPORT_POLICY="relay"))
    people = People(server)
    try:
        names = ["Ann Relay", "Ben Relay", "Cat Relay"]
        users, pages = await sfu_group(people, new_context, names, server)
        await everyone_hears_everyone(users, pages)
        for user, page in zip(users, pages, strict=True):
            snapshot = await stats(page)
            assert len(snapshot.live) == 2, snapshot.pcs
            for pc in snapshot.live:
                # Our side of every path is coturn's relay; the other side is Janus.
                assert (pc["local"] or {}).get("type") == "relay", (user.id, pc)
        for page in pages:
            await click(page, "Hang up")
    finally:
        await people.aclose()


async def test_a_reload_rejoins_the_sfu_call_within_the_grace_period(
    sfu_server: ServerProcess, new_context: NewContext
) -> None:
    people = People(sfu_server)
    try:
        names = ["Ann Reload", "Ben Reload", "Cat Reload"]
        users, pages = await sfu_group(people, new_context, names, sfu_server)
        await everyone_hears_everyone(users, pages)
        # Cat reloads: the app finds the call holding her place and rejoins it.
        await pages[2].reload()
        await expect(pages[2].get_by_role("button", name="Hang up", exact=True)).to_be_visible(
            timeout=STEP_MS
        )
        await everyone_hears_everyone(users, pages)
        await wait_topology(pages[2], STEP_S, "Cat, after the reload")
        for page in pages:
            await click(page, "Hang up")
    finally:
        await people.aclose()
