"""Two people chatting, each in their own browser: every step checks what the OTHER person
sees live, without a reload (typing, reactions, replies, pins, unread counts, read ticks)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.e2e.browser import NewContext
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    chat_item,
    chat_status,
    composer,
    message_actions,
    message_menu,
    open_app,
    reaction_chip,
    scroll_timeline_to_top,
    send,
    timeline,
)

HIGHLIGHTED = re.compile(r"\bhighlighted\b")


async def test_the_other_side_sees_typing_until_the_message_is_sent(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Typist"), await people.register("Bob Reader")
    await both_open(alice, bob)
    a_client, a = await open_app(new_context, alice, "Bob Reader")
    b_client, b = await open_app(new_context, bob, "Alice Typist")
    await expect(chat_status(b)).to_have_text("online")

    await composer(a).press_sequentially("Hold on, I am writing", delay=50)
    await expect(chat_status(b)).to_have_text("typing…")
    await expect(chat_item(b, "Alice Typist")).to_contain_text("typing…")

    await composer(a).press_sequentially(" a long answer", delay=50)
    await composer(a).press("Enter")
    # Within 3 s: gone because the message came, not because typing expired (6 s).
    await expect(bubble(b, "I am writing a long answer")).to_be_visible(timeout=3_000)
    await expect(chat_status(b)).to_have_text("online", timeout=3_000)
    await expect(chat_item(b, "Alice Typist")).not_to_contain_text("typing", timeout=3_000)
    await expect(chat_item(b, "Alice Typist")).to_contain_text("I am writing a long answer")
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_reactions_are_counted_and_toggled_on_both_sides(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Reacts"), await people.register("Bob Reacts")
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], "Lunch at noon?")
    a_client, a = await open_app(new_context, alice, "Bob Reacts")
    b_client, b = await open_app(new_context, bob, "Alice Reacts")

    menu = await message_menu(a, "Lunch at noon?")
    await menu.get_by_role("menuitem", name="React with 👍").click()
    await expect(menu).to_be_hidden()
    b_chip = reaction_chip(b, "Lunch at noon?", "👍")
    a_chip = reaction_chip(a, "Lunch at noon?", "👍")
    await expect(b_chip).to_have_accessible_name("👍 1, react")
    await expect(b_chip).to_have_attribute("aria-pressed", "false")
    await expect(a_chip).to_have_attribute("aria-pressed", "true")

    await b_chip.click()
    await expect(b_chip).to_have_accessible_name("👍 2, remove your reaction")
    await expect(b_chip).to_have_attribute("aria-pressed", "true")
    await expect(a_chip).to_have_accessible_name("👍 2, remove your reaction")

    await b_chip.click()
    await expect(b_chip).to_have_accessible_name("👍 1, react")
    await expect(b_chip).to_have_attribute("aria-pressed", "false")
    await expect(a_chip).to_have_accessible_name("👍 1, remove your reaction")
    await expect(a_chip).to_have_count(1)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_a_reply_quotes_its_message_and_the_quote_jumps_to_an_old_one(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Backlog"), await people.register("Bob Replies")
    chat = await both_open(alice, bob)
    sent = [await alice.send(chat["id"], f"Backlog item {n} of sixty") for n in range(1, 61)]
    a_client, a = await open_app(new_context, alice, "Bob Replies")
    b_client, b = await open_app(new_context, bob, "Alice Backlog")
    # All 60 are unread for Bob: the chat opens at the first of them; he goes to the latest.
    await b.get_by_role("button", name=re.compile("^Jump to latest")).click()

    # Through the "Message actions" button this time (the right click is tested elsewhere).
    await bubble(b, "Backlog item 60 of sixty").hover()
    await message_actions(b, "Backlog item 60 of sixty").click()
    await b.get_by_role("menuitem", name="Reply").click()
    await expect(b.get_by_role("button", name="Cancel reply")).to_be_visible()
    await expect(b.locator("form").filter(has_text="Reply to Alice Backlog")).to_contain_text(
        "Backlog item 60 of sixty"
    )
    await composer(b).fill("Sixty is plenty")
    await composer(b).press("Enter")
    await expect(b.get_by_role("button", name="Cancel reply")).to_be_hidden()

    reply = bubble(a, "Sixty is plenty")
    await expect(reply.get_by_role("button", name="Go to the replied message")).to_have_text(
        re.compile(r"Alice Backlog\s*Backlog item 60 of sixty")
    )

    # A reply to the first message, 60 messages up: older pages must load to show it.
    await bob.send(chat["id"], "About the very first one", replyTo=sent[0]["id"])
    quote = bubble(a, "About the very first one").get_by_role("button")
    await expect(quote).to_have_accessible_name(
        "Go to the replied message: Backlog item 1 of sixty"
    )
    # By its name, "You: <text>": the reply's quote holds the same text.
    first = timeline(a).get_by_role("article", name="You: Backlog item 1 of sixty", exact=True)
    await expect(first).to_have_count(0)
    await quote.click()
    await expect(first).to_be_in_viewport()
    await expect(first).to_have_class(HIGHLIGHTED)
    await expect(first).not_to_have_class(HIGHLIGHTED)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_a_pinned_message_shows_for_the_other_side_and_jumps_to_it(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Pins"), await people.register("Bob Sees Pins")
    chat = await both_open(alice, bob)
    for n in range(1, 31):
        await alice.send(chat["id"], f"Agenda point {n}.")
    a_client, a = await open_app(new_context, alice, "Bob Sees Pins")
    b_client, b = await open_app(new_context, bob, "Alice Pins")
    # Unread for Bob: the chat opens at the first unread message; he goes to the latest.
    await b.get_by_role("button", name=re.compile("^Jump to latest")).click()
    pinned_bar = b.get_by_role("button", name="Pinned message: Agenda point 1.")

    await scroll_timeline_to_top(a)
    menu = await message_menu(a, "Agenda point 1.")
    await menu.get_by_role("menuitem", name="Pin").click()
    await expect(pinned_bar).to_be_visible()
    await expect(pinned_bar).to_contain_text("Pinned message")

    first = bubble(b, "Agenda point 1.")
    await expect(first).not_to_be_in_viewport()
    await pinned_bar.click()
    await expect(first).to_be_in_viewport()
    await expect(first).to_have_class(HIGHLIGHTED)

    menu = await message_menu(a, "Agenda point 1.")
    await menu.get_by_role("menuitem", name="Unpin").click()
    await expect(pinned_bar).to_be_hidden()
    await expect(b.get_by_role("button", name=re.compile("^Pinned message"))).to_have_count(0)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


XSS = (
    '<img src=x onerror="window.__xss=1">**bold** https://example.com/a?b=1 '
    "javascript:alert(1) mailto:x@example.com"
)


async def test_message_text_is_shown_as_text_with_only_safe_links(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Markup"), await people.register("Bob Markup")
    await both_open(alice, bob)
    a_client, a = await open_app(new_context, alice, "Bob Markup")
    b_client, b = await open_app(new_context, bob, "Alice Markup")
    await send(a, XSS)

    for page in (a, b):
        message = bubble(page, "onerror")
        # The markup is text; only the formatting (**bold**) becomes an element.
        await expect(message).to_contain_text(XSS.replace("**bold**", "bold"))
        await expect(message.locator("strong")).to_have_text("bold")
        await expect(message.locator("img, b, script")).to_have_count(0)
        links = message.get_by_role("link")
        await expect(links).to_have_count(2)
        https = links.filter(has_text="https://example.com/a?b=1")
        await expect(https).to_have_attribute("href", "https://example.com/a?b=1")
        await expect(https).to_have_attribute("target", "_blank")
        await expect(https).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        mailto = links.filter(has_text="x@example.com")
        await expect(mailto).to_have_attribute("href", "mailto:x@example.com")
        await expect(message.locator('a[href^="javascript" i]')).to_have_count(0)
        assert await page.evaluate("typeof window.__xss") == "undefined"
    # The stored copy (read by B), not only the local echo, is shown that way on A's side.
    await expect(timeline(a).get_by_role("img", name="Read", exact=True)).to_have_count(1)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_unread_messages_are_counted_then_read_on_open(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Unread"), await people.register("Bob Unread")
    carol = await people.register("Carol Elsewhere")
    await both_open(alice, bob)
    await both_open(carol, bob)
    a_client, a = await open_app(new_context, alice, "Bob Unread")
    b_client, b = await open_app(new_context, bob, "Carol Elsewhere")  # another chat
    await expect(b).to_have_title("Shomik")

    for text in ("One", "Two", "Three"):
        await send(a, f"Unread number {text}")
    await expect(chat_item(b, "Alice Unread")).to_have_accessible_name(
        re.compile(r"Alice Unread.*, 3 unread$")
    )
    # The badge: the last thing in the entry, after the preview of the newest message.
    await expect(chat_item(b, "Alice Unread")).to_have_text(re.compile(r"Unread number Three\s*3$"))
    await expect(b).to_have_title("(3) Shomik")
    await expect(timeline(a).get_by_role("img", name="Sent", exact=True)).to_have_count(3)

    await chat_item(b, "Alice Unread").click()
    await expect(bubble(b, "Unread number Three")).to_be_visible()
    await expect(chat_item(b, "Alice Unread")).not_to_have_accessible_name(re.compile("unread"))
    await expect(b).to_have_title("Shomik")
    await expect(timeline(a).get_by_role("img", name="Read", exact=True)).to_have_count(3)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_a_group_shows_who_wrote_each_message(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Club"), await people.register("Bob Club")
    carol = await people.register("Carol Club")
    group = await alice.group("Book Club", bob, carol)
    a_client, a = await open_app(new_context, alice, "Book Club")
    b_client, b = await open_app(new_context, bob, "Book Club")
    await expect(chat_status(a)).to_contain_text("3 members")

    await send(a, "Welcome to the club")
    await carol.send(group["id"], "Thanks for having me")
    await carol.send(group["id"], "Which book first?")
    for page in (a, b):
        await expect(bubble(page, "Which book first?")).to_be_visible()
        carol_first = bubble(page, "Thanks for having me")
        await expect(carol_first.get_by_text("Carol Club", exact=True)).to_be_visible()
        # A run of messages from one sender names them once.
        await expect(bubble(page, "Which book first?").get_by_text("Carol Club")).to_have_count(0)
    welcome = bubble(b, "Welcome to the club")
    await expect(welcome.get_by_text("Alice Club", exact=True)).to_be_visible()
    # Your own messages carry no name.
    await expect(bubble(a, "Welcome to the club").get_by_text("Alice Club")).to_have_count(0)
    a_client.assert_no_errors()
    b_client.assert_no_errors()


async def test_new_messages_while_scrolled_up_offer_a_jump_to_latest(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Scroll"), await people.register("Bob Scroll")
    chat = await both_open(alice, bob)
    for n in range(1, 41):
        await bob.send(chat["id"], f"Earlier line {n}.")
    a_client, a = await open_app(new_context, alice, "Bob Scroll")
    b_client, b = await open_app(new_context, bob, "Alice Scroll")
    await expect(bubble(b, "Earlier line 40.")).to_be_in_viewport()

    await scroll_timeline_to_top(b)
    await expect(bubble(b, "Earlier line 1.")).to_be_in_viewport()
    await expect(b.get_by_role("button", name="Jump to latest", exact=True)).to_be_visible()
    await send(a, "Fresh news one")
    await send(a, "Fresh news two")
    jump = b.get_by_role("button", name="Jump to latest, 2 new")
    await expect(jump).to_be_visible()
    await expect(bubble(b, "Earlier line 1.")).to_be_in_viewport()  # not pulled down

    await jump.click()
    await expect(bubble(b, "Fresh news two")).to_be_in_viewport()
    await expect(b.get_by_role("button", name=re.compile("^Jump to latest"))).to_be_hidden()
    a_client.assert_no_errors()
    b_client.assert_no_errors()
