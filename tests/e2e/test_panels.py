"""Info as Telegram Web's side columns: group info beside the still-visible chat (with the
photos, files and links shared in it), Settings in place of the chat list, and on a phone
the info column over the whole screen with Back to the chat."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import People, both_open, bubble, open_app, timeline
from tests.uploads import files
from tests.uploads.client import uploaded

PHONE = (390, 844)


def chat_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Chat list")


async def has_focus_inside(locator: Locator) -> bool:
    return bool(await locator.evaluate("el => el.contains(document.activeElement)"))


async def decoded_width(image: Locator) -> int:
    width = await image.evaluate("async (img) => { await img.decode(); return img.naturalWidth }")
    assert isinstance(width, int)
    return width


async def test_group_info_opens_beside_the_chat_with_shared_media_files_and_links(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Panel")
    bob = await people.register("Bob Panel")
    carol = await people.register("Carol Panel")
    group = await alice.group("Harbour trip", bob, carol)
    photo = await uploaded(bob, files.image("PNG", (640, 480)), "harbour.png")
    agenda = await uploaded(carol, b"09:00 ferry\n12:00 lunch\n", "agenda.txt", "text/plain")
    await bob.send(group["id"], "The harbour at dawn", attachmentIds=[photo["id"]])
    await carol.send(group["id"], "", attachmentIds=[agenda["id"]])
    await alice.send(group["id"], "Tickets are here: https://example.com/tickets")
    client, page = await open_app(new_context, alice, "Harbour trip")
    await expect(bubble(page, "Tickets are here")).to_be_visible()

    opener = page.get_by_role("button", name="Group info")
    await opener.click()
    info = page.get_by_role("complementary", name="Group info")
    await expect(info).to_be_visible()
    await expect(page.get_by_role("dialog")).to_have_count(0)  # a column, not a pop-up
    assert await has_focus_inside(info)
    # Side by side: the timeline narrowed, still all visible, left of the column.
    await expect(timeline(page)).to_be_visible()
    chat_box, info_box = await timeline(page).bounding_box(), await info.bounding_box()
    assert chat_box is not None and info_box is not None
    assert chat_box["x"] + chat_box["width"] <= info_box["x"] + 1, (chat_box, info_box)
    assert chat_box["width"] >= 300 and info_box["width"] >= 300
    assert info_box["x"] + info_box["width"] <= 1280 + 1
    await expect(bubble(page, "Tickets are here")).to_be_in_viewport()
    await expect(info.get_by_role("heading", name="Harbour trip")).to_be_visible()
    for name in ("Alice Panel", "Bob Panel", "Carol Panel"):
        await expect(info.get_by_text(name, exact=True)).to_be_visible()

    media = info.get_by_role("tab", name="Media")
    await expect(media).to_have_attribute("aria-selected", "true")
    thumb = info.get_by_role("button", name="Open image harbour.png")
    await expect(thumb.locator("img")).to_be_visible()
    assert await decoded_width(thumb.locator("img")) > 0
    await thumb.click()
    viewer = page.get_by_role("dialog", name="Image harbour.png")
    await expect(viewer).to_be_visible()
    await page.keyboard.press("Escape")  # the viewer's Esc, not the column's
    await expect(viewer).to_have_count(0)
    await expect(info).to_be_visible()

    await info.get_by_role("tab", name="Files").click()
    download = info.get_by_role("button", name="Download agenda.txt")
    await expect(download).to_be_visible()
    await expect(download).to_contain_text("agenda.txt")
    await info.get_by_role("tab", name="Links").click()
    link = info.get_by_role("link", name="https://example.com/tickets")
    await expect(link).to_have_attribute("href", "https://example.com/tickets")
    await expect(link).to_have_attribute("target", "_blank")

    await media.click()
    await expect(thumb.locator("img")).to_be_visible()
    await save_screenshot(page, "panel-group-info")

    await page.keyboard.press("Escape")
    await expect(info).to_have_count(0)
    await expect(opener).to_be_focused()
    chat_box_after = await timeline(page).bounding_box()
    assert chat_box_after is not None and chat_box_after["width"] > chat_box["width"]
    client.assert_no_errors()


async def test_settings_take_the_chat_lists_place_until_back(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Settings")
    bob = await people.register("Bob Settings")
    chat = await both_open(alice, bob)
    await bob.send(chat["id"], "Nice theme")
    client, page = await open_app(new_context, alice, "Bob Settings")
    list_box = await page.get_by_role("complementary", name="Chats", exact=True).bounding_box()
    assert list_box is not None

    opener = page.get_by_role("button", name="Settings", exact=True)
    await opener.click()
    settings = page.get_by_role("region", name="Settings")
    await expect(settings).to_be_visible()
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(chat_list(page)).to_be_hidden()
    await expect(bubble(page, "Nice theme")).to_be_visible()  # the chat stays beside it
    assert await has_focus_inside(settings)
    box = await settings.bounding_box()
    assert box is not None
    assert (round(box["x"]), round(box["width"])) == (
        round(list_box["x"]),
        round(list_box["width"]),
    )
    await expect(settings.get_by_role("group", name="Theme")).to_be_visible()
    await save_screenshot(page, "panel-settings")

    await settings.get_by_role("button", name="Back").click()
    await expect(settings).to_have_count(0)
    await expect(chat_list(page)).to_be_visible()
    await expect(opener).to_be_focused()

    await opener.click()
    await expect(settings).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(settings).to_have_count(0)
    await expect(chat_list(page)).to_be_visible()
    client.assert_no_errors()


async def test_on_a_phone_the_profile_fills_the_screen_and_back_returns_to_the_chat(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Phone")
    bob = await people.register("Bob Phone")
    chat = await both_open(alice, bob)
    await bob.send(chat["id"], "Our plan: https://example.org/plan")
    client, page = await open_app(new_context, alice, "Bob Phone", phone=True)
    await expect(bubble(page, "Our plan")).to_be_visible()

    await page.get_by_role("button", name="About Bob Phone").click()
    profile = page.get_by_role("complementary", name="Profile")
    await expect(profile).to_be_visible()
    await expect(timeline(page)).to_be_hidden()
    box = await profile.bounding_box()
    assert box is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, *PHONE)
    assert int(await page.evaluate("() => document.documentElement.scrollWidth")) <= PHONE[0]
    await expect(profile.get_by_text("@" + bob.username)).to_be_visible()
    await expect(profile.get_by_role("button", name="Close")).to_be_hidden()
    await profile.get_by_role("tab", name="Links").click()
    await expect(profile.get_by_role("link", name="https://example.org/plan")).to_be_visible()
    await save_screenshot(page, "panel-profile-phone")

    await profile.get_by_role("button", name="Back").click()
    await expect(profile).to_have_count(0)
    await expect(timeline(page)).to_be_visible()
    await expect(bubble(page, "Our plan")).to_be_visible()
    client.assert_no_errors()
