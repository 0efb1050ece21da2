"""What a person does in the web client, as reusable steps for the browser tests. Locators
go by role and accessible name, as a screen reader would, never by CSS class."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import Client, NewContext
from tests.harness import PASSWORD, ServerProcess, User, register, unique_name


async def sign_up(page: Page, display_name: str | None = None) -> str:
    """Registers through the form; returns the username."""
    username = unique_name("e")
    await page.goto("/register")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Display name").fill(display_name or username.title())
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("navigation", name="Chat list")).to_be_visible()
    return username


async def log_in(page: Page, username: str) -> None:
    await page.goto("/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("navigation", name="Chat list")).to_be_visible()


async def signed_in_as(
    page: Page, user: User, path: str = "/", *, push_prompt: bool = False
) -> None:
    """Opens the app already signed in as a user registered over REST (the stored session
    a reload would find), for tests whose subject is not the sign-up form. The "Enable
    notifications" banner is taken as dismissed unless `push_prompt`: it appears 1.5 s in and
    moves the chat list down, which a drag or a click then would miss."""
    dismissed = (
        "" if push_prompt else " localStorage.setItem('shomik.pushPromptDismissed', 'true');"
    )
    await page.add_init_script(
        f"if (!sessionStorage.getItem('e2e-seeded')) {{"
        f" localStorage.setItem('shomik.token', {json.dumps(json.dumps(user.token))});"
        f" localStorage.setItem('shomik.user', {json.dumps(json.dumps(user.me))});"
        f"{dismissed}"
        f" sessionStorage.setItem('e2e-seeded', '1') }}"
    )
    await page.goto(path)
    await expect(page.get_by_role("navigation", name="Chat list")).to_be_visible()


async def start_chat_with(page: Page, display_name: str) -> None:
    """Finds a person by name and opens the private chat with them."""
    await page.get_by_label("Search people").fill(display_name)
    await page.get_by_role("button", name=f"Message {display_name}").click()
    await expect(page).to_have_url(re.compile(r"/chat/\d+$"))


async def open_chat(page: Page, title: str) -> None:
    """Opens a chat from the list by its title (person or group name)."""
    await (
        page.get_by_role("navigation", name="Chat list")
        .get_by_role("link", name=title)
        .first.click()
    )
    await expect(timeline(page)).to_be_visible()


def timeline(page: Page) -> Locator:
    return page.get_by_role("log", name="Messages")


def composer(page: Page) -> Locator:
    return page.get_by_label("Message", exact=True)


async def send(page: Page, text: str) -> None:
    await composer(page).fill(text)
    await page.get_by_role("button", name="Send").click()


def bubble(page: Page, text: str) -> Locator:
    """The message bubble (an <article>) holding this text."""
    return timeline(page).locator("article").filter(has_text=text)


# --- Messaging: people registered over REST, each in their own browser context. ---


class People:
    """The people of one test, registered over REST (fast), with nicer display names for
    the screenshots; `aclose()` closes their HTTP clients at the end of the test."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.users: list[User] = []

    async def register(self, display_name: str) -> User:
        user = await register(self.server, unique_name(display_name.split()[0].lower()))
        self.users.append(user)
        r = await user.http.patch("/api/users/me", json={"displayName": display_name})
        assert r.status_code == 200, r.text
        user.me = {**user.me, **r.json()}
        return user

    async def aclose(self) -> None:
        for user in self.users:
            await user.aclose()


async def open_app(
    new_context: NewContext,
    user: User,
    chat_title: str | None = None,
    *,
    phone: bool = False,
    base_url: str | None = None,
) -> tuple[Client, Page]:
    """A new browser context signed in as `user`, on the chat list, or in the chat with
    this title (opened from the list, as a person would, on a phone as on a desktop); on
    the shared web server unless `base_url` names a test's own."""
    client = await new_context(phone=phone, base_url=base_url)
    page = await client.new_page()
    await signed_in_as(page, user)
    if chat_title is not None:
        await open_chat(page, chat_title)
    return client, page


async def both_open(a: User, b: User) -> dict[str, Any]:
    """A private chat both people have opened: listed for both before anything is sent
    (a private chat nobody wrote in is otherwise only its creator's)."""
    chat = await a.private_chat(b)
    await b.private_chat(a)
    return chat


def chat_item(page: Page, title: str) -> Locator:
    """A chat's entry in the list (its name: title, ", online", ", 3 unread")."""
    return page.get_by_role("navigation", name="Chat list").get_by_role("link", name=title)


def chat_status(page: Page) -> Locator:
    """The subtitle under the open chat's title: online, last seen, typing…"""
    return page.get_by_test_id("chat-status")


async def message_menu(page: Page, text: str) -> Locator:
    """Opens the context menu of the message with this text (a right click on it)."""
    await bubble(page, text).click(button="right")
    menu = page.get_by_role("menu", name="Message actions")
    await expect(menu).to_be_visible()
    return menu


def reaction_chip(page: Page, text: str, emoji: str) -> Locator:
    """The reaction chip of `emoji` under the message (its name: "👍 2, react")."""
    name = re.compile(rf"^{re.escape(emoji)} \d+")
    return bubble(page, text).get_by_role("button", name=name)


async def scroll_timeline_to_top(page: Page) -> None:
    await timeline(page).evaluate("el => { el.scrollTop = 0 }")


def message_actions(page: Page, text: str) -> Locator:
    """The "Message actions" button beside the message with this text (shown on hover)."""
    row = timeline(page).locator("[data-seq]").filter(has=page.locator("article", has_text=text))
    return row.get_by_role("button", name="Message actions")
