"""A file dragged from the desktop onto the chat (not only onto the composer) is attached,
once, and the browser does not leave the app to open it."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.browser import NewContext
from tests.e2e.flows import People, both_open, open_app, timeline

DROP = """async ([selector, name]) => {
    const data = new DataTransfer()
    data.items.add(new File(['minutes of the meeting'], name, { type: 'text/plain' }))
    const target = document.querySelector(selector)
    for (const type of ['dragenter', 'dragover', 'drop']) {
        const init = { dataTransfer: data, bubbles: true, cancelable: true }
        target.dispatchEvent(new DragEvent(type, init))
    }
}"""


async def drop_file(page: Page, selector: str, name: str) -> None:
    await page.evaluate(DROP, [selector, name])


async def test_a_file_dropped_on_the_timeline_or_the_composer_is_attached_once(
    new_context: NewContext, people: People
) -> None:
    alice, bob = await people.register("Alice Drop"), await people.register("Bob Drop")
    await both_open(alice, bob)
    client, page = await open_app(new_context, alice, "Bob Drop")
    await expect(timeline(page)).to_be_visible()
    url = page.url

    await drop_file(page, '[role="log"]', "notes.txt")
    tray = page.get_by_role("list", name="Attachments")
    await expect(tray.get_by_role("listitem")).to_have_count(1)
    await expect(tray).to_contain_text("notes.txt")

    await drop_file(page, "textarea", "agenda.txt")
    await expect(tray.get_by_role("listitem")).to_have_count(2)
    await expect(tray).to_contain_text("agenda.txt")
    assert page.url == url
    client.assert_no_errors()
