"""Helpers for the browser tests: Debian's Chromium driven by Playwright, isolated contexts
that record every browser-side error, and screenshots into `test-artifacts/`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, WebError

from tests.harness import ROOT

# Installed by `make install` (scripts/install-browser.sh); Playwright's own browser
# download is never used.
CHROMIUM = Path("/usr/bin/chromium")
# The built client the browser tests serve; SHOMIK_TEST_WEB_DIST points them at another
# build (a snapshot built elsewhere, so a long run is not disturbed by a rebuild).
WEB_DIST = Path(os.environ.get("SHOMIK_TEST_WEB_DIST") or ROOT / "web" / "dist")
ARTIFACTS = ROOT / "test-artifacts"

CHROMIUM_ARGS = [
    "--disable-gpu",
    # Without these, Chromium keeps trying to reach Google's services, which the test
    # machines' closed network refuses, many connections at a time.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Calls: a fake camera and microphone, granted without a prompt, and WebRTC between two
    # contexts of the same machine.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
# Fail within seconds rather than after Playwright's default 30 s.
TIMEOUT_MS = 10_000


@dataclass
class Client:
    """One isolated browser context (its own storage: one signed-in person) and the errors
    its pages reported: console errors (CSP violations among them) and uncaught exceptions."""

    context: BrowserContext
    errors: list[str] = field(default_factory=list)

    async def new_page(self) -> Page:
        return await self.context.new_page()

    def assert_no_errors(self) -> None:
        assert not self.errors, "errors in the browser:\n" + "\n".join(self.errors)


class NewContext(Protocol):
    """The `new_context` fixture: `await new_context()` for a desktop window on the real
    client, `phone=True` for a touch phone, `base_url` for another server; other keyword
    arguments go to Playwright's `Browser.new_context` (locale, permissions, ...)."""

    async def __call__(
        self, *, phone: bool = False, base_url: str | None = None, **options: Any
    ) -> Client: ...


async def open_client(browser: Browser, base_url: str, phone: bool, **options: Any) -> Client:
    context = await browser.new_context(
        base_url=base_url, **{**(PHONE if phone else DESKTOP), **options}
    )
    context.set_default_timeout(TIMEOUT_MS)
    client = Client(context)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            client.errors.append(f"console: {message.text} ({where})")

    def on_error(error: WebError) -> None:
        client.errors.append(f"page error: {error.error}")

    context.on("console", on_console)
    context.on("weberror", on_error)
    return client


async def save_screenshot(page: Page, name: str) -> Path:
    """`test-artifacts/<name>.png`, of the whole page."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
