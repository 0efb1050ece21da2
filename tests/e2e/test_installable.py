"""Chromium's own verdict on installability: the manifest, its icons and the service worker
as the browser's install prompt checks them (DevTools `Page.getInstallabilityErrors`)."""

from playwright.async_api import expect

from tests.e2e.browser import NewContext
from tests.harness import ServerProcess


async def test_chromium_finds_the_app_installable(
    new_context: NewContext, web_server: ServerProcess
) -> None:
    client = await new_context()
    page = await client.new_page()
    await page.goto("/login")
    await expect(page.get_by_label("Username")).to_be_visible()
    # Installability needs an active service worker controlling the page: wait for it
    # (bounded, so a broken worker fails here instead of hanging).
    ready = await page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then(() => true),
            new Promise((r) => setTimeout(() => r(false), 8000)),
        ])"""
    )
    assert ready, "the service worker never became ready"
    await page.reload()
    cdp = await client.context.new_cdp_session(page)
    result = await cdp.send("Page.getInstallabilityErrors")
    # Playwright's contexts are off-the-record profiles, which Chromium never offers to
    # install; every other reason would be ours.
    errors = [e["errorId"] for e in result["installabilityErrors"]]
    assert [e for e in errors if e != "in-incognito"] == []
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    client.assert_no_errors()
