"""Text direction spoofing, seen in Chromium: a U+202E (RIGHT-TO-LEFT OVERRIDE) cannot make a
link read as another address than the one it opens, and a name holding one cannot reorder
the interface's words around it. What is checked is the order Chromium lays the characters
out in on screen, not the DOM's logical order (which an override does not change)."""

from __future__ import annotations

import re

from playwright.async_api import Locator, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import People, both_open, bubble, chat_item, open_app, timeline

RLO = "\u202e"
# Shown reversed after an RLO: "https://www.bank.com/elpmaxe.live//:sptth".
SPOOF = "https://evil.example/moc.knab.www//:sptth"

# The element's characters in the order they are drawn: line by line from the top, each
# left to right, from each character's box (a Range); zero-width ones (the controls) are
# left out. A character starts a new line when its box begins below the middle of the
# line's first one.
VISUAL_ORDER = """(el) => {
  const chars = [];
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width > 0) chars.push({ box, c: node.data[i] });
    }
  }
  chars.sort((a, b) => a.box.top - b.box.top);
  const lines = [];
  for (const ch of chars) {
    const line = lines[lines.length - 1];
    if (line && ch.box.top < line[0].box.top + line[0].box.height / 2) line.push(ch);
    else lines.push([ch]);
  }
  const text = (l) => l.sort((a, b) => a.box.left - b.box.left).map((ch) => ch.c).join('');
  return lines.map(text).join('\\n');
}"""


async def visual(locator: Locator) -> str:
    return str(await locator.evaluate(VISUAL_ORDER))


async def test_a_link_reads_as_the_address_it_opens(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Spoof"), await people.register("Bob Spoof")
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], f"{RLO}{SPOOF}")  # the override before the link
    await alice.send(chat["id"], f"in https://evil.example/{RLO}moc.knab.www//:sptth")
    _, b = await open_app(new_context, bob, "Alice Spoof")

    link = bubble(b, "evil.example/moc").locator("a")
    await expect(link).to_have_count(1)
    assert await link.evaluate("a => new URL(a.href).host") == "evil.example"
    shown = await visual(link)
    assert shown == SPOOF, shown  # before the fix: "https://www.bank.com/elpmaxe.live//:sptth"
    assert "bank.com" not in shown
    await expect(link).to_have_attribute("title", "Opens evil.example")

    # A control inside the URL: no link at all, and the control shown for what it is.
    inside = bubble(b, "in https://evil.example/")
    await expect(inside).to_contain_text("[U+202E]")
    await expect(inside.locator("a")).to_have_count(0)
    # And so in the one-line preview of the chat list.
    await expect(chat_item(b, "Alice Spoof")).to_contain_text("https://evil.example/[U+202E]moc")
    await save_screenshot(b, "bidi-link")


async def test_a_name_with_an_override_does_not_reorder_the_words_around_it(
    people: People, new_context: NewContext
) -> None:
    # Within the name the override is Eve's own business: "refoopS" shows as "Spoofer".
    eve = await people.register(f"Eve {RLO}refoopS")
    bob = await people.register("Bob Reader")
    await eve.group("Spoof team", bob)
    _, b = await open_app(new_context, bob, "Spoof team")

    note = timeline(b).get_by_role("note").filter(has_text="created the group")
    await expect(note).to_have_count(1)
    # Before the fix the override ran on: "Eve »maet foopS« puorg eht detaerc Spoofer".
    assert await visual(note) == "Eve Spoofer created the group «Spoof team»"
    # The name is held in an isolating element (a <bdi>), which no control in it can leave.
    name = note.locator("bdi", has_text="Eve")
    await expect(name.last).to_have_text(f"Eve {RLO}refoopS")
    # The chat list's preview line shows the same sentence, in the same order (read once the
    # chat is read: an unread badge would be drawn into that line).
    item = chat_item(b, "Spoof team")
    await expect(item).not_to_have_accessible_name(re.compile("unread"))
    lines = (await visual(item)).splitlines()
    assert "Eve Spoofer created the group «Spoof team»" in lines, lines
