"""Settings → Active sessions in the browser: a device signed in elsewhere is listed and
terminated from here, and is signed out at once; "Log out" ends the session on the server
(a copied token stops working)."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.e2e.browser import NewContext
from tests.e2e.flows import People, log_in
from tests.e2e.test_app import open_settings
from tests.harness import ServerProcess


async def test_terminating_another_device_signs_it_out_at_once(
    new_context: NewContext, people: People
) -> None:
    user = await people.register("Sasha Sessions")
    laptop_client, phone_client = await new_context(), await new_context(phone=True)
    laptop, phone = await laptop_client.new_page(), await phone_client.new_page()
    await log_in(laptop, user.username)
    await log_in(phone, user.username)

    panel = await open_settings(laptop)
    sessions = panel.get_by_role("region", name="Active sessions")
    await expect(sessions.get_by_text("This device")).to_be_visible()
    # Registered over REST, then two sign-ins: the other two are listed with Terminate.
    terminate = sessions.get_by_role("button", name=re.compile(r"^Terminate the session on "))
    await expect(terminate).to_have_count(2)
    await expect(sessions.get_by_text(re.compile(r"127\.0\.0\.1"))).to_have_count(3)

    await sessions.get_by_role("button", name="Terminate all other sessions").click()
    await (
        laptop.get_by_role("dialog", name="Terminate all other sessions?")
        .get_by_role("button", name="Terminate")
        .click()
    )
    await expect(sessions.get_by_text("No other devices are signed in.")).to_be_visible()
    # The phone's socket was closed as unauthorized: it is back at the sign-in form.
    await expect(phone).to_have_url(re.compile(r"/login$"))
    assert (await user.http.get("/api/users/me")).status_code == 401
    laptop_client.assert_no_errors()


async def test_log_out_ends_the_session_on_the_server(
    new_context: NewContext, people: People, web_server: ServerProcess
) -> None:
    user = await people.register("Lou Logout")
    client = await new_context()
    page = await client.new_page()
    await log_in(page, user.username)
    token = await page.evaluate("() => JSON.parse(localStorage.getItem('shomik.token'))")
    async with httpx.AsyncClient(base_url=web_server.url) as http:
        auth = {"Authorization": f"Bearer {token}"}
        assert (await http.get("/api/users/me", headers=auth)).status_code == 200
        panel = await open_settings(page)
        await panel.get_by_role("button", name="Log out", exact=True).click()
        await (
            page.get_by_role("dialog", name="Log out?")
            .get_by_role("button", name="Log out", exact=True)
            .click()
        )
        await expect(page).to_have_url(re.compile(r"/login$"))
        # Not only forgotten by this browser: a copy of the token no longer works.
        assert (await http.get("/api/users/me", headers=auth)).status_code == 401
    client.assert_no_errors()
