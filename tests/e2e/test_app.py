"""The app around the chats: the account's life cycle, settings that follow the user, the
installable PWA that opens offline, the phone layout, the keyboard in dialogs, and the
toasts and tab title that say a message arrived elsewhere."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from io import BytesIO
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import both_open, bubble, log_in, open_chat, sign_up, signed_in_as, timeline
from tests.e2e.test_resilience import NETWORK_NOISE, service_worker_ready
from tests.harness import ServerProcess, User, register

Accounts = Callable[[], Awaitable[User]]


@pytest.fixture
async def accounts(web_server: ServerProcess) -> AsyncIterator[Accounts]:
    """`await accounts()`: a person registered over REST on the web server."""
    made: list[User] = []

    async def make() -> User:
        made.append(await register(web_server))
        return made[-1]

    yield make
    for user in made:
        await user.aclose()


def name_of(user: User) -> str:
    return str(user.me["displayName"])


def chat_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Chat list")


def list_pane(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Chats", exact=True)


async def open_settings(page: Page) -> Locator:
    """Settings: the left column, in place of the chat list (tests/e2e/test_panels.py)."""
    await page.get_by_role("button", name="Settings", exact=True).click()
    panel = page.get_by_role("region", name="Settings")
    await expect(panel).to_be_visible()
    return panel


async def theme_and_size(page: Page) -> list[Any]:
    return list(
        await page.evaluate(
            """() => [document.documentElement.dataset.theme,
                getComputedStyle(document.documentElement).getPropertyValue('--message-font-size').trim()]"""
        )
    )


async def has_focus(locator: Locator) -> bool:
    return bool(await locator.evaluate("el => el === document.activeElement"))


async def page_width(page: Page) -> int:
    return int(await page.evaluate("() => document.documentElement.scrollWidth"))


async def test_sign_up_stays_signed_in_until_logging_out(new_context: NewContext) -> None:
    client = await new_context()
    page = await client.new_page()
    username = await sign_up(page, "Sam Signup")
    await page.reload()
    await expect(chat_list(page)).to_be_visible()

    dialog = await open_settings(page)
    await dialog.get_by_role("button", name="Log out", exact=True).click()
    confirm = page.get_by_role("dialog", name="Log out?")
    await confirm.get_by_role("button", name="Log out", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert await page.evaluate("() => localStorage.getItem('shomik.token')") is None
    await page.reload()  # the session is gone, not just hidden
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()

    await log_in(page, username)
    await expect(page).not_to_have_url(re.compile(r"/login$"))
    client.assert_no_errors()


async def test_theme_and_text_size_survive_a_reload_and_follow_the_user(
    new_context: NewContext, accounts: Accounts
) -> None:
    user = await accounts()
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, user)
    assert await theme_and_size(page) == ["dark", "16px"]

    def saved(response: Any) -> bool:
        return bool(response.url.endswith("/api/users/me") and response.request.method == "PATCH")

    dialog = await open_settings(page)
    async with page.expect_response(saved) as theme_saved:
        await dialog.get_by_role("radio", name="Light").check()
    assert (await theme_saved.value).ok
    async with page.expect_response(saved) as size_saved:
        await dialog.get_by_role("slider", name="Message text size").fill("20")
    assert (await size_saved.value).ok
    assert await theme_and_size(page) == ["light", "20px"]

    await page.reload()
    await expect(chat_list(page)).to_be_visible()
    assert await theme_and_size(page) == ["light", "20px"]

    # Another browser, nothing stored locally: it comes from the server with the user.
    elsewhere = await new_context()
    other = await elsewhere.new_page()
    await log_in(other, user.username)
    await expect(other.locator("html")).to_have_attribute("data-theme", "light")
    assert await theme_and_size(other) == ["light", "20px"]
    dialog = await open_settings(other)
    await expect(dialog.get_by_role("radio", name="Light")).to_be_checked()
    await expect(dialog.get_by_role("slider", name="Message text size")).to_have_value("20")
    client.assert_no_errors()
    elsewhere.assert_no_errors()


async def test_the_app_is_installable_and_opens_offline(
    new_context: NewContext, web_server: ServerProcess, accounts: Accounts
) -> None:
    async with httpx.AsyncClient(base_url=web_server.url) as http:
        response = await http.get("/manifest.webmanifest")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/manifest+json")
        manifest = response.json()
        assert manifest["name"] == "Shomik"
        assert manifest["display"] == "standalone"
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["theme_color"])
        for size in (192, 512):
            icon = next(
                i
                for i in manifest["icons"]
                if i["sizes"] == f"{size}x{size}" and i.get("purpose", "any") == "any"
            )
            assert icon["type"] == "image/png"
            picture = await http.get(icon["src"])
            assert picture.status_code == 200
            image = Image.open(BytesIO(picture.content))
            assert (image.format, image.size) == ("PNG", (size, size))

    user = await accounts()
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, user)
    await expect(page.locator("link[rel=manifest]")).to_have_attribute(
        "href", "/manifest.webmanifest"
    )
    await service_worker_ready(page)
    await page.reload()
    await expect(chat_list(page)).to_be_visible()
    assert await page.evaluate("() => navigator.serviceWorker.controller !== null")

    await client.context.set_offline(True)
    await page.reload()  # a browser error page without the service worker
    await expect(list_pane(page)).to_be_visible()
    await expect(list_pane(page).get_by_role("status")).to_have_text(
        re.compile(r"^(Connecting…|Waiting for network…)$")
    )
    await expect(page.get_by_role("button", name="Settings", exact=True)).to_be_visible()
    unexpected = [e for e in client.errors if not NETWORK_NOISE.search(e)]
    assert not unexpected, "errors in the browser:\n" + "\n".join(unexpected)


async def test_the_phone_layout_shows_one_pane_at_a_time(
    new_context: NewContext, accounts: Accounts
) -> None:
    alice, bob = await accounts(), await accounts()
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], "Hello on the phone")
    client = await new_context(phone=True)
    page = await client.new_page()
    await signed_in_as(page, bob)

    box = await list_pane(page).bounding_box()
    assert box is not None and (box["width"], box["height"]) == (390, 844)
    assert await page_width(page) <= 390
    await save_screenshot(page, "phone-list")

    await open_chat(page, name_of(alice))
    await expect(bubble(page, "Hello on the phone")).to_be_visible()
    await expect(list_pane(page)).to_be_hidden()
    back = page.get_by_role("link", name="Back to chats")
    await expect(back).to_be_visible()
    chat_box = await timeline(page).bounding_box()
    assert chat_box is not None and chat_box["width"] == 390
    assert await page_width(page) <= 390
    await save_screenshot(page, "phone-chat")

    await back.click()
    await expect(chat_list(page)).to_be_visible()
    await expect(timeline(page)).to_be_hidden()
    assert await page_width(page) <= 390
    client.assert_no_errors()


async def test_dialogs_work_from_the_keyboard_and_a_group_can_be_made_and_left(
    new_context: NewContext, accounts: Accounts
) -> None:
    me, friend = await accounts(), await accounts()
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, me)

    async def tab_to(opener: Locator, name: str) -> None:
        for _ in range(20):
            if await has_focus(opener):
                break
            await page.keyboard.press("Tab")
        assert await has_focus(opener), f"Tab never reached {name}"

    # Settings are a column, not a dialog: focus goes in, Esc brings it back; no trap.
    opener = page.get_by_role("button", name="Settings", exact=True)
    await tab_to(opener, "Settings")
    await page.keyboard.press("Enter")
    panel = page.get_by_role("region", name="Settings")
    await expect(panel).to_be_visible()
    assert await panel.evaluate("d => d.contains(document.activeElement)")
    await page.keyboard.press("Tab")
    await expect(panel.get_by_role("button", name="Back")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(panel).to_have_count(0)
    await expect(opener).to_be_focused()

    opener = page.get_by_role("button", name="New group", exact=True)
    await tab_to(opener, "New group")
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New group")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_have_attribute("aria-modal", "true")
    stops = int(await dialog.evaluate("d => d.querySelectorAll('button, input').length"))
    for key in ["Tab"] * (stops + 2) + ["Shift+Tab"] * (stops + 2):
        await page.keyboard.press(key)
        inside = await dialog.evaluate("d => d.contains(document.activeElement)")
        assert inside, f"{key} left the New group dialog"
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(opener).to_be_focused()

    group = "Keyboard club"
    await page.get_by_role("button", name="New group", exact=True).click()
    dialog = page.get_by_role("dialog", name="New group")
    await dialog.get_by_label("Group name").fill(group)
    await dialog.get_by_label("Add people").fill(name_of(friend))
    await dialog.get_by_role("button", name=f"Add {name_of(friend)}").click()
    await expect(dialog.get_by_role("list", name="Picked people")).to_contain_text(name_of(friend))
    await dialog.get_by_role("button", name="Create group").click()
    await expect(dialog).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"/chat/\d+$"))
    await expect(timeline(page)).to_be_visible()
    await expect(chat_list(page).get_by_role("link", name=group)).to_be_visible()
    friends_chats = (await friend.http.get("/api/chats")).json()["chats"]
    assert [c["name"] for c in friends_chats] == [group]

    await page.get_by_role("button", name="Group info").click()
    info = page.get_by_role("complementary", name="Group info")
    await info.get_by_role("button", name="Leave group").click()
    question = page.get_by_role("dialog", name=f"Leave {group}?")
    await expect(question).to_be_visible()
    await question.get_by_role("button", name="Leave group").click()
    await expect(question).to_have_count(0)
    await expect(info).to_have_count(0)
    await expect(chat_list(page).get_by_role("link", name=group)).to_have_count(0)
    await expect(page).not_to_have_url(re.compile(r"/chat/"))
    client.assert_no_errors()


async def test_a_message_in_another_chat_shows_a_toast_that_opens_it(
    new_context: NewContext, accounts: Accounts
) -> None:
    bob, alice, carol = await accounts(), await accounts(), await accounts()
    here = (await both_open(alice, bob))["id"]
    elsewhere = (await both_open(carol, bob))["id"]
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, bob, f"/chat/{here}")
    await expect(page).to_have_title("Shomik")
    toasts = page.get_by_role("status").get_by_role("button")

    # In the chat on screen: shown there, no toast, nothing unread.
    await alice.send(here, "In the open chat")
    await expect(bubble(page, "In the open chat")).to_be_visible()
    await expect(toasts).to_have_count(0)
    await expect(page).to_have_title("Shomik")

    await carol.send(elsewhere, "Are you there?")
    toast = toasts.filter(has_text="Are you there?")
    await expect(toast).to_have_accessible_name(f"{name_of(carol)}: Are you there?")
    await expect(page).to_have_title("(1) Shomik")
    await toast.click()
    await expect(page).to_have_url(re.compile(rf"/chat/{elsewhere}$"))
    await expect(bubble(page, "Are you there?")).to_be_visible()
    await expect(toast).to_have_count(0)
    await expect(page).to_have_title("Shomik")
    client.assert_no_errors()
