"""Mentions, search and formatting, each seen from the OTHER person's browser: an @mention
picked by keyboard in a group, its highlight and the "@" badge that leads to it; search in
Russian and English that opens a chat at a message 200+ messages old; formatted text with a
spoiler and a code block, markup inside it staying inert."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    chat_item,
    composer,
    open_app,
    open_chat,
    send,
    timeline,
)

HIGHLIGHTED = re.compile(r"\bhighlighted\b")


def search_box(page: Page) -> Locator:
    return page.get_by_label("Search people, chats and messages")


def mention_badge(page: Page, title: str) -> Locator:
    return chat_item(page, title).get_by_test_id("mention-badge")


async def test_a_mention_picked_by_keyboard_badges_and_leads_to_it(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Mentioner")
    bob = await people.register("Bob Mentioned")
    carol = await people.register("Carol Bystander")
    team = await alice.group("Mention Team", bob, carol)
    a_client, a = await open_app(new_context, alice, "Mention Team")
    b_client, b = await open_app(new_context, bob)

    await composer(a).press_sequentially("Hi @")
    picker = a.get_by_role("listbox", name="Members to mention")
    await expect(picker.get_by_role("option")).to_have_count(2)  # not Alice herself
    await composer(a).press_sequentially("b")
    await expect(picker.get_by_role("option")).to_have_count(2)  # "bob…" and "Carol Bystander"
    options = picker.get_by_role("option")
    await expect(options.first).to_have_accessible_name("Mention Bob Mentioned")
    await composer(a).press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await composer(a).press("ArrowUp")
    await expect(options.first).to_have_attribute("aria-selected", "true")
    await composer(a).press("Enter")
    await expect(picker).to_be_hidden()
    await expect(composer(a)).to_have_value(f"Hi @{bob.username} ")
    # Esc closes the list without choosing.
    await composer(a).press_sequentially("and @ca")
    await expect(picker).to_be_visible()
    await composer(a).press("Escape")
    await expect(picker).to_be_hidden()
    await composer(a).press_sequentially("rol, are you there?")
    await composer(a).press("Enter")

    mention = bubble(a, "are you there?").get_by_test_id("mention")
    await expect(mention).to_have_text(f"@{bob.username}")

    # Bob, on his chat list: the "@" badge, live.
    await expect(mention_badge(b, "Mention Team")).to_be_visible()
    await expect(chat_item(b, "Mention Team")).to_have_accessible_name(re.compile("mentions you"))
    # Talk goes on: the mention is well above the newest messages when Bob opens the chat.
    for n in range(1, 41):
        await alice.send(team["id"], f"Later chatter {n}")
    await expect(chat_item(b, "Mention Team")).to_contain_text("Later chatter 40")
    await save_screenshot(b, "mention-badge")

    await open_chat(b, "Mention Team")
    target = bubble(b, "are you there?")
    await expect(target).to_be_in_viewport()
    await expect(target.get_by_test_id("mention-me")).to_have_text(f"@{bob.username}")
    await save_screenshot(b, "mention-jump")
    # Seen: the badge is gone, and stays gone after a reload.
    await expect(mention_badge(b, "Mention Team")).to_have_count(0)
    await b.reload()
    await expect(chat_item(b, "Mention Team")).to_be_visible()
    await expect(mention_badge(b, "Mention Team")).to_have_count(0)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_search_opens_an_old_message_in_its_chat(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Archivist")
    bob = await people.register("Bob Seeker")
    carol = await people.register("Carol Findable")
    chat = await both_open(alice, bob)
    await alice.group("Search Club", bob, carol)
    await alice.send(chat["id"], "Привет из прошлого, Боб!")
    await alice.send(chat["id"], "A greeting from the distant past")
    await alice.send(chat["id"], "First banana of the day")
    for n in range(1, 211):
        await alice.send(chat["id"], f"Filler number {n}")
    await alice.send(chat["id"], "Second banana, much later")
    await alice.send(chat["id"], "The newest message")
    b_client, b = await open_app(new_context, bob)

    # Russian: the snippet marks the word; the result opens the chat at that message.
    await search_box(b).fill("привет")
    result = b.get_by_test_id("search-result").filter(has_text="из прошлого")
    await expect(result).to_have_count(1)
    await expect(result.locator("mark")).to_have_text(re.compile("^привет$", re.I))
    await save_screenshot(b, "search-results")
    await result.click()
    old = bubble(b, "Привет из прошлого")
    await expect(old).to_be_in_viewport()
    await expect(old).to_have_class(HIGHLIGHTED)
    # Its neighbours are there too, however old.
    await expect(bubble(b, "A greeting from the distant past")).to_be_visible()
    await expect(bubble(b, "First banana of the day")).to_be_visible()
    await expect(bubble(b, "The newest message")).to_have_count(0)
    # Back to the latest from that window.
    await b.get_by_role("button", name=re.compile("^Jump to latest")).click()
    await expect(bubble(b, "The newest message")).to_be_in_viewport()

    # English, from the same box.
    await search_box(b).fill("past")
    result = b.get_by_test_id("search-result").filter(has_text="distant")
    await expect(result.locator("mark")).to_have_text(re.compile("^past$", re.I))
    await result.click()
    await expect(bubble(b, "A greeting from the distant past")).to_be_in_viewport()

    # Chats and people by name.
    await search_box(b).fill("Search Club")
    await expect(b.get_by_role("button", name="Open Search Club")).to_be_visible()
    await search_box(b).fill("Carol Findable")
    await b.get_by_role("button", name="Message Carol Findable").click()
    await expect(b.get_by_role("button", name="About Carol Findable")).to_be_visible()
    await expect(search_box(b)).to_have_value("")

    # Within one chat: newest match first, up for older, down for newer.
    await open_chat(b, "Alice Archivist")
    await b.get_by_role("button", name="Search in this chat").click()
    in_chat = b.get_by_label("Search messages in this chat")
    await in_chat.fill("banana")
    status = b.get_by_role("search").get_by_role("status")
    await expect(status).to_have_text("1 of 2")
    await expect(bubble(b, "Second banana, much later")).to_be_in_viewport()
    await in_chat.press("ArrowUp")
    await expect(status).to_have_text("2 of 2")
    await expect(bubble(b, "First banana of the day")).to_be_in_viewport()
    await b.get_by_role("button", name="Next result (newer)").click()
    await expect(status).to_have_text("1 of 2")
    await expect(bubble(b, "Second banana, much later")).to_be_in_viewport()
    await in_chat.press("Escape")
    await expect(in_chat).to_be_hidden()
    b_client.assert_no_errors()


async def test_formatting_as_the_other_person_sees_it_with_markup_inert(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Formats"), await people.register("Bob Reads")
    await both_open(alice, bob)
    a_client, a = await open_app(new_context, alice, "Bob Reads")
    b_client, b = await open_app(new_context, bob, "Alice Formats")

    await send(
        a,
        "**жирный** __italic__ ~~gone~~ `x < y` ||the butler did it|| https://example.com/a__b__c",
    )
    await send(a, "Code:\n```py\nif a < b and c > d:\n    print('**not bold**')\n```")
    xss = '**<img src=x onerror="window.__xss=1">** ||<script>window.__xss=2</script>||'
    await send(a, xss)

    message = bubble(b, "жирный")
    await expect(message.locator("strong")).to_have_text("жирный")
    await expect(message.locator("em")).to_have_text("italic")
    await expect(message.locator("s")).to_have_text("gone")
    await expect(message.locator("code")).to_have_text("x < y")
    link = message.get_by_role("link")
    await expect(link).to_have_attribute("href", "https://example.com/a__b__c")
    spoiler = message.get_by_role("button", name="Spoiler: show the hidden text")
    await expect(message.get_by_text("the butler did it")).to_be_hidden()
    await save_screenshot(b, "formatting")
    await spoiler.click()
    await expect(message.get_by_text("the butler did it")).to_be_visible()

    code = bubble(b, "Code:").locator("code")
    await expect(code).to_have_text("if a < b and c > d:\n    print('**not bold**')")
    await expect(bubble(b, "Code:").locator("strong")).to_have_count(0)

    # Markup inside formatting stays text: no element, no script run.
    inert = bubble(b, "onerror")
    await expect(inert.locator("strong")).to_have_text('<img src=x onerror="window.__xss=1">')
    await inert.get_by_role("button", name="Spoiler: show the hidden text").click()
    await expect(inert).to_contain_text("<script>window.__xss=2</script>")
    await expect(inert.locator("img, script")).to_have_count(0)
    for page in (a, b):
        assert await page.evaluate("typeof window.__xss") == "undefined"

    # Ctrl+B wraps the selection in ** (and Ctrl+I in __).
    await composer(a).fill("make this bold")
    await composer(a).press("Control+a")
    await composer(a).press("Control+b")
    await expect(composer(a)).to_have_value("**make this bold**")
    await composer(a).press("End")
    await composer(a).press_sequentially(" and ")
    await composer(a).press("Control+i")
    await composer(a).press_sequentially("this")
    await expect(composer(a)).to_have_value("**make this bold** and __this__")
    await composer(a).press("Enter")
    await expect(bubble(b, "make this bold").locator("strong")).to_have_text("make this bold")
    await expect(bubble(b, "make this bold").locator("em")).to_have_text("this")

    # The same after a reload (the stored text, not the live copy).
    await b.reload()
    await expect(timeline(b)).to_be_visible()
    await expect(bubble(b, "жирный").locator("strong")).to_have_text("жирный")
    await expect(bubble(b, "Code:").locator("code")).to_contain_text("print('**not bold**')")
    a_client.assert_no_errors()
    b_client.assert_no_errors()
