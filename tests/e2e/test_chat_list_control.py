"""Chat-list control and reading (issue 8, items 7 and 8), in real browsers: mute silences
toasts but not a mention, archive and the way back on a new message, pinned chats in the
user's order (also on their second device and after a reload), mark as unread, and the
"Unread messages" separator a chat opens at. Settings are per user and synced live to all
of the user's devices."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import People, both_open, chat_item, open_app, open_chat, timeline
from tests.harness import User


async def chat_menu(page: Page, title: str) -> Locator:
    """Opens a chat's menu in the list (a right click on it)."""
    await chat_item(page, title).click(button="right")
    menu = page.get_by_role("menu", name="Chat actions")
    await expect(menu).to_be_visible()
    return menu


async def choose(page: Page, title: str, action: str) -> None:
    menu = await chat_menu(page, title)
    await menu.get_by_role("menuitem", name=action).click()
    await expect(menu).to_have_count(0)


def toast(page: Page, text: str) -> Locator:
    return page.get_by_role("button", name=re.compile(re.escape(text)))


async def list_names(page: Page) -> list[str]:
    """The chat list's entries, top to bottom, by accessible name."""
    links = page.get_by_role("navigation", name="Chat list").get_by_role("link")
    return list(await links.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"))


async def top_titles(page: Page, count: int) -> list[str]:
    return [name.split(",")[0] for name in (await list_names(page))[:count]]


async def expect_top(page: Page, titles: list[str], timeout: float = 5) -> None:
    """The list's top entries become these, waiting out the moments in between: a reorder
    reaches a device as one `chat:settings` per chat, so a list may pass through other
    orders on its way (polled, as `expect` polls one locator)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        got = await top_titles(page, len(titles))
        if got == titles or asyncio.get_running_loop().time() > deadline:
            assert got == titles
            return
        await page.wait_for_timeout(100)


def entry(page: Page, index: int) -> Locator:
    """The chat list's entry at this place (0: the top)."""
    return page.get_by_role("navigation", name="Chat list").get_by_role("link").nth(index)


async def test_mute_silences_toasts_but_not_a_mention_and_syncs_to_the_other_device(
    people: People, new_context: NewContext
) -> None:
    alice, bob, carol, dave = (
        await people.register("Alice Mute"),
        await people.register("Bob Noisy"),
        await people.register("Carol Calm"),
        await people.register("Dave Open"),
    )
    noisy = await bob.group("Noisy Group", alice)
    with_carol = await both_open(carol, alice)
    await both_open(dave, alice)
    await bob.send(noisy["id"], "welcome")
    await carol.send(with_carol["id"], "hi")
    client1, a1 = await open_app(new_context, alice, "Dave Open")
    client2, a2 = await open_app(new_context, alice)

    await choose(a1, "Noisy Group", "Mute for 8 hours")
    # Live on the second device: the muted icon and the name say so.
    for page in (a1, a2):
        await expect(chat_item(page, "Noisy Group")).to_have_accessible_name(re.compile("muted"))
        await expect(chat_item(page, "Noisy Group").get_by_test_id("muted-icon")).to_be_visible()

    await bob.send(noisy["id"], "quiet chatter")
    for page in (a1, a2):
        await expect(chat_item(page, "Noisy Group")).to_contain_text("quiet chatter")
    await carol.send(with_carol["id"], "loud news")
    await expect(toast(a1, "loud news")).to_be_visible()
    await expect(toast(a2, "loud news")).to_be_visible()
    # The muted chat's message came first and made no toast on either device.
    await expect(toast(a1, "quiet chatter")).to_have_count(0)
    await expect(toast(a2, "quiet chatter")).to_have_count(0)

    # The unread badge is grey in the muted chat, coloured in the other.
    muted_badge = chat_item(a2, "Noisy Group").get_by_test_id("unread-badge")
    plain_badge = chat_item(a2, "Carol Calm").get_by_test_id("unread-badge")
    await expect(muted_badge).to_have_text(re.compile(r"^\d+$"))
    grey = await muted_badge.evaluate("el => getComputedStyle(el).backgroundColor")
    plain = await plain_badge.evaluate("el => getComputedStyle(el).backgroundColor")
    channels = [int(c) for c in re.findall(r"\d+", grey)[:3]]
    assert grey != plain
    assert max(channels) - min(channels) < 40, grey  # grey: no strong hue

    # A mention of Alice gets through the mute.
    await bob.send(noisy["id"], f"@{alice.username} please look")
    await expect(toast(a1, "please look")).to_be_visible()
    await save_screenshot(a2, "chat-list-muted")

    await choose(a2, "Noisy Group", "Unmute")
    await expect(chat_item(a1, "Noisy Group")).not_to_have_accessible_name(re.compile("muted"))
    client1.assert_no_errors()
    client2.assert_no_errors()


async def test_archive_and_a_new_message_brings_the_chat_back(
    people: People, new_context: NewContext
) -> None:
    alice, bob, carol = (
        await people.register("Alice Archive"),
        await people.register("Bob Back"),
        await people.register("Carol Stay"),
    )
    chat = await both_open(bob, alice)
    await both_open(carol, alice)
    await bob.send(chat["id"], "old news")
    client1, a1 = await open_app(new_context, alice)
    client2, a2 = await open_app(new_context, alice)

    await choose(a1, "Bob Back", "Archive")
    for page in (a1, a2):
        await expect(chat_item(page, "Bob Back")).to_have_count(0)
        await expect(page.get_by_role("button", name="Archived chats (1)")).to_be_visible()
    await a2.get_by_role("button", name="Archived chats (1)").click()
    await expect(chat_item(a2, "Bob Back")).to_be_visible()
    await expect(chat_item(a2, "Carol Stay")).to_have_count(0)
    await a2.get_by_role("button", name="Back").click()
    await expect(chat_item(a2, "Carol Stay")).to_be_visible()

    await bob.send(chat["id"], "back again")
    for page in (a1, a2):
        await expect(chat_item(page, "Bob Back")).to_contain_text("back again")
        archived_row = page.get_by_role("button", name=re.compile("^Archived chats"))
        await expect(archived_row).to_have_count(0)
    await a1.reload()
    await expect(chat_item(a1, "Bob Back")).to_be_visible()
    client1.assert_no_errors()
    client2.assert_no_errors()


async def test_pinned_chats_keep_the_users_order_on_both_devices_and_at_most_five(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Pins")
    others: list[User] = [await people.register(f"Pal {n}") for n in "ABCDEF"]
    chats = {}
    for pal in others:
        chats[pal.me["displayName"]] = await both_open(pal, alice)
        await pal.send(chats[pal.me["displayName"]]["id"], "hello")
    client1, a1 = await open_app(new_context, alice)
    client2, a2 = await open_app(new_context, alice)
    # The newest first before any pin: F, E, D…
    await expect_top(a1, ["Pal F", "Pal E", "Pal D"])

    for title in ("Pal A", "Pal B", "Pal C"):
        await choose(a1, title, "Pin to top")
    for page in (a1, a2):
        await expect(chat_item(page, "Pal C")).to_have_accessible_name(re.compile("pinned"))
        await expect_top(page, ["Pal A", "Pal B", "Pal C"])

    # Drag C onto A's place; then "Move down" from the keyboard's menu moves A below B.
    await chat_item(a1, "Pal C").drag_to(chat_item(a1, "Pal A"))
    await expect(entry(a1, 0)).to_have_accessible_name(re.compile("^Pal C"))
    await expect_top(a1, ["Pal C", "Pal A", "Pal B"])
    await choose(a1, "Pal A", "Move down")
    await expect(entry(a1, 1)).to_have_accessible_name(re.compile("^Pal B"))
    await expect_top(a1, ["Pal C", "Pal B", "Pal A"])
    # Live on the other device, and after a reload.
    await expect(entry(a2, 1)).to_have_accessible_name(re.compile("^Pal B"))
    await expect_top(a2, ["Pal C", "Pal B", "Pal A"])
    await a1.reload()
    # (The cached list shows first; the server's list is what must hold.)
    await expect(entry(a1, 1)).to_have_accessible_name(re.compile("^Pal B"))
    await expect_top(a1, ["Pal C", "Pal B", "Pal A"])
    # A new message elsewhere does not move an unpinned chat above the pinned ones.
    await others[5].send(chats["Pal F"]["id"], "news")
    await expect(chat_item(a1, "Pal F")).to_contain_text("news")
    await expect_top(a1, ["Pal C", "Pal B", "Pal A", "Pal F"])
    await save_screenshot(a1, "chat-list-pinned")

    # Five is the limit: a sixth pin is refused, with the reason.
    for title in ("Pal D", "Pal E"):
        await choose(a1, title, "Pin to top")
        await expect(chat_item(a1, title)).to_have_accessible_name(re.compile("pinned"))
    await choose(a1, "Pal F", "Pin to top")
    await expect(toast(a1, "You can pin at most 5 chats.")).to_be_visible()
    await expect(chat_item(a1, "Pal F")).not_to_have_accessible_name(re.compile("pinned"))
    # The refusal is the one error the browser reports.
    assert [e for e in client1.errors if not re.search(r"422 .*/settings", e)] == []
    client2.assert_no_errors()


async def test_mark_as_unread_shows_the_badge_and_opening_the_chat_clears_it(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Marks"), await people.register("Bob Read")
    chat = await both_open(bob, alice)
    await bob.send(chat["id"], "already read")
    client1, a1 = await open_app(new_context, alice, "Bob Read")
    await expect(chat_item(a1, "Bob Read").get_by_test_id("unread-badge")).to_have_count(0)
    client2, a2 = await open_app(new_context, alice)
    await a1.goto("/")
    await expect(chat_item(a1, "Bob Read")).to_be_visible()

    await choose(a1, "Bob Read", "Mark as unread")
    for page in (a1, a2):
        await expect(chat_item(page, "Bob Read").get_by_test_id("unread-badge")).to_be_visible()
        marked = re.compile("marked unread")
        await expect(chat_item(page, "Bob Read")).to_have_accessible_name(marked)
    await save_screenshot(a2, "chat-list-marked-unread")

    await open_chat(a2, "Bob Read")
    for page in (a1, a2):
        await expect(chat_item(page, "Bob Read").get_by_test_id("unread-badge")).to_have_count(0)
    await a1.reload()
    await expect(chat_item(a1, "Bob Read")).to_be_visible()
    await expect(chat_item(a1, "Bob Read").get_by_test_id("unread-badge")).to_have_count(0)
    client1.assert_no_errors()
    client2.assert_no_errors()


async def test_a_chat_opens_at_the_unread_messages_separator(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Reader"), await people.register("Bob Writer")
    chat = await both_open(bob, alice)
    last_read = None
    for n in range(60):
        last_read = await bob.send(chat["id"], f"read {n}")
    assert last_read is not None
    ws = await alice.ws()
    await ws.command("message:read", {"chatId": chat["id"], "messageId": last_read["id"]})
    await ws.close()
    # Five long unread messages: together taller than the window, so opening at the
    # bottom would push the separator out of view.
    body = "\n".join(f"line {i}" for i in range(12))
    for n in range(5):
        await bob.send(chat["id"], f"unread {n}\n{body}")

    client, a = await open_app(new_context, alice)
    await expect(chat_item(a, "Bob Writer")).to_have_accessible_name(re.compile("5 unread"))
    await open_chat(a, "Bob Writer")
    separator = timeline(a).get_by_role("separator").filter(has_text="Unread messages")
    await expect(separator).to_be_in_viewport()
    first = timeline(a).locator("article").filter(has_text="unread 0")
    await expect(first).to_be_in_viewport()
    sep_box, first_box = await separator.bounding_box(), await first.bounding_box()
    assert sep_box is not None and first_box is not None
    assert sep_box["y"] < first_box["y"]
    # Directly above the first unread: nothing between them but the gap.
    assert first_box["y"] - (sep_box["y"] + sep_box["height"]) < 40
    await expect(timeline(a).locator("article").filter(has_text="unread 4")).not_to_be_in_viewport()
    await save_screenshot(a, "unread-separator")

    # It stays while the chat is open, even once everything is read.
    await timeline(a).evaluate("el => { el.scrollTop = el.scrollHeight }")
    await expect(chat_item(a, "Bob Writer")).not_to_have_accessible_name(re.compile("unread"))
    await expect(timeline(a).get_by_text("Unread messages")).to_have_count(1)
    client.assert_no_errors()
