"""A link preview in the browser: Alice sends a link to the local test site, Bob sees the
card (site name, title, description, the server's copy of the image) arrive live; Alice
removes it and it goes for Bob too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import expect

from tests.e2e.browser import WEB_DIST, NewContext, save_screenshot
from tests.e2e.flows import People, both_open, bubble, composer, open_app
from tests.harness import ServerProcess
from tests.previews.site import DESCRIPTION, SITE_NAME, TITLE, LocalSite


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    web = LocalSite().start()
    yield web
    web.stop()


@pytest.fixture(scope="module")
def preview_web(
    tmp_path_factory: pytest.TempPathFactory, site: LocalSite
) -> Iterator[ServerProcess]:
    env = {"SHOMIK_WEB_DIR": str(WEB_DIST), "SHOMIK_LINK_PREVIEW_ALLOW_HOSTS": site.host}
    server = ServerProcess(tmp_path_factory.mktemp("preview_web"), env)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def folks(preview_web: ServerProcess) -> AsyncIterator[People]:
    people = People(preview_web)
    yield people
    await people.aclose()


async def test_a_link_gets_a_card_live_and_its_sender_removes_it(
    folks: People, new_context: NewContext, site: LocalSite, preview_web: ServerProcess
) -> None:
    alice, bob = await folks.register("Alice Links"), await folks.register("Bob Links")
    await both_open(alice, bob)
    _, a = await open_app(new_context, alice, "Bob Links", base_url=preview_web.url)
    _, b = await open_app(new_context, bob, "Alice Links", base_url=preview_web.url)

    text = f"Have a look {site.url('/page')}"
    await composer(a).fill(text)
    await composer(a).press("Enter")

    card = bubble(b, "Have a look").get_by_test_id("link-preview")
    await expect(card).to_be_visible(timeout=15_000)
    await expect(card).to_contain_text(SITE_NAME)
    await expect(card).to_contain_text(TITLE)
    await expect(card).to_contain_text(DESCRIPTION)  # its <b> shown as text, not markup
    image = card.locator("img")
    await expect(image).to_be_visible()
    width = await image.evaluate("async (img) => { await img.decode(); return img.naturalWidth }")
    assert width == 64
    assert (await image.get_attribute("src") or "").startswith("blob:")  # our copy, by bearer
    await expect(card.get_by_role("button", name="Remove preview")).to_have_count(0)
    await save_screenshot(b, "link-preview")

    mine = bubble(a, "Have a look").get_by_test_id("link-preview")
    await expect(mine).to_contain_text(TITLE)
    await mine.get_by_role("button", name="Remove preview").click()
    await expect(mine).to_have_count(0)
    await expect(card).to_have_count(0)
    await expect(bubble(b, "Have a look")).to_contain_text(site.url("/page"))
