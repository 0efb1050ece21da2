"""The look, measured in the browser: SVG icons instead of text characters, colour emoji from
the bundled font, bubbles that stand apart from the wallpaper in both themes, readable links
in outgoing bubbles, Telegram's group layout (sender avatars and name colours, tails, big
emoji), one avatar colour per person, and a self-view that leaves the call controls free.
The screenshots it saves (look-*) are the ones the issue asks for."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.e2e.browser import Client, NewContext, save_screenshot
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    chat_item,
    message_menu,
    open_app,
    open_chat,
    timeline,
)
from tests.harness import User

LINK_TEXT = "The plan: https://example.com/plan"
BIG = "😂"
# The glyphs the buttons used before they had icons: none may come back.
OLD_GLYPHS = re.compile(r"[☰✎📞🎥📎➤⧉✕←⋯☺↓🕓⚠✓🔇🎙📷🖥✆]")
CHAT_BUTTONS = [
    "Start audio call",
    "Start video call",
    "Emoji",
    "Attach file",
    "Record a voice message",
]
ICON_BUTTONS = ["Settings", "New group", *CHAT_BUTTONS]

# Colours come back from getComputedStyle as "rgb(r, g, b)" or "rgba(r, g, b, a)".
RGB = re.compile(r"rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)")


def rgba(css: str) -> tuple[float, float, float, float]:
    m = RGB.fullmatch(css.strip())
    assert m, f"not an rgb colour: {css!r}"
    return float(m[1]), float(m[2]), float(m[3]), float(m[4] if m[4] is not None else 1)


def luminance(css: str) -> float:
    """WCAG relative luminance of an opaque colour."""

    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, a = rgba(css)
    assert a == 1, f"expected an opaque colour, got {css}"
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


async def style(locator: Locator, prop: str) -> str:
    return str(await locator.evaluate("(el, p) => getComputedStyle(el).getPropertyValue(p)", prop))


async def backdrop(locator: Locator) -> str:
    """The first opaque background colour behind an element (its ancestors')."""
    return str(
        await locator.evaluate(
            """el => {
                for (let e = el.parentElement; e; e = e.parentElement) {
                    const c = getComputedStyle(e).backgroundColor
                    if (c && c !== 'transparent' && !c.endsWith(', 0)')) return c
                }
                return ''
            }"""
        )
    )


async def set_theme(user: User, theme: str) -> None:
    r = await user.http.patch("/api/users/me", json={"params": {"theme": theme}})
    assert r.status_code == 200, r.text
    user.me = {**user.me, **r.json()}


async def group_scene(people: People) -> tuple[User, User, User]:
    """Alice, Bob and Carol: a private chat with Bob and a group of the three with runs of
    messages by each, an emoji-only message and a link in one of Alice's."""
    alice = await people.register("Alice Look")
    bob = await people.register("Bob Look")
    carol = await people.register("Carol Look")
    private = await both_open(alice, bob)
    await bob.send(private["id"], "See you in the group")
    team = await alice.group("Look Team", bob, carol)
    await bob.send(team["id"], "Morning all!")
    await bob.send(team["id"], "Did everyone see the plan?")
    await carol.send(team["id"], "Yes, it looks good")
    await carol.send(team["id"], BIG)
    await alice.send(team["id"], LINK_TEXT)
    await alice.send(team["id"], "Thanks both 👍")
    return alice, bob, carol


async def assert_icons_are_svg(page: Page, names: list[str]) -> None:
    for name in names:
        button = page.get_by_role("button", name=name, exact=True)
        await expect(button.locator("svg")).to_have_count(1)
        assert (await button.inner_text()).strip() == "", f"{name} shows text next to its icon"
    text = await page.locator("body").inner_text()
    assert not OLD_GLYPHS.findall(text), f"text-character icons left: {OLD_GLYPHS.findall(text)}"


async def assert_bubbles_read(page: Page, min_in_contrast: float) -> None:
    incoming = bubble(page, "Yes, it looks good")
    assert (
        contrast(await style(incoming, "background-color"), await backdrop(incoming))
        >= min_in_contrast
    )

    outgoing = bubble(page, "The plan:")
    link = outgoing.get_by_role("link", name="https://example.com/plan")
    link_colour, out_bg = await style(link, "color"), await style(outgoing, "background-color")
    assert contrast(link_colour, out_bg) >= 3, f"link {link_colour} on {out_bg}"
    assert "underline" in await style(link, "text-decoration-line")

    big = bubble(page, BIG)
    await expect(big).to_have_class(re.compile(r"\bbig-emoji\b"))
    assert rgba(await style(big, "background-color"))[3] == 0, "an emoji-only message has no bubble"
    assert float((await style(big.locator(".content"), "font-size")).removesuffix("px")) >= 40


async def assert_group_layout(page: Page) -> None:
    # Bob's run: his name over the first bubble, his avatar beside the last one only.
    rows = timeline(page).locator("[data-seq]")
    bob_first = rows.filter(has=page.locator("article", has_text="Morning all!"))
    bob_last = rows.filter(has=page.locator("article", has_text="Did everyone see the plan?"))
    await expect(bob_first.get_by_text("Bob Look", exact=True)).to_be_visible()
    await expect(bob_last.get_by_text("Bob Look", exact=True)).to_have_count(0)
    await expect(bob_first.get_by_test_id("avatar-initials")).to_have_count(0)
    await expect(bob_last.get_by_test_id("avatar-initials")).to_have_text("BL")
    await expect(bob_last.locator("article")).to_have_class(re.compile(r"\btail\b"))
    await expect(bob_first.locator("article")).not_to_have_class(re.compile(r"\btail\b"))
    carol_first = rows.filter(has=page.locator("article", has_text="Yes, it looks good"))
    bob_name = await style(bob_first.get_by_text("Bob Look", exact=True), "color")
    carol_name = await style(carol_first.get_by_text("Carol Look", exact=True), "color")
    assert bob_name != carol_name, "each person has their own name colour"
    # Own messages carry no avatar.
    mine = rows.filter(has=page.locator("article", has_text="Thanks both"))
    await expect(mine.get_by_test_id("avatar-initials")).to_have_count(0)


async def avatar_colour(scope: Locator) -> str:
    return await style(scope.get_by_test_id("avatar-initials").first, "background-color")


async def emoji_font_state(page: Page) -> dict[str, Any]:
    return dict(
        await page.evaluate(
            """async () => {
                await document.fonts.ready
                const faces = [...document.fonts]
                    .filter(f => f.family.replace(/"/g, '') === 'Noto Color Emoji')
                return {
                    faces: faces.length,
                    loaded: faces.filter(f => f.status === 'loaded').length,
                    check: document.fonts.check('16px "Noto Color Emoji"', '😂'),
                }
            }"""
        )
    )


async def look_at_group(client: Client, page: Page, name: str) -> None:
    await open_chat(page, "Look Team")
    await expect(bubble(page, "Thanks both")).to_be_visible()
    await save_screenshot(page, name)


async def test_a_group_chat_in_dark_and_light_on_desktop_and_phone(
    people: People, new_context: NewContext
) -> None:
    alice, _, _ = await group_scene(people)

    a_client, a = await open_app(new_context, alice)
    await expect(a.locator("html")).to_have_attribute("data-theme", "dark")
    # One colour per person: Bob's avatar in the chat list is the one beside his messages.
    list_colour = await avatar_colour(chat_item(a, "Bob Look"))
    await open_chat(a, "Look Team")
    await expect(bubble(a, "Thanks both")).to_be_visible()
    await save_screenshot(a, "look-group-chat")
    await assert_icons_are_svg(a, ICON_BUTTONS)
    await assert_group_layout(a)
    bob_row = (
        timeline(a).locator("[data-seq]").filter(has=a.locator("article", has_text="the plan?"))
    )
    assert await avatar_colour(bob_row) == list_colour
    await assert_bubbles_read(a, min_in_contrast=1.3)

    # The reaction bar draws with the bundled colour emoji font.
    menu = await message_menu(a, "Yes, it looks good")
    await menu.get_by_role("menuitem", name="React with 😮").click()
    await expect(
        bubble(a, "Yes, it looks good").get_by_role("button", name=re.compile("^😮 1"))
    ).to_be_visible()
    fonts = await emoji_font_state(a)
    assert fonts["faces"] >= 10, fonts  # the bundled unicode-range pieces, not a system font
    assert fonts["loaded"] >= 1 and fonts["check"], fonts
    await save_screenshot(a, "look-desktop-dark")

    # The header shows the same colour as the list for the private chat.
    await open_chat(a, "Bob Look")
    header = a.get_by_role("button", name="About Bob Look")
    assert await avatar_colour(header) == list_colour
    a_client.assert_no_errors()

    await set_theme(alice, "light")
    light_client, light = await open_app(new_context, alice)
    await expect(light.locator("html")).to_have_attribute("data-theme", "light")
    await look_at_group(light_client, light, "look-desktop-light")
    await assert_bubbles_read(light, min_in_contrast=1.2)
    light_client.assert_no_errors()

    phone_client, phone = await open_app(new_context, alice, phone=True)
    await look_at_group(phone_client, phone, "look-phone-light")
    await assert_bubbles_read(phone, min_in_contrast=1.2)
    await set_theme(alice, "dark")
    dark_phone_client, dark_phone = await open_app(new_context, alice, phone=True)
    await look_at_group(dark_phone_client, dark_phone, "look-phone-dark")
    await assert_bubbles_read(dark_phone, min_in_contrast=1.3)
    await assert_icons_are_svg(dark_phone, CHAT_BUTTONS)
    await expect(dark_phone.get_by_role("link", name="Back to chats").locator("svg")).to_have_count(
        1
    )
    phone_client.assert_no_errors()
    dark_phone_client.assert_no_errors()


async def test_the_emoji_picker_uses_the_bundled_emoji_font(
    people: People, new_context: NewContext
) -> None:
    alice, _, _ = await group_scene(people)
    client, page = await open_app(new_context, alice, "Look Team")
    await page.get_by_role("button", name="Emoji", exact=True).click()
    picker = page.get_by_role("dialog", name="Emoji")
    await expect(picker.locator("em-emoji-picker")).to_be_attached()
    family = await picker.locator("em-emoji-picker").evaluate(
        """async el => {
            for (let i = 0; i < 100 && !el.shadowRoot?.querySelector('.emoji-mart-emoji span'); i++)
                await new Promise(r => setTimeout(r, 50))
            const span = el.shadowRoot?.querySelector('.emoji-mart-emoji span')
            return span ? getComputedStyle(span).fontFamily : ''
        }"""
    )
    assert family.startswith('"Noto Color Emoji"'), family
    client.assert_no_errors()


async def test_the_selected_theme_stands_out_in_both_themes(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Themes")
    for theme in ("light", "dark"):
        await set_theme(alice, theme)
        client, page = await open_app(new_context, alice)
        await page.get_by_role("button", name="Settings", exact=True).click()
        chosen = page.get_by_role("radio", name=theme.title())
        other = page.get_by_role("radio", name="System")
        await expect(chosen).to_be_checked()
        await save_screenshot(page, f"look-settings-{theme}")
        # The chosen chip: a check mark, its own colour, and text that reads on it.
        chip, other_chip = chosen.locator(".."), other.locator("..")
        await expect(chip.get_by_test_id("theme-selected")).to_be_visible()
        await expect(other_chip.get_by_test_id("theme-selected")).to_have_count(0)
        chosen_bg = await style(chip, "background-color")
        assert contrast(chosen_bg, await style(other_chip, "background-color")) >= 1.5
        # 3: white on Telegram's blue, as on every primary button of the app.
        assert contrast(await style(chip, "color"), chosen_bg) >= 3
        client.assert_no_errors()


async def test_the_self_view_never_covers_the_call_controls(
    people: People, new_context: NewContext
) -> None:
    alice, bob = await people.register("Alice Caller"), await people.register("Bob Callee")
    await both_open(alice, bob)
    for phone in (False, True):
        client, page = await open_app(new_context, alice, "Bob Callee", phone=phone)
        await page.get_by_role("button", name="Start video call").click()
        call = page.get_by_role("dialog", name="Call with Bob Callee")
        preview = call.get_by_text("Your camera").locator("..")
        await expect(preview.locator("video")).to_be_attached()
        hang_up = call.get_by_role("button", name="Hang up")
        await expect(hang_up).to_be_visible()
        await save_screenshot(page, f"look-call-{'phone' if phone else 'desktop'}")
        own, controls = await preview.bounding_box(), await hang_up.locator("..").bounding_box()
        assert own and controls
        assert own["y"] + own["height"] <= controls["y"], (
            f"self-view {own} over controls {controls}"
        )
        await hang_up.click()
        await expect(call).to_be_hidden()
        client.assert_no_errors()
