"""A photo sent from the composer (compressed in the browser, uploaded, shown to both sides,
opened full size), then reacted to and replied to; screenshots of the chat on a desktop and
on a phone for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image
from playwright.async_api import Locator, expect

from tests.e2e.browser import NewContext, save_screenshot
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    composer,
    message_menu,
    open_app,
    reaction_chip,
)

CAPTION = "Sunset from the balcony"
PHONE_WIDTH = 390


def sunset_png(path: Path) -> Path:
    """A 2000 x 1500 PNG, a sky gradient under noise (about 4 MB, the noise defeats PNG's
    compression): over the client's 1600 px and 0.5 MB limits, so the browser really
    compresses it before the upload."""
    size = (2000, 1500)
    ramp = Image.linear_gradient("L").resize(size)
    sky = Image.merge(
        "RGB",
        (
            Image.new("L", size, 250),
            ramp.point(lambda v: 60 + v * 0.6),
            ramp.point(lambda v: 160 - v * 0.5),
        ),
    )
    noise = Image.frombytes("RGB", (500, 375), os.urandom(500 * 375 * 3))
    Image.blend(sky, noise.resize(size, Image.Resampling.BILINEAR), 0.3).save(path, "PNG")
    return path


async def natural_width(image: Locator) -> int:
    """The decoded width of an <img>: 0 would be a broken image. Waits for the decode."""
    width = await image.evaluate("async (img) => { await img.decode(); return img.naturalWidth }")
    assert isinstance(width, int)
    return width


async def test_a_photo_is_sent_shown_opened_reacted_to_and_replied_to(
    people: People, new_context: NewContext, tmp_path: Path
) -> None:
    alice, bob = await people.register("Alice Photos"), await people.register("Bob Photos")
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], "I am on the balcony, the sky is on fire")
    await bob.send(chat["id"], "Show me!")
    a_client, a = await open_app(new_context, alice, "Bob Photos")
    b_client, b = await open_app(new_context, bob, "Alice Photos")
    photo = sunset_png(tmp_path / "sunset.png")
    assert photo.stat().st_size > 2 * 1024 * 1024

    await a.locator('input[type="file"]').set_input_files(photo)
    tray = a.get_by_role("list", name="Attachments")
    await expect(tray.get_by_role("img", name="sunset.png")).to_be_visible()
    # A PNG photo is re-encoded as WebP before upload (lossy: small without shrinking it).
    sent = "sunset.webp"
    await composer(a).fill(CAPTION)
    # Compressing a 4 MB noisy photo on the page's thread takes a few seconds.
    await expect(a.get_by_role("button", name="Send")).to_be_enabled(timeout=60_000)
    await composer(a).press("Enter")
    await expect(tray).to_be_hidden()

    for page in (a, b):
        thumbnail = bubble(page, CAPTION).get_by_role("img", name=sent)
        await expect(thumbnail).to_be_visible()
        assert await natural_width(thumbnail) > 0
    history = (await bob.http.get(f"/api/chats/{chat['id']}/messages")).json()["messages"]
    (attachment,) = history[-1]["attachments"]
    assert history[-1]["type"] == "image"
    assert max(attachment["width"], attachment["height"]) <= 1600, "not compressed"
    assert attachment["mime"] == "image/webp"
    assert min(attachment["width"], attachment["height"]) >= 1000, "shrunk more than needed"

    await bubble(b, CAPTION).get_by_role("button", name=f"Open image {sent}").click()
    viewer = b.get_by_role("dialog", name=f"Image {sent}")
    await expect(viewer).to_be_visible()
    await expect(viewer.get_by_role("button", name="Close image")).to_be_focused()
    assert await natural_width(viewer.get_by_role("img", name=sent)) > 0
    await b.keyboard.press("Escape")
    await expect(viewer).to_be_hidden()

    menu = await message_menu(b, CAPTION)
    await menu.get_by_role("menuitem", name="React with ❤️").click()
    await expect(reaction_chip(a, CAPTION, "❤️")).to_have_accessible_name("❤️ 1, react")
    menu = await message_menu(b, CAPTION)
    await menu.get_by_role("menuitem", name="Reply").click()
    await composer(b).fill("What a view! Frame it.")
    await composer(b).press("Enter")
    reply = bubble(a, "What a view! Frame it.")
    await expect(reply.get_by_role("button", name="Go to the replied message")).to_contain_text(
        CAPTION
    )
    menu = await message_menu(a, "What a view! Frame it.")
    await menu.get_by_role("menuitem", name="React with 🔥").click()
    await expect(reaction_chip(b, "What a view! Frame it.", "🔥")).to_have_accessible_name(
        "🔥 1, react"
    )
    await save_screenshot(a, "chat-desktop")

    phone_client, phone = await open_app(new_context, alice, "Bob Photos", phone=True)
    await expect(bubble(phone, "What a view! Frame it.")).to_be_in_viewport()
    thumbnail = bubble(phone, CAPTION).get_by_role("img", name="sunset.webp")
    await expect(thumbnail).to_be_visible()
    assert await natural_width(thumbnail) > 0
    await expect(reaction_chip(phone, CAPTION, "❤️")).to_be_visible()
    await save_screenshot(phone, "chat-phone")
    scroll_width = await phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, f"the page scrolls sideways: {scroll_width} px wide"
    for client in (a_client, b_client, phone_client):
        client.assert_no_errors()
