"""Web Push in the browser (../shared/guides/web-push-testing.md): the "Enable notifications"
prompt subscribes this browser on the server; a message to the person, now without an open
tab, is pushed by the server to a local push service, where the test decrypts it; the
payload is delivered into the app's real service worker (DevTools), which shows the
notification; its click handler switches an open tab to the chat.

Headless Chromium cannot register with a real push service, so `pushManager.subscribe` is
replaced by one returning a subscription with keys this test made (the guide's part 3);
everything after it is real."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import WEB_DIST, NewContext, save_screenshot
from tests.e2e.flows import signed_in_as
from tests.harness import ServerProcess, free_port, register
from tests.push.pushservice import Browser, PushService

# Stands in for the browser's push service (see the module's docstring): subscribe()
# answers with the test's subscription, getSubscription() with it once subscribed.
FAKE_SUBSCRIBE = """
(() => {
  const sub = %s
  const bytes = (s) => {
    const b = s.replace(/-/g, '+').replace(/_/g, '/')
    const raw = atob(b + '='.repeat((4 - b.length %% 4) %% 4))
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer
  }
  let subscribed = localStorage.getItem('e2e-push') === '1'
  const fake = {
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: null },
    getKey: (name) => bytes(sub.keys[name]),
    toJSON: () => sub,
    unsubscribe: async () => {
      subscribed = false
      localStorage.removeItem('e2e-push')
      return true
    },
  }
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey)
    localStorage.setItem('e2e-push-key', btoa(String.fromCharCode(...key)))
    fake.options = { userVisibleOnly: true, applicationServerKey: key.buffer }
    subscribed = true
    localStorage.setItem('e2e-push', '1')
    return fake
  }
  PushManager.prototype.getSubscription = async function () { return subscribed ? fake : null }
})()
"""


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    service = PushService()
    await service.start(free_port())
    yield service
    await service.stop()


@pytest.fixture
def push_server(push_service: PushService, tmp_path: Path) -> Iterator[ServerProcess]:
    env = {
        "SHOMIK_WEB_DIR": str(WEB_DIST),
        "SHOMIK_PUSH_EXTRA_HOSTS": f"127.0.0.1:{push_service.port}",
        "SHOMIK_PUSH_ALLOW_HTTP": "true",
    }
    server = ServerProcess(tmp_path, env)
    server.start()
    yield server
    server.stop()


async def registration_id(page: Page, cdp: Any) -> str:
    regs: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda ev: regs.extend(ev["registrations"]))
    await cdp.send("ServiceWorker.enable")
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(50):
        live = [r for r in regs if not r.get("isDeleted")]
        if live:
            return str(live[0]["registrationId"])
        await asyncio.sleep(0.1)
    raise AssertionError("no service worker registration")


async def test_enable_push_then_a_message_shows_a_notification_that_opens_the_chat(
    new_context: NewContext, push_server: ServerProcess, push_service: PushService
) -> None:
    alice = await register(push_server)
    bob = await register(push_server)
    chat = await alice.private_chat(bob)
    browser: Browser = push_service.browser()
    client = await new_context(base_url=push_server.url, permissions=["notifications"])
    await client.context.add_init_script(FAKE_SUBSCRIBE % json.dumps(browser.subscription()))
    page = await client.new_page()
    await signed_in_as(page, bob, push_prompt=True)

    # The prompt comes a moment after the chat list, and subscribes from a click.
    prompt = page.get_by_role("region", name="Get notified when Shomik is closed")
    await expect(prompt).to_be_visible()
    await save_screenshot(page, "push-prompt")
    await prompt.get_by_role("button", name="Enable notifications").click()
    await expect(prompt).to_be_hidden()
    server_key = (await bob.http.get("/api/push/key")).json()["publicKey"]
    used_key = await page.evaluate("localStorage.getItem('e2e-push-key')")
    assert used_key.replace("+", "-").replace("/", "_").rstrip("=") == server_key

    # Bob closes the tab: the next message reaches him by push, end-to-end encrypted.
    await page.close()
    await asyncio.sleep(0.5)
    await alice.send(chat["id"], "Are you coming tonight?")
    (received,) = await push_service.wait_for(browser)
    payload = received.payload(browser)
    assert payload["body"] == "Are you coming tonight?"
    assert payload["title"] == alice.me["displayName"]

    # The service worker shows it (delivered as the push service would).
    page = await client.new_page()
    await page.goto("/")
    await expect(page.get_by_role("navigation", name="Chat list")).to_be_visible()
    cdp = await client.context.new_cdp_session(page)
    rid = await registration_id(page, cdp)
    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": push_server.url, "registrationId": rid, "data": json.dumps(payload)},
    )
    shown = (
        "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
        ".then((ns) => ns.map((n) => [n.title, n.body, n.tag]))"
    )
    for _ in range(50):
        notes = await page.evaluate(shown)
        if notes:
            break
        await asyncio.sleep(0.1)
    assert notes == [[alice.me["displayName"], "Are you coming tonight?", f"chat-{chat['id']}"]]

    # Its click: the open tab switches to the chat; the notification is gone.
    (worker,) = client.context.service_workers
    await worker.evaluate(
        "self.registration.getNotifications().then((ns) => clickNotification(ns[0]))"
    )
    await expect(page).to_have_url(f"{push_server.url}/chat/{chat['id']}")
    assert await page.evaluate(shown) == []

    # Turning it off in Settings unsubscribes and tells the server.
    await page.get_by_role("button", name="Settings").click()
    await expect(page.get_by_text("On: new messages and calls reach you")).to_be_visible()
    await page.get_by_role("button", name="Turn off notifications").click()
    await expect(page.get_by_text("Off: you only get alerts while Shomik is open.")).to_be_visible()
    await page.close()
    await asyncio.sleep(0.5)
    await alice.send(chat["id"], "no push for this one")
    await asyncio.sleep(1)
    assert len(push_service.to(browser)) == 1
    await alice.aclose()
    await bob.aclose()
