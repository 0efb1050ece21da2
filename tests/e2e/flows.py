"""What a person does in the web client, as reusable steps for the browser tests. Locators
go by role and accessible name, as a screen reader would, never by CSS class."""

from __future__ import annotations

import json
import re

from playwright.async_api import Locator, Page, expect

from tests.harness import PASSWORD, User, unique_name


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


async def signed_in_as(page: Page, user: User, path: str = "/") -> None:
    """Opens the app already signed in as a user registered over REST (the stored session
    a reload would find), for tests whose subject is not the sign-up form."""
    await page.add_init_script(
        f"if (!sessionStorage.getItem('e2e-seeded')) {{"
        f" localStorage.setItem('shomik.token', {json.dumps(json.dumps(user.token))});"
        f" localStorage.setItem('shomik.user', {json.dumps(json.dumps(user.me))});"
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
