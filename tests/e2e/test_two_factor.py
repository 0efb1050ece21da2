"""Two-step verification in the browser: turned on in Settings with a code computed from the
key the page shows, then asked for at sign-in; a recovery code signs in too, and turns it
off."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import Client, NewContext
from tests.e2e.flows import People, signed_in_as
from tests.harness import PASSWORD, User

# Base32, as pyotp.random_base32() makes it: the key shown for typing into an app.
SECRET = re.compile(r"^[A-Z2-7]{32}$")


async def two_factor_settings(page: Page) -> Locator:
    await page.get_by_role("button", name="Settings", exact=True).click()
    section = page.get_by_role("region", name="Two-step verification")
    await expect(section).to_be_visible()
    return section


async def log_out(page: Page) -> None:
    await (
        page.get_by_role("region", name="Settings")
        .get_by_role("button", name="Log out", exact=True)
        .click()
    )
    await (
        page.get_by_role("dialog", name="Log out?")
        .get_by_role("button", name="Log out", exact=True)
        .click()
    )
    await expect(page).to_have_url(re.compile(r"/login$"))


async def log_in_with_password(page: Page, user: User) -> None:
    await page.get_by_label("Username").fill(user.username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()


def chat_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Chat list")


def assert_only_refusals(client: Client, *allowed: tuple[int, str]) -> None:
    """The browser logs each refusal the test asked for (a 401 "the code, please" at sign-in,
    a 403 for a wrong code) as a failed load: those are the only errors allowed."""

    def asked_for(error: str) -> bool:
        return any(f"status of {status}" in error and path in error for status, path in allowed)

    others = [e for e in client.errors if not asked_for(e)]
    assert others == [], "errors in the browser:\n" + "\n".join(others)


async def test_turned_on_in_settings_then_asked_for_at_sign_in(
    new_context: NewContext, people: People
) -> None:
    user = await people.register("Tova Totp")
    client = await new_context()
    page = await client.new_page()
    await signed_in_as(page, user)
    section = await two_factor_settings(page)
    await expect(section.get_by_text("Off.", exact=False)).to_be_visible()

    await section.get_by_role("button", name="Turn on").click()
    await section.get_by_label("Password").fill(PASSWORD)
    await section.get_by_role("button", name="Continue").click()
    await expect(
        section.get_by_role("img", name="QR code for your authenticator app")
    ).to_be_visible()
    secret = (await section.get_by_text(SECRET).text_content() or "").strip()
    totp = pyotp.TOTP(secret)  # the authenticator app, set up from the key as typed
    await section.get_by_label("Code from the app").fill(totp.now())
    await section.get_by_role("button", name="Turn on").click()

    codes = section.get_by_role("list", name="Your recovery codes").get_by_role("listitem")
    await expect(codes).to_have_count(10)
    await section.get_by_role("button", name="I have saved them").click()
    await expect(codes).to_have_count(0)
    await expect(section.get_by_text("On. Signing in takes", exact=False)).to_be_visible()

    await log_out(page)
    await log_in_with_password(page, user)
    code = page.get_by_label("Code from your authenticator app")
    await expect(code).to_be_focused()
    await expect(code).to_have_attribute("autocomplete", "one-time-code")
    # The code of the next 30 s step: newer than the one that turned it on (each is good
    # once), and accepted as one step of clock drift.
    await code.fill(totp.at(time.time() + 30))
    await page.get_by_role("button", name="Log in").click()
    await expect(chat_list(page)).to_be_visible()
    assert_only_refusals(client, (401, "/api/auth/login"))


async def test_a_recovery_code_signs_in_and_turns_it_off(
    new_context: NewContext, people: People
) -> None:
    user = await people.register("Rory Recovery")
    # Turned on over REST, as another device of theirs would have.
    r = await user.http.post("/api/users/me/2fa/setup", json={"password": PASSWORD})
    totp = pyotp.TOTP(r.json()["secret"])
    r = await user.http.post("/api/users/me/2fa/enable", json={"code": totp.now()})
    recovery: list[str] = r.json()["recoveryCodes"]

    client = await new_context()
    page = await client.new_page()
    await page.goto("/login")
    await log_in_with_password(page, user)
    await page.get_by_role("button", name="Use a recovery code instead").click()
    await page.get_by_label("Recovery code").fill(recovery[0])
    await page.get_by_role("button", name="Log in").click()
    await expect(chat_list(page)).to_be_visible()

    section = await two_factor_settings(page)
    await section.get_by_role("button", name="Turn off").click()
    await section.get_by_label("Password").fill(PASSWORD)
    code = section.get_by_label("Code from the app, or a recovery code")
    await code.fill(recovery[0])  # used up by the sign-in
    await section.get_by_role("button", name="Turn off").click()
    await expect(section.get_by_role("alert")).to_contain_text("wrong or has expired")
    await code.fill(recovery[1])
    await section.get_by_role("button", name="Turn off").click()
    await expect(section.get_by_role("status")).to_have_text("Two-step verification is off.")

    await log_out(page)
    await log_in_with_password(page, user)
    await expect(chat_list(page)).to_be_visible()  # no code asked for
    assert_only_refusals(client, (401, "/api/auth/login"), (403, "/api/users/me/2fa/disable"))
