"""The bugs a long-time Telegram user hit at once (issue 13), each in a real browser: presence
with two tabs, a burst past the send limit, a member removed and added back, sign-up rules,
a private chat that appears before anything was sent, and toasts collapsed per chat."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import WEB_DIST, NewContext
from tests.e2e.flows import (
    People,
    bubble,
    chat_item,
    chat_status,
    composer,
    open_app,
    send,
    start_chat_with,
    timeline,
)
from tests.harness import ServerProcess

HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
  document.dispatchEvent(new Event('visibilitychange'))
}"""
SHOW = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
  document.dispatchEvent(new Event('visibilitychange'))
}"""


@pytest.fixture
async def people_on() -> AsyncIterator[Callable[[ServerProcess], People]]:
    """People registered on a test's own server, closed at the end."""
    crowds: list[People] = []

    def make(server: ServerProcess) -> People:
        crowds.append(People(server))
        return crowds[-1]

    yield make
    for crowd in crowds:
        await crowd.aclose()


async def _presence_said(page: Page) -> None:
    """The tab's presence:set has been answered (the command round trip is short; the socket
    frames are ordered, so a later message through the same socket proves it)."""
    await page.wait_for_timeout(300)


async def test_presence_is_the_best_of_the_users_tabs(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Watch"), await people.register("Bob Twotabs")
    chat = await alice.private_chat(bob)
    await alice.send(chat["id"], "there?")
    _, a = await open_app(new_context, alice, "Bob Twotabs")
    b1_client, b1 = await open_app(new_context, bob, "Alice Watch")
    await expect(chat_status(a)).to_have_text("online")

    # Bob signs in on a second browser, which goes to the background and is closed.
    b2_client, b2 = await open_app(new_context, bob)
    await b2.evaluate(HIDE)
    await _presence_said(b2)
    await b2_client.context.close()
    await send(b1, "still here")  # and Bob keeps writing from tab 1
    await expect(bubble(a, "still here")).to_be_visible()
    await a.wait_for_timeout(500)
    await expect(chat_status(a)).to_have_text("online", timeout=1)

    # Only when every tab of Bob's is hidden is he away ("last seen"); back at once after.
    await b1.evaluate(HIDE)
    await expect(chat_status(a)).to_have_text(re.compile(r"^last seen"))
    await b1.evaluate(SHOW)
    await expect(chat_status(a)).to_have_text("online")
    b1_client.assert_no_errors()


async def test_a_burst_past_the_send_limit_goes_out_by_itself(
    make_server: Callable[..., ServerProcess],
    people_on: Callable[[ServerProcess], People],
    new_context: NewContext,
) -> None:
    # 5 messages per 4 s: a burst of 9 hits the limit twice.
    env = {
        "SHOMIK_WEB_DIR": str(WEB_DIST),
        "SHOMIK_RATE_LIMITS_ENABLED": "true",
        "SHOMIK_RATE_SEND": "5/4second",
    }
    server = await asyncio.to_thread(make_server, env)
    crowd = people_on(server)
    alice, bob = await crowd.register("Alice Burst"), await crowd.register("Bob Burst")
    chat = await alice.private_chat(bob)
    await bob.send(chat["id"], "go")
    a_client, a = await open_app(new_context, alice, "Bob Burst", base_url=server.url)
    _, b = await open_app(new_context, bob, "Alice Burst", base_url=server.url)
    for i in range(1, 10):
        await composer(a).fill(f"burst {i}")
        await composer(a).press("Enter")
    await expect(a.get_by_role("status").filter(has_text="Sending too fast")).to_be_visible()
    # Nobody sends anything more: the outbox waits out retryAfter and sends the rest.
    await expect(a.get_by_label("Sending")).to_have_count(0, timeout=20_000)
    await expect(a.get_by_role("status").filter(has_text="Sending too fast")).to_have_count(0)
    await expect(bubble(b, "burst 9")).to_be_visible()
    texts = await timeline(b).locator("article").all_inner_texts()
    got = [m.group(0) for t in texts if (m := re.search(r"burst \d", t))]
    assert got == [f"burst {i}" for i in range(1, 10)]  # each once, in order
    a_client.assert_no_errors()


async def test_a_member_removed_and_added_back_is_told_and_gets_the_history(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Admin"), await people.register("Bob Stays")
    carol = await people.register("Carol Back")
    group = await alice.group("Team", bob, carol)
    await alice.send(group["id"], "before the removal")
    c_client, c = await open_app(new_context, carol, "Team")
    await expect(bubble(c, "before the removal")).to_be_visible()

    r = await alice.http.delete(f"/api/chats/{group['id']}/members/{carol.id}")
    assert r.status_code == 204, r.text
    await expect(c.get_by_text("You were removed from Team by Alice Admin.")).to_be_visible()
    await expect(chat_item(c, "Team")).to_have_count(0)

    await alice.send(group["id"], "while Carol was out")
    r = await alice.http.post(f"/api/chats/{group['id']}/members", json={"userIds": [carol.id]})
    assert r.status_code == 200, r.text
    # The open chat comes back with its history, and new messages land in it.
    await expect(bubble(c, "while Carol was out")).to_be_visible()
    await expect(bubble(c, "before the removal")).to_be_visible()
    await alice.send(group["id"], "welcome back")
    await expect(bubble(c, "welcome back")).to_be_visible()
    await expect(chat_item(c, "Team")).to_be_visible()
    c_client.assert_no_errors()


async def test_sign_up_shows_the_rules_and_says_which_field_is_wrong(
    new_context: NewContext,
) -> None:
    client = await new_context()
    page = await client.new_page()
    await page.goto("/register")
    await expect(page.get_by_text("3–32 Latin letters, digits, _ or . (no spaces)")).to_be_visible()
    await expect(page.get_by_text("At least 8 characters")).to_be_visible()
    await page.get_by_label("Username").fill("Alice Smith")
    await page.get_by_label("Password").fill("a long enough secret")
    await page.get_by_role("button", name="Sign up").click()
    username = page.get_by_label("Username")
    await expect(username).to_have_attribute("aria-invalid", "true")
    await expect(username).to_be_focused()
    await expect(page.get_by_role("alert")).to_have_text(re.compile("No spaces in a username"))
    await expect(page).to_have_url(re.compile(r"/register$"))


async def test_a_private_chat_appears_for_the_other_person_with_its_first_message(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Opens"), await people.register("Bob Waits")
    _, a = await open_app(new_context, alice)
    _, b = await open_app(new_context, bob)
    await start_chat_with(a, "Bob Waits")
    await expect(chat_item(a, "Bob Waits")).to_be_visible()
    await b.wait_for_timeout(500)
    await expect(chat_item(b, "Alice Opens")).to_have_count(0, timeout=1)
    await send(a, "first words")
    await expect(chat_item(b, "Alice Opens")).to_contain_text("first words")
    await expect(chat_item(b, "Alice Opens")).to_have_accessible_name(re.compile("1 unread"))
    await b.reload()
    await expect(chat_item(b, "Alice Opens")).to_be_visible()


async def test_toasts_collapse_per_chat_and_stay_off_the_open_chat(
    people: People, new_context: NewContext
) -> None:
    alice, carol, dave = (
        await people.register("Alice Reads"),
        await people.register("Carol Chatty"),
        await people.register("Dave Quiet"),
    )
    with_carol = await carol.private_chat(alice)
    with_dave = await dave.private_chat(alice)
    await carol.send(with_carol["id"], "hi")
    await dave.send(with_dave["id"], "hello")
    client, a = await open_app(new_context, alice, "Dave Quiet")
    for i in range(12):
        await carol.send(with_carol["id"], f"chatter {i}")
    toast = a.get_by_role("button", name=re.compile("^Carol Chatty: "))
    await expect(toast).to_have_accessible_name("Carol Chatty: 12 new messages")
    await expect(a.get_by_role("button", name=re.compile("^Carol Chatty"))).to_have_count(1)
    box, pane = await toast.bounding_box(), await timeline(a).bounding_box()
    assert box is not None and pane is not None
    assert box["x"] + box["width"] <= pane["x"]  # in the chat-list column, not over the chat
    await toast.click()
    await expect(a.get_by_role("article", name="Carol Chatty: chatter 11")).to_be_visible()
    client.assert_no_errors()
