"""Editing, deleting, forwarding and multi-select in the web client (issue 8, items 1-3):
each step checks what the OTHER person sees live, and again after a reload."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    composer,
    message_menu,
    open_app,
    timeline,
)
from tests.uploads.client import uploaded


def row(page: Page, text: str) -> Locator:
    """The whole row of the message with this text (where the selection check is)."""
    return timeline(page).locator("[data-seq]").filter(has=page.locator("article", has_text=text))


def edited_mark(page: Page, text: str) -> Locator:
    return bubble(page, text).get_by_text("edited", exact=True)


async def test_own_messages_are_edited_from_the_menu_and_with_arrow_up(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Edits"), await people.register("Bob Reads")
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], "Lets meet at 5")
    await alice.send(chat["id"], "See you tehre")
    await bob.send(chat["id"], "Fine by me")
    a_client, a = await open_app(new_context, alice, "Bob Reads")
    b_client, b = await open_app(new_context, bob, "Alice Edits")

    # Someone else's message offers no "Edit".
    menu = await message_menu(a, "Fine by me")
    await expect(menu.get_by_role("menuitem", name="Reply")).to_be_visible()
    await expect(menu.get_by_role("menuitem", name="Edit")).to_have_count(0)
    await a.keyboard.press("Escape")

    menu = await message_menu(a, "Lets meet at 5")
    await menu.get_by_role("menuitem", name="Edit").click()
    await expect(a.get_by_test_id("edit-bar")).to_contain_text("Lets meet at 5")
    await expect(composer(a)).to_have_value("Lets meet at 5")
    await composer(a).fill("Let's meet at 6")
    await composer(a).press("Enter")
    await expect(a.get_by_test_id("edit-bar")).to_be_hidden()
    await expect(composer(a)).to_have_value("")
    await expect(edited_mark(b, "Let's meet at 6")).to_be_visible()
    await expect(bubble(b, "Lets meet at 5")).to_have_count(0)

    # Arrow Up in the empty composer takes the last own message; Esc would cancel.
    await composer(a).press("ArrowUp")
    await expect(composer(a)).to_have_value("See you tehre")
    await composer(a).press("Escape")
    await expect(a.get_by_test_id("edit-bar")).to_be_hidden()
    await expect(composer(a)).to_have_value("")
    await composer(a).press("ArrowUp")
    await composer(a).fill("See you there")
    await composer(a).press("Enter")
    await expect(edited_mark(b, "See you there")).to_be_visible()
    await expect(edited_mark(a, "See you there")).to_be_visible()
    title = await edited_mark(b, "See you there").get_attribute("title")
    assert title and title.startswith("Edited "), title

    await b.reload()
    await expect(edited_mark(b, "Let's meet at 6")).to_be_visible()
    await expect(edited_mark(b, "See you there")).to_be_visible()
    await expect(bubble(b, "See you tehre")).to_have_count(0)
    await expect(bubble(b, "Fine by me")).to_be_visible()
    await expect(edited_mark(b, "Fine by me")).to_have_count(0)
    await save_screenshot(b, "edited-messages")
    for client in (a_client, b_client):
        client.assert_no_errors()


async def test_delete_for_everyone_and_for_me(people: People, new_context: NewContext) -> None:
    alice, bob = await people.register("Alice Deletes"), await people.register("Bob Sees")
    chat = await both_open(alice, bob)
    plan = await alice.send(chat["id"], "Secret plan")
    await alice.send(chat["id"], "Harmless note")
    await bob.send(chat["id"], "Reply to the plan", replyTo=plan["id"])
    a_client, a = await open_app(new_context, alice, "Bob Sees")
    b_client, b = await open_app(new_context, bob, "Alice Deletes")
    reply = bubble(b, "Reply to the plan")
    await expect(reply.get_by_role("button", name="Go to the replied message")).to_contain_text(
        "Secret plan"
    )

    # By its accessible name: Bob's reply quotes the same text.
    await a.get_by_role("article", name="You: Secret plan").click(button="right")
    menu = a.get_by_role("menu", name="Message actions")
    await menu.get_by_role("menuitem", name="Delete").click()
    dialog = a.get_by_role("dialog", name="Delete message?")
    await dialog.get_by_role("button", name="Delete for everyone").click()
    await expect(dialog).to_be_hidden()
    await expect(a.get_by_role("article", name="You: Secret plan")).to_have_count(0)
    # Live for Bob: the message is gone and his reply's quote says so.
    await expect(b.get_by_role("article", name="Alice Deletes: Secret plan")).to_have_count(0)
    await expect(reply).to_contain_text("Deleted message")

    menu = await message_menu(a, "Harmless note")
    await menu.get_by_role("menuitem", name="Delete").click()
    dialog = a.get_by_role("dialog", name="Delete message?")
    await dialog.get_by_role("button", name="Delete for me").click()
    await expect(bubble(a, "Harmless note")).to_have_count(0)
    # Only Alice's: Bob keeps it, live and after a reload.
    await expect(bubble(b, "Harmless note")).to_be_visible()

    await b.reload()
    await expect(bubble(b, "Reply to the plan")).to_contain_text("Deleted message")
    await expect(bubble(b, "Secret plan")).to_have_count(0)
    await expect(bubble(b, "Harmless note")).to_be_visible()
    await a.reload()
    await expect(bubble(a, "Reply to the plan")).to_contain_text("Deleted message")
    await expect(bubble(a, "Harmless note")).to_have_count(0)
    for client in (a_client, b_client):
        client.assert_no_errors()


def png(width: int = 320, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 140, 220)).save(out, "PNG")
    return out.getvalue()


async def test_a_photo_forwarded_from_a_group_to_someone_outside_it(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Forwards")
    bob = await people.register("Bob Member")
    carol = await people.register("Carol Outside")
    group = await alice.group("Photo club", bob)
    direct = await both_open(alice, carol)
    photo = await uploaded(alice, png(), "lake.png", "image/png")
    await alice.send(group["id"], "Lake at dawn", attachmentIds=[photo["id"]])
    a_client, a = await open_app(new_context, alice, "Photo club")
    c_client, c = await open_app(new_context, carol, "Alice Forwards")

    menu = await message_menu(a, "Lake at dawn")
    await menu.get_by_role("menuitem", name="Forward").click()
    dialog = a.get_by_role("dialog", name="Forward to…")
    await dialog.get_by_label("Search chats").fill("carol")
    await expect(dialog.get_by_role("button", name="Photo club")).to_have_count(0)
    await dialog.get_by_role("button", name="Carol Outside").click()
    await expect(dialog).to_be_hidden()
    # The target chat opens, with the copy in it.
    await expect(a).to_have_url(re.compile(rf"/chat/{direct['id']}$"))
    copy = bubble(a, "Lake at dawn")
    await expect(copy).to_contain_text("Forwarded from Alice Forwards")

    forwarded = bubble(c, "Lake at dawn")
    await expect(forwarded).to_contain_text("Forwarded from Alice Forwards")
    # Carol is not in the group: the header names the author but leads nowhere.
    await expect(forwarded.get_by_role("link")).to_have_count(0)
    await forwarded.get_by_role("button", name=re.compile(r"^Open image")).click()
    viewer = c.get_by_role("dialog", name=re.compile(r"^Image "))
    await expect(viewer).to_be_visible()
    image = viewer.get_by_role("img")
    width = await image.first.evaluate(
        "async (img) => { await img.decode(); return img.naturalWidth }"
    )
    assert width == 320
    await c.keyboard.press("Escape")
    await c.reload()
    await expect(bubble(c, "Lake at dawn")).to_contain_text("Forwarded from Alice Forwards")

    # Alice is a member of the original's chat: the header takes her there.
    await copy.get_by_role("link", name=re.compile("go to the original message")).click()
    await expect(a).to_have_url(re.compile(rf"/chat/{group['id']}$"))
    await expect(bubble(a, "Lake at dawn")).to_be_visible()
    await expect(bubble(a, "Lake at dawn")).not_to_contain_text("Forwarded from")
    await save_screenshot(c, "forwarded-photo")
    for client in (a_client, c_client):
        client.assert_no_errors()


async def test_three_selected_messages_are_deleted_for_everyone(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Selects"), await people.register("Bob Watches")
    chat = await both_open(alice, bob)
    texts = ["First of three", "Second of three", "Third of three"]
    for text in [*texts, "Untouched message"]:
        await alice.send(chat["id"], text)
    a_client, a = await open_app(new_context, alice, "Bob Watches")
    b_client, b = await open_app(new_context, bob, "Alice Selects")
    for text in texts:
        await expect(bubble(b, text)).to_be_visible()

    # Ctrl+click starts the selection, Shift+click extends it over the message between.
    await bubble(a, "First of three").click(modifiers=["Control"])
    bar = a.get_by_role("toolbar", name="1 message selected")
    await expect(bar).to_be_visible()
    await expect(composer(a)).to_be_hidden()
    await bubble(a, "Third of three").click(modifiers=["Shift"])
    bar = a.get_by_role("toolbar", name="3 messages selected")
    await expect(bar).to_be_visible()
    for text in texts:
        await expect(row(a, text).get_by_role("checkbox", name="Select message")).to_be_checked()
    await expect(
        row(a, "Untouched message").get_by_role("checkbox", name="Select message")
    ).not_to_be_checked()
    # A plain click toggles one out and back in.
    await bubble(a, "Second of three").click()
    await expect(a.get_by_role("toolbar", name="2 messages selected")).to_be_visible()
    await bubble(a, "Second of three").click()
    await save_screenshot(a, "selection")

    await bar.get_by_role("button", name="Delete").click()
    dialog = a.get_by_role("dialog", name="Delete 3 messages?")
    await dialog.get_by_role("button", name="Delete for everyone").click()
    await expect(dialog).to_be_hidden()
    await expect(bar).to_be_hidden()
    await expect(composer(a)).to_be_visible()
    for page in (a, b):
        for text in texts:
            await expect(bubble(page, text)).to_have_count(0)
        await expect(bubble(page, "Untouched message")).to_be_visible()
    await b.reload()
    await expect(bubble(b, "Untouched message")).to_be_visible()
    for text in texts:
        await expect(bubble(b, text)).to_have_count(0)

    # Esc leaves the selection mode without doing anything.
    menu = await message_menu(a, "Untouched message")
    await menu.get_by_role("menuitem", name="Select").click()
    await expect(a.get_by_role("toolbar", name="1 message selected")).to_be_visible()
    await a.keyboard.press("Escape")
    await expect(a.get_by_role("toolbar", name=re.compile("selected"))).to_have_count(0)
    await expect(bubble(b, "Untouched message")).to_be_visible()
    for client in (a_client, b_client):
        client.assert_no_errors()
