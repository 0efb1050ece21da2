"""The interface in Russian: chosen from the browser's language, every main screen without a
string left in English, and the language switched in Settings live, kept after a reload and
followed by the user's other devices (it is saved in the user's params, like the theme)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import cast

from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import Client, NewContext, save_screenshot
from tests.e2e.flows import People, both_open
from tests.harness import ROOT, User

I18N = ROOT / "web" / "src" / "i18n"
# `    key: 'value',` (or "value" when it holds a quote) inside `  section: {`.
_SECTION = re.compile(r"^  (\w+): \{$")
_ENTRY = re.compile(r"""^    (\w+): (?:'((?:[^'\\]|\\.)*)'|"([^"]*)"),$""")


def messages(language: str) -> dict[str, str]:
    """The messages of web/src/i18n/<language>.ts as {"section.key": value}."""
    out: dict[str, str] = {}
    section = ""
    for line in Path(I18N / f"{language}.ts").read_text().splitlines():
        if m := _SECTION.match(line):
            section = m.group(1)
        elif (m := _ENTRY.match(line)) and section:
            value = m.group(2) if m.group(2) is not None else m.group(3)
            out[f"{section}.{m.group(1)}"] = value.replace("\\'", "'")
    return out


EN, RU = messages("en"), messages("ru")


def english_fragments() -> tuple[set[str], set[str]]:
    """The literal text of the English messages, split at parameters and plural forms:
    (whole short strings a screen must not show as they are, longer phrases it must not
    contain anywhere)."""
    exact: set[str] = set()
    phrases: set[str] = set()
    for value in EN.values():
        for form in value.split(" | "):
            for piece in re.split(r"\{[^}]*\}", form):
                piece = piece.strip(" ,.:;!?…()«»'")
                if not re.search(r"[A-Za-z]{2}", piece):
                    continue
                (phrases if len(piece.split()) >= 2 else exact).add(piece)
    return exact, phrases


# What is English on purpose: the brand, key names in hints, language names.
ALLOWED = {"Shomik", "Enter", "Esc", "English", "OK"}

COLLECT = """() => {
  const out = []
  const seen = (el) => el.checkVisibility ? el.checkVisibility() : true
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  while (walker.nextNode()) {
    const node = walker.currentNode
    const text = node.textContent.trim()
    if (text && node.parentElement && seen(node.parentElement)
        && !node.parentElement.closest('script, style, noscript')) out.push(text)
  }
  for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    if (!seen(el)) continue
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
      const v = el.getAttribute(a)
      if (v && v.trim()) out.push(v.trim())
    }
  }
  return out
}"""


async def untranslated(page: Page, content: set[str]) -> list[str]:
    """The strings on screen (text, aria-label, placeholder, title, alt) that are English:
    an English message (or a phrase of one), or any Latin word of 3 letters or more, once
    the names and messages the test made itself (`content`) and ALLOWED are taken out."""
    exact, phrases = english_fragments()
    found: list[str] = []
    for text in await page.evaluate(COLLECT):
        rest = text
        for own in sorted(content, key=len, reverse=True):
            rest = rest.replace(own, " ")
        rest = re.sub(r"@\w+", " ", rest)  # usernames
        if (
            rest.strip(" ,.:;!?…()«»") in exact
            or any(p in rest for p in phrases)
            or any(w not in ALLOWED for w in re.findall(r"[A-Za-z]{3,}", rest))
        ):
            found.append(text)
    return sorted(set(found))


async def assert_russian(page: Page, screen: str, content: set[str]) -> None:
    await page.wait_for_timeout(150)  # let late text (presence, counters) settle
    left = await untranslated(page, content)
    await save_screenshot(page, f"language-ru-{screen}")
    assert not left, f"English left on the {screen} screen: {left}"


def chat_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name=RU["chats.chatList"])


async def russian_client(new_context: NewContext) -> tuple[Client, Page]:
    client = await new_context(locale="ru-RU")
    return client, await client.new_page()


async def signed_in(page: Page, user: User) -> None:
    """Opens the app with the stored session of a user registered over REST, as a reload
    would find it (flows.signed_in_as, without waiting for English names)."""
    await page.add_init_script(
        f"if (!sessionStorage.getItem('e2e-seeded')) {{"
        f" localStorage.setItem('shomik.token', {json.dumps(json.dumps(user.token))});"
        f" localStorage.setItem('shomik.user', {json.dumps(json.dumps(user.me))});"
        f" sessionStorage.setItem('e2e-seeded', '1') }}"
    )
    await page.goto("/")


async def server_language(user: User, wait_for: str | None = None) -> str | None:
    """The language in the user's params once the client's save has landed (it is sent as
    the choice shows on screen, so the answer may still be on its way)."""
    for _ in range(50):
        r = await user.http.get("/api/users/me")
        language = r.json()["params"]["language"]
        if language == wait_for:
            break
        await asyncio.sleep(0.1)
    return cast(str | None, language)


async def test_the_main_screens_are_all_russian_for_a_russian_browser(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice")
    bob = await people.register("Bob")
    carol = await people.register("Carol")
    chat = await both_open(alice, bob)
    await bob.send(chat["id"], "Привет! Как дела?")
    await alice.send(chat["id"], "Хорошо, спасибо")
    group = await alice.group("Team", bob, carol)
    await carol.send(group["id"], "Всем привет")
    content = {"Alice", "Bob", "Carol", "Team", "Привет! Как дела?", "Хорошо, спасибо"}
    content |= {"Всем привет", alice.username, bob.username, carol.username}

    client, page = await russian_client(new_context)
    await page.goto("/login")
    await expect(page.get_by_role("button", name=RU["auth.logIn"])).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "ru"
    await assert_russian(page, "login", content)
    await page.get_by_role("link", name=RU["auth.createAccount"]).click()
    await expect(page.get_by_role("button", name=RU["auth.signUp"])).to_be_visible()
    await assert_russian(page, "register", content)

    await signed_in(page, alice)
    await expect(chat_list(page)).to_be_visible()
    await assert_russian(page, "chat-list", content)

    await chat_list(page).get_by_role("link", name="Bob").first.click()
    timeline = page.get_by_role("log", name=RU["messages.messages"])
    await expect(timeline.get_by_text("Хорошо, спасибо")).to_be_visible()
    await assert_russian(page, "private-chat", content)

    await chat_list(page).get_by_role("link", name="Team").first.click()
    await expect(timeline.get_by_text("Всем привет")).to_be_visible()
    # The system note the server wrote in English is composed again in Russian.
    await expect(timeline.get_by_text("Alice создал(а) группу «Team»")).to_be_visible()
    await assert_russian(page, "group-chat", content)

    await page.get_by_role("button", name=RU["messages.groupInfo"]).click()
    await expect(page.get_by_text(RU["group.members"], exact=True)).to_be_visible()
    await assert_russian(page, "group-info", content)
    await page.keyboard.press("Escape")

    # The sessions' device names ("python-httpx/0.28.1" here) are data, as names are.
    content |= {s["device"] for s in (await alice.http.get("/api/sessions")).json()}
    await page.get_by_role("button", name=RU["chats.settings"], exact=True).click()
    await expect(page.get_by_text(RU["settings.theme"], exact=True)).to_be_visible()
    await assert_russian(page, "settings", content)
    await page.keyboard.press("Escape")

    await page.get_by_role("button", name=RU["chats.newGroup"]).first.click()
    await expect(page.get_by_role("dialog", name=RU["chats.newGroup"])).to_be_visible()
    await assert_russian(page, "new-group", content)
    client.assert_no_errors()


async def test_the_language_switches_live_persists_and_follows_the_user(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice")
    client = await new_context()  # an English browser: English
    page = await client.new_page()
    await signed_in(page, alice)
    await expect(page.get_by_role("navigation", name="Chat list")).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "en"

    await page.get_by_role("button", name="Settings", exact=True).click()
    await page.get_by_label("Language").select_option("ru")
    # Live: the open screen changes at once, without a reload.
    await expect(page.get_by_label(RU["settings.language"])).to_be_visible()
    await expect(page.get_by_text(RU["settings.theme"], exact=True)).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "ru"
    assert await server_language(alice, "ru") == "ru"

    await page.reload()
    await expect(chat_list(page)).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "ru"

    # Another device of the same user, with an English browser, follows the saved choice.
    other = await new_context()
    other_page = await other.new_page()
    await signed_in(other_page, alice)  # its stored copy of the user predates the change
    await expect(chat_list(other_page)).to_be_visible()  # once its socket is ready
    await expect(other_page.locator("html")).to_have_attribute("lang", "ru")

    # Back to the browser's language: English again, here and on the server.
    await page.get_by_role("button", name=RU["chats.settings"], exact=True).click()
    await page.get_by_label(RU["settings.language"]).select_option("auto")
    await expect(page.get_by_label("Language")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert await server_language(alice) is None
    client.assert_no_errors()
    other.assert_no_errors()
