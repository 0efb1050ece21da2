"""The small things a Telegram user expects: the connection state where one looks (and no
stale presence meanwhile), the drop overlay, the image viewer's zoom, sender and caption,
"Draft:" in the chat list, pin notes and unpinning from the bar, and the first-run screen."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import WEB_DIST, NewContext, save_screenshot
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    chat_item,
    chat_status,
    composer,
    message_menu,
    open_app,
    open_chat,
    scroll_timeline_to_top,
    signed_in_as,
    timeline,
)
from tests.harness import ServerProcess, register
from tests.uploads import files
from tests.uploads.client import uploaded


def chat_list_status(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Chats", exact=True).get_by_role("status")


async def test_disconnected_the_state_shows_and_presence_does_not(
    make_server: Callable[..., ServerProcess], new_context: NewContext
) -> None:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"web client not built ({WEB_DIST}/index.html is missing)")
    server = await asyncio.to_thread(make_server, {"SHOMIK_WEB_DIR": str(WEB_DIST)})
    alice, bob = await register(server), await register(server)
    try:
        await both_open(alice, bob)
        bob_client = await new_context(base_url=server.url)
        await signed_in_as(await bob_client.new_page(), bob)  # Bob is online
        client = await new_context(base_url=server.url)
        page = await client.new_page()
        await signed_in_as(page, alice)
        bob_name = bob.me["displayName"]
        await open_chat(page, bob_name)
        await expect(chat_status(page)).to_have_text("online")
        await expect(chat_item(page, bob_name)).to_have_accessible_name(f"{bob_name}, online")

        await asyncio.to_thread(server.stop)
        # Where one looks, with a spinner: the chat's status line and the top of the list.
        await expect(chat_status(page)).to_have_text("Connecting…")
        await expect(chat_status(page)).to_have_attribute("role", "status")
        await expect(chat_list_status(page)).to_have_text("Connecting…")
        # Nothing stale: Bob is no longer shown online anywhere.
        await expect(chat_item(page, bob_name)).to_have_accessible_name(bob_name)
        await expect(page.get_by_text("online", exact=True)).to_have_count(0)
    finally:
        await alice.aclose()
        await bob.aclose()


DRAG = """async ([selector, types]) => {
    const data = new DataTransfer()
    data.items.add(new File(['minutes'], 'notes.txt', { type: 'text/plain' }))
    const target = document.querySelector(selector)
    const init = { dataTransfer: data, bubbles: true, cancelable: true }
    for (const type of types) target.dispatchEvent(new DragEvent(type, init))
}"""


async def test_dragging_a_file_over_the_chat_shows_the_drop_overlay(
    new_context: NewContext, people: People
) -> None:
    alice, bob = await people.register("Alice Drags"), await people.register("Bob Drags")
    await both_open(alice, bob)
    client, page = await open_app(new_context, alice, "Bob Drags")
    overlay = page.get_by_test_id("drop-overlay")
    await expect(overlay).to_have_count(0)

    await page.evaluate(DRAG, ['[role="log"]', ["dragenter", "dragover"]])
    await expect(overlay).to_be_visible()
    await expect(overlay).to_have_text("Drop files here to send them")
    await page.evaluate(DRAG, ['[role="log"]', ["dragleave"]])
    await expect(overlay).to_have_count(0)

    await page.evaluate(DRAG, ['[role="log"]', ["dragenter"]])
    await expect(overlay).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(overlay).to_have_count(0)

    await page.evaluate(DRAG, ["textarea", ["dragenter", "dragover", "drop"]])
    await expect(page.get_by_role("list", name="Attachments")).to_contain_text("notes.txt")
    await expect(overlay).to_have_count(0)  # the composer took it; the overlay went too
    client.assert_no_errors()


async def scale_of(image: Locator) -> float:
    style = await image.get_attribute("style") or ""
    found = re.search(r"scale\(([\d.]+)\)", style)
    assert found, style
    return float(found.group(1))


async def test_the_image_viewer_zooms_and_shows_sender_time_and_caption(
    new_context: NewContext, people: People
) -> None:
    alice, bob = await people.register("Alice Shows"), await people.register("Bob Looks")
    chat = await both_open(alice, bob)
    first = await uploaded(alice, files.image("PNG", (640, 480)), "first.png")
    second = await uploaded(alice, files.image("PNG", (640, 480)), "second.png")
    await alice.send(chat["id"], "The harbour at noon", attachmentIds=[first["id"]])
    await alice.send(chat["id"], "", attachmentIds=[second["id"]])
    client, page = await open_app(new_context, bob, "Alice Shows")

    await (
        bubble(page, "The harbour at noon")
        .get_by_role("button", name="Open image first.png")
        .click()
    )
    viewer = page.get_by_role("dialog", name="Image first.png")
    await expect(viewer).to_be_visible()
    await expect(viewer).to_contain_text("Alice Shows")
    await expect(viewer).to_contain_text(re.compile(r"Today, \d"))
    await expect(viewer.get_by_test_id("viewer-caption")).to_have_text("The harbour at noon")

    image = viewer.get_by_test_id("viewer-image")
    assert await scale_of(image) == 1
    await image.click()
    await expect(image).to_have_attribute("style", re.compile(r"scale\(2\)"))
    await page.keyboard.press("+")
    await expect(image).to_have_attribute("style", re.compile(r"scale\(4\)"))
    await page.keyboard.press("-")
    await expect(image).to_have_attribute("style", re.compile(r"scale\(2\)"))
    # Dragging pans the zoomed image.
    box = await image.bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x + 60, y + 30, steps=4)
    await page.mouse.up()
    await expect(image).to_have_attribute("style", re.compile(r"translate\(60px, 30px\)"))
    await image.dblclick()
    await expect(image).to_have_attribute("style", re.compile(r"translate\(0px, 0px\) scale\(1\)"))
    await image.hover()
    await page.mouse.wheel(0, -300)
    await expect(image).not_to_have_attribute("style", re.compile(r"scale\(1\)"))
    assert await scale_of(image) > 1

    await page.keyboard.press("ArrowRight")  # the next image of the chat, without a caption
    await expect(page.get_by_role("dialog", name="Image second.png")).to_be_visible()
    await expect(page.get_by_test_id("viewer-caption")).to_have_count(0)
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_have_count(0)
    client.assert_no_errors()


async def test_an_unsent_draft_shows_in_the_chat_list(
    new_context: NewContext, people: People
) -> None:
    alice = await people.register("Alice Drafts")
    bob, carol = await people.register("Bob Drafted"), await people.register("Carol Other")
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], "see you at nine")
    await both_open(alice, carol)
    client, page = await open_app(new_context, alice, "Bob Drafted")
    item = chat_item(page, "Bob Drafted")

    await composer(page).fill("half a thought")
    await expect(item).not_to_contain_text("Draft:")  # not while the chat is open
    await open_chat(page, "Carol Other")
    await expect(item).to_contain_text("Draft: half a thought")
    await expect(item.get_by_text("Draft:", exact=True)).to_have_css("color", re.compile("rgb"))

    await open_chat(page, "Bob Drafted")
    await expect(composer(page)).to_have_value("half a thought")
    await composer(page).press("Enter")
    await expect(bubble(page, "half a thought")).to_be_visible()
    await open_chat(page, "Carol Other")
    await expect(item).to_contain_text("You: half a thought")
    await expect(item).not_to_contain_text("Draft:")
    client.assert_no_errors()


async def test_a_pin_writes_a_note_for_the_other_side_and_the_bar_unpins(
    new_context: NewContext, people: People
) -> None:
    alice, bob = await people.register("Alice Pinner"), await people.register("Bob Reader")
    chat = await both_open(alice, bob)
    for n in range(1, 31):
        await alice.send(chat["id"], f"Point <b>{n}</b>.")
    a_client, a = await open_app(new_context, alice, "Bob Reader")
    b_client, b = await open_app(new_context, bob, "Alice Pinner")
    # Unread for Bob: the chat opens at the first unread message; he goes to the latest.
    await b.get_by_role("button", name=re.compile("^Jump to latest")).click()

    await scroll_timeline_to_top(a)
    menu = await message_menu(a, "Point <b>1</b>.")
    await menu.get_by_role("menuitem", name="Pin").click()
    note = timeline(b).get_by_role("note").filter(has_text="pinned")
    await expect(note).to_have_text("Alice Pinner pinned «Point <b>1</b>.»")  # text, not markup
    first = bubble(b, "Point <b>1</b>.")
    await expect(first).not_to_be_in_viewport()
    await note.get_by_role("button").click()
    await expect(first).to_be_in_viewport()

    bars = [p.get_by_role("button", name=re.compile("^Pinned message")) for p in (a, b)]
    for bar in bars:
        await expect(bar).to_be_visible()
    await b.get_by_role("button", name="Unpin message").click()
    dialog = b.get_by_role("alertdialog").or_(b.get_by_role("dialog"))
    await expect(dialog).to_contain_text("Unpin message?")
    await dialog.get_by_role("button", name="Unpin", exact=True).click()
    for bar in bars:
        await expect(bar).to_have_count(0)
    # No note for an unpin, as in Telegram.
    history = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    assert [m["type"] for m in history].count("system") == 1
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_a_new_account_sees_how_to_start(new_context: NewContext, people: People) -> None:
    newcomer = await people.register("Nina Newcomer")
    client, page = await open_app(new_context, newcomer)
    welcome = page.get_by_role("region", name="Welcome to Shomik")
    await expect(welcome).to_be_visible()
    await expect(welcome).to_contain_text("You have no chats yet")
    await save_screenshot(page, "first-run")

    await welcome.get_by_role("button", name="Find people").click()
    await expect(page.get_by_label("Search people")).to_be_focused()
    await welcome.get_by_role("button", name="Create a group").click()
    await expect(page.get_by_role("dialog", name="New group")).to_be_visible()
    await page.keyboard.press("Escape")
    client.assert_no_errors()

    # With chats but none open, the right pane says what to do, as Telegram does.
    someone = await people.register("Sam Someone")
    await someone.private_chat(newcomer)
    await someone.send((await someone.private_chat(newcomer))["id"], "hi Nina")
    await page.reload()
    await expect(chat_item(page, "Sam Someone")).to_be_visible()
    await expect(page.get_by_text("Select a chat to start messaging")).to_be_visible()
    await expect(page.get_by_role("region", name="Welcome to Shomik")).to_have_count(0)
