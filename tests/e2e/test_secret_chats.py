"""Secret chats in the browser (issue 15): Alice and Bob, Bob on two devices. A secret chat is
started from Bob's profile, messages go both ways, an encrypted photo opens on the other side,
an edit and a delete arrive, a device Bob signs in later reads what is sent from then on but
not what came before, ending that device's session from the other removes it from the group,
both sides see the same safety number, and a self-destruct timer removes a message on every
device and on the server. Then nothing the people wrote (nor the photo's bytes) is in the
server's database file, its WAL, the upload store or the log. And a ciphertext altered on
its way (by the test's own hook on the WebSocket, not by the product) shows an error, never
text."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import WebSocketRoute, expect

from tests.e2e.browser import WEB_DIST, Client, NewContext, save_screenshot
from tests.e2e.flows import (
    People,
    both_open,
    bubble,
    composer,
    log_in,
    message_menu,
    open_app,
    reaction_chip,
    signed_in_as,
    timeline,
)
from tests.e2e.secret_flows import (
    BEFORE_JOIN,
    SLOW_MS,
    assert_no_plaintext,
    device_ready,
    group_devices,
    noisy_png,
    open_secret,
    reads,
    safety_number,
    say,
    secret_header,
    secret_item,
    send_photo,
    server_files,
    shown_pixels,
    slices,
    start_secret_chat,
    until,
    words,
)
from tests.e2e.test_app import open_settings
from tests.e2ee.support import query
from tests.engines import ENGINES, engine_server
from tests.harness import ServerProcess


@pytest.fixture(scope="module", params=ENGINES)
def secret_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """The session's web server (SQLite), and one on PostgreSQL serving the same client: the
    no-plaintext check reads each engine's own storage."""
    if request.param == "sqlite":
        yield request.getfixturevalue("web_server")
        return
    with engine_server(request, tmp_path_factory, {"SHOMIK_WEB_DIR": str(WEB_DIST)}) as proc:
        yield proc


@pytest.fixture
async def people_here(secret_server: ServerProcess) -> AsyncIterator[People]:
    people = People(secret_server)
    yield people
    await people.aclose()


async def test_a_secret_chat_on_three_devices(
    people_here: People, new_context: NewContext, secret_server: ServerProcess, tmp_path: Path
) -> None:
    web_server, people, url = secret_server, people_here, secret_server.url
    alice, bob = await people.register("Alice Secret"), await people.register("Bob Secret")
    ordinary = await both_open(alice, bob)
    a_client, a = await open_app(new_context, alice, "Bob Secret", base_url=url)
    _, b = await open_app(new_context, bob, base_url=url)
    said: list[str] = []

    # Started from Bob's profile: a chat of its own, marked with the lock on both sides.
    chat_id = await start_secret_chat(a, "Bob Secret")
    await expect(secret_item(b)).to_have_count(1, timeout=SLOW_MS)
    await open_secret(b)
    await device_ready(web_server, b)

    # Messages both ways.
    hello, reply = words("Meet me at the old mill"), words("I will bring the maps")
    said += [hello, reply]
    await say(a, hello)
    await reads(b, hello)
    await say(b, reply)
    await reads(a, reply)
    # A reaction travels encrypted, as a control message: shown on the other side, never
    # stored in the clear, never a message of its own.
    menu = await message_menu(b, hello)
    await menu.get_by_role("menuitem", name="React with ❤️").click()
    await expect(reaction_chip(a, hello, "❤️")).to_have_accessible_name("❤️ 1, react")
    assert await query(
        web_server,
        f"SELECT count(*) FROM reactions r JOIN messages m "
        f"ON m.id = r.message_id WHERE m.chat_id = {chat_id}",
    ) == [(0,)]
    sent = await query(web_server, f"SELECT type FROM messages WHERE chat_id = {chat_id}")
    assert ("control",) in sent
    await save_screenshot(a, "secret-chat-alice")

    # A photo, encrypted before upload, opens on the other side.
    photo = noisy_png(tmp_path / "mill.png")
    caption = words("The mill at dawn")
    said.append(caption)
    await send_photo(a, photo, caption)
    shown = await shown_pixels(b, caption)
    original = Image.open(photo).convert("RGBA")
    assert shown.size == original.size
    # The same pixels (PNG is lossless): the photo Bob sees is the one Alice sent.
    assert shown.tobytes() == original.tobytes()
    # It opens full-screen from the bubble's own decrypted copy, with the decrypted caption.
    src = await bubble(b, caption).locator("img").first.get_attribute("src")
    await bubble(b, caption).get_by_role("button", name="Open image mill.png").click()
    viewer = b.get_by_role("dialog", name="Image mill.png")
    await expect(viewer.get_by_test_id("viewer-image")).to_have_attribute("src", src or "")
    await expect(viewer.get_by_test_id("viewer-caption")).to_have_text(caption)
    await b.keyboard.press("Escape")
    await expect(viewer).to_be_hidden()
    photo_secrets = slices(photo.read_bytes())
    # What the server holds is a sealed file: opaque bytes under a neutral name.
    history = (await alice.http.get(f"/api/chats/{chat_id}/messages")).json()["messages"]
    (file,) = [a for m in history for a in m["attachments"]]
    assert file["mime"] == "application/octet-stream" and file["thumbnailUrl"] is None
    assert caption not in json.dumps(history)

    # An edit and a delete.
    typo, fixed = words("See you at nnoon"), words("See you at noon")
    gone = words("Forget the password hint")
    said += [typo, fixed, gone]
    await say(a, typo)
    await reads(b, typo)
    menu = await message_menu(a, typo)
    await menu.get_by_role("menuitem", name="Edit").click()
    await composer(a).fill(fixed)
    await composer(a).press("Enter")
    await expect(bubble(b, fixed)).to_be_visible(timeout=SLOW_MS)
    await expect(bubble(b, typo)).to_have_count(0)
    await say(a, gone)
    await reads(b, gone)
    menu = await message_menu(a, gone)
    await menu.get_by_role("menuitem", name="Delete").click()
    dialog = a.get_by_role("dialog", name="Delete message?")
    await dialog.get_by_role("button", name="Delete for everyone").click()
    await expect(bubble(b, gone)).to_have_count(0, timeout=SLOW_MS)
    await expect(bubble(a, gone)).to_have_count(0)

    # The same safety number on both sides.
    alice_number, bob_number = await safety_number(a), await safety_number(b)
    assert len(alice_number) == 60 and alice_number == bob_number

    # Bob signs in on a second device: it reads what is sent from now on, not before.
    b2_client = await new_context(base_url=url)
    b2 = await b2_client.new_page()
    await log_in(b2, bob.username)
    await expect(secret_item(b2)).to_have_count(1, timeout=SLOW_MS)
    await open_secret(b2)
    await device_ready(web_server, b2)
    await expect(timeline(b2).get_by_text(BEFORE_JOIN).first).to_be_visible(timeout=SLOW_MS)
    await expect(bubble(b2, hello)).to_have_count(0)
    later = words("The second phone can read this")
    said.append(later)
    await say(a, later)
    for page in (b, b2):
        await reads(page, later)
    await expect(bubble(b2, hello)).to_have_count(0)
    await save_screenshot(b2, "secret-chat-bob-second-device")

    # Bob ends the second device's session from the first: the next commit removes it.
    mine = (await bob.http.get("/api/e2ee/devices/current")).json()["deviceId"]
    second = [d for d in await group_devices(alice, chat_id) if d["userId"] == bob.id]
    (b2_device,) = [d["deviceId"] for d in second if d["deviceId"] != mine]
    panel = await open_settings(b)
    sessions = panel.get_by_role("region", name="Active sessions")
    await sessions.get_by_role("button", name=re.compile(r"^Terminate the session on ")).click()
    await expect(b2).to_have_url(re.compile(r"/login$"), timeout=SLOW_MS)
    await panel.get_by_role("button", name="Back").click()
    await open_secret(b)
    after_removal = words("Only the first phone now")
    said.append(after_removal)
    await say(a, after_removal)
    await reads(b, after_removal)

    async def removed() -> bool:
        devices = {d["deviceId"]: d for d in await group_devices(alice, chat_id)}
        return b2_device not in devices or not devices[b2_device]["inGroup"]

    await until(removed, "Bob's second device removed from the group")

    # Self-destruct: a 5 s timer; the message goes on every device, then on the server.
    info = a.get_by_role("region", name="Encryption")
    if not await info.is_visible():
        await secret_header(a).click()
    await info.get_by_label("Self-destruct timer").select_option("5")
    doomed = words("This will vanish")
    said.append(doomed)
    await say(a, doomed)
    await reads(b, doomed)
    history = (await alice.http.get(f"/api/chats/{chat_id}/messages")).json()["messages"]
    (expiring,) = [m for m in history if m["expiresAt"]]
    assert expiring["senderId"] == alice.id
    for page in (a, b):
        await expect(bubble(page, doomed)).to_have_count(0, timeout=20_000)
    row = f"SELECT content, deleted_at FROM messages WHERE id = {expiring['id']}"

    async def deleted_on_server() -> bool:
        ((content, deleted_at),) = await query(web_server, row)
        return content == "" and deleted_at is not None

    await until(deleted_on_server, "the expired message deleted on the server")

    # Nothing of what was said is on the server: not in the database, not in the upload
    # store, not in the log.
    await assert_no_plaintext(web_server, [s.encode() for s in said] + photo_secrets)
    # The check reads the right storage: a message of the ordinary chat is found there.
    plain = words("Said in the ordinary chat")
    await alice.send(ordinary["id"], plain)
    assert any(plain.encode() in data for data in (await server_files(web_server)).values())
    assert_no_errors(a_client)


def assert_no_errors(client: Client) -> None:
    """No browser errors but the one the protocol expects: a commit that lost its epoch to
    another device's (409 `stale_epoch`, then applied and retried), which Chromium logs as
    a failed resource load."""
    lost_race = re.compile(r"status of 409 \(Conflict\) \(.*/api/e2ee/chats/\d+/commits\)")
    errors = [e for e in client.errors if not lost_race.search(e)]
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


def tamper(content: str) -> str:
    """The ciphertext with one bit flipped near its end (inside the AEAD's ciphertext)."""
    data = bytearray(base64.b64decode(content))
    data[-3] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


async def altered_on_the_way(client: Client, chat_id: int, sender_id: int) -> dict[str, Any]:
    """The test's proxy between Bob's page and the server: while `armed`, the next message of
    `sender_id` in the chat reaches the page with its ciphertext altered."""
    state: dict[str, Any] = {"armed": False, "altered": None}

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if state["armed"] and isinstance(message, str):
                frame = json.loads(message)
                data = frame.get("data") or {}
                if (
                    frame.get("type") == "message:new"
                    and data.get("chatId") == chat_id
                    and data.get("senderId") == sender_id
                    and data.get("type") != "control"
                ):
                    data["content"] = tamper(data["content"])
                    state["armed"], state["altered"] = False, data["id"]
                    message = json.dumps(frame)
            ws.send(message)

        server.on_message(from_server)

    await client.context.route_web_socket(re.compile(r"/ws$"), route)
    return state


async def test_an_altered_ciphertext_shows_an_error_never_text(
    people_here: People, new_context: NewContext, secret_server: ServerProcess
) -> None:
    web_server, people, url = secret_server, people_here, secret_server.url
    alice, bob = await people.register("Alice Tamper"), await people.register("Bob Tamper")
    await both_open(alice, bob)
    a_client, a = await open_app(new_context, alice, "Bob Tamper", base_url=url)
    b_client = await new_context(base_url=url)
    b = await b_client.new_page()
    chat_id = await start_secret_chat(a, "Bob Tamper")
    proxy = await altered_on_the_way(b_client, chat_id, alice.id)
    await signed_in_as(b, bob)
    await open_secret(b)
    await device_ready(web_server, b)
    first = words("Untouched")
    await say(a, first)
    await reads(b, first)

    proxy["armed"] = True
    altered = words("Transfer the money to account 42")
    await say(a, altered)
    error = timeline(b).get_by_text(
        re.compile("altered on the way|could not be decrypted", re.IGNORECASE)
    )
    await expect(error).to_be_visible(timeout=SLOW_MS)
    assert proxy["altered"] is not None
    await save_screenshot(b, "secret-chat-altered-message")
    await expect(bubble(b, altered)).to_have_count(0)
    # The group goes on: the next message (not altered) reads as ever.
    after = words("Still fine after that")
    await say(a, after)
    await reads(b, after)
    await expect(bubble(b, altered)).to_have_count(0)
    assert_no_errors(a_client)
