from playwright.async_api import expect

from tests.e2e.browser import NewContext
from tests.e2e.flows import bubble, open_chat, send, sign_up, start_chat_with, timeline
from tests.harness import ServerProcess


async def test_a_message_reaches_the_other_side_without_reload(
    new_context: NewContext, web_server: ServerProcess
) -> None:
    alice, bob = await new_context(), await new_context()
    a, b = await alice.new_page(), await bob.new_page()
    await sign_up(a, "Alice Example")
    await sign_up(b, "Bob Example")
    await start_chat_with(a, "Bob Example")
    await send(a, "Hello Bob")
    await open_chat(b, "Alice Example")
    await expect(bubble(b, "Hello Bob")).to_have_count(1)
    await expect(timeline(a).get_by_role("img", name="Read")).to_have_count(1)
    alice.assert_no_errors()
    bob.assert_no_errors()
