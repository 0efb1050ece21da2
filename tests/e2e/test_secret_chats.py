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

import asyncio
import base64
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from PIL import Image
from playwright.async_api import Locator, Page, WebSocketRoute, expect

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
from tests.e2e.test_app import open_settings
from tests.e2ee.support import query
from tests.engines import ENGINES, engine_server
from tests.harness import ServerProcess, User

# Joining a group, committing and decrypting take a few round trips and some crypto: more
# than the 10 s default on a loaded test machine.
SLOW_MS = 30_000
BEFORE_JOIN = "Sent before this device joined"
LOCK = "Secret chat"


def words(label: str) -> str:
    """A message text of this test alone, so that finding it anywhere means this test."""
    return f"{label} {uuid.uuid4().hex[:12]}"


def noisy_png(path: Path) -> Path:
    """A small photo (240 x 180, ~130 KB of noise): under the client's size limits, so its
    bytes are what is encrypted, and every stretch of them is unique."""
    Image.frombytes("RGB", (240, 180), os.urandom(240 * 180 * 3)).save(path, "PNG")
    return path


def secret_item(page: Page) -> Locator:
    """The secret chat's entry in the chat list (its name carries "Secret chat")."""
    chats = page.get_by_role("navigation", name="Chat list")
    return chats.get_by_role("link", name=re.compile(LOCK))


def secret_header(page: Page) -> Locator:
    """The open chat's header button (to its info), named with the lock."""
    return page.get_by_role("button", name=re.compile(rf"^About .*{LOCK}"))


async def open_secret(page: Page) -> None:
    await secret_item(page).first.click()
    await expect(timeline(page)).to_be_visible()
    await expect(secret_header(page)).to_be_visible()


async def start_secret_chat(page: Page, name: str) -> int:
    """From the private chat with `name`: their profile, "Start secret chat"; the new chat
    opens. Returns its id."""
    await page.get_by_role("button", name=f"About {name}", exact=True).click()
    await page.get_by_role("button", name="Start secret chat").click()
    intro = page.get_by_role("dialog", name="Secret chats")
    await intro.get_by_role("button", name="I understand").click()
    await expect(page).to_have_url(re.compile(r"/chat/\d+$"))
    await expect(secret_header(page)).to_be_visible()
    match = re.search(r"/chat/(\d+)$", page.url)
    assert match is not None
    return int(match.group(1))


async def say(page: Page, text: str) -> None:
    await composer(page).fill(text)
    await composer(page).press("Enter")
    await expect(bubble(page, text)).to_be_visible(timeout=SLOW_MS)


async def reads(page: Page, text: str) -> None:
    await expect(bubble(page, text)).to_be_visible(timeout=SLOW_MS)


async def safety_number(page: Page) -> str:
    """The safety number the chat's info shows, digits only (the dialog is closed after)."""
    info = page.get_by_role("region", name="Encryption")
    if not await info.is_visible():
        await secret_header(page).click()
    await info.get_by_role("button", name="Verify safety number").click()
    dialog = page.get_by_role("dialog", name="Verify safety number")
    number = dialog.get_by_test_id("safety-number")
    await expect(number).to_have_text(re.compile(r"^(\D*\d{5}){12}\D*$"), timeout=SLOW_MS)
    digits = re.sub(r"\D", "", await number.inner_text())
    await dialog.get_by_role("button", name="Close").click()
    return digits


async def device_ready(server: ServerProcess, page: Page) -> None:
    """Until the page's device is registered with key packages on the server. A device
    registers when it first opens a secret chat: messages sent before that (and before the
    sender's next commit adds it) are, rightly, "Sent before this device joined"."""
    token = await page.evaluate("() => JSON.parse(localStorage.getItem('shomik.token'))")
    async with httpx.AsyncClient(base_url=server.url) as http:
        auth = {"Authorization": f"Bearer {token}"}

        async def ready() -> bool:
            r = await http.get("/api/e2ee/devices/current", headers=auth)
            return r.status_code == 200 and r.json()["keyPackages"] > 0

        await until(ready, "the device registered with key packages")


async def group_devices(user: User, chat_id: int) -> list[dict[str, Any]]:
    r = await user.http.get(f"/api/e2ee/chats/{chat_id}")
    assert r.status_code == 200, r.text
    return list(r.json()["devices"])


async def until(check: Any, what: str, seconds: float = 30) -> None:
    """Polls an async predicate (the server's state, read over REST or SQL)."""
    for _ in range(int(seconds * 5)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


async def send_photo(page: Page, photo: Path, caption: str) -> None:
    await page.locator('input[type="file"]').set_input_files(photo)
    await composer(page).fill(caption)
    await expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=SLOW_MS)
    await composer(page).press("Enter")
    await expect(bubble(page, caption)).to_be_visible(timeout=SLOW_MS)


async def shown_pixels(page: Page, caption: str) -> Image.Image:
    """The photo the bubble shows (a blob: URL of what was decrypted), as pixels."""
    image = bubble(page, caption).get_by_role("img").first
    await expect(image).to_be_visible(timeout=SLOW_MS)
    src = await image.get_attribute("src")
    assert src is not None and src.startswith("blob:"), src
    found = await image.evaluate(
        """async (img) => { await img.decode();
             const c = document.createElement('canvas');
             c.width = img.naturalWidth; c.height = img.naturalHeight;
             const g = c.getContext('2d'); g.drawImage(img, 0, 0);
             const px = g.getImageData(0, 0, c.width, c.height).data;
             let s = ''; for (let i = 0; i < px.length; i += 4096)
               s += String.fromCharCode(...px.subarray(i, i + 4096));
             return [c.width, c.height, btoa(s)] }"""
    )
    width, height, data = found
    return Image.frombytes("RGBA", (width, height), base64.b64decode(data))


def slices(data: bytes, n: int = 4, size: int = 48) -> list[bytes]:
    """Stretches from inside the data: any of them found on the server would be plaintext."""
    step = max(1, (len(data) - size) // (n + 1))
    return [data[step * (i + 1) : step * (i + 1) + size] for i in range(n)]


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


async def postgres_tables(server: ServerProcess) -> bytes:
    """Every row of every table, as PostgreSQL prints it."""
    url = server.env["SHOMIK_DATABASE_URL"].replace("+asyncpg", "")
    conn = await asyncpg.connect(url, timeout=5)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        rows = []
        for (table,) in tables:
            rows += await conn.fetch(f'SELECT t::text FROM "{table}" t')
        return "\n".join(str(r[0]) for r in rows).encode()
    finally:
        await conn.close()


async def server_files(server: ServerProcess) -> dict[str, bytes]:
    """The database (SQLite's file and WAL, or PostgreSQL's tables), every stored upload,
    and the server's log."""
    found: dict[str, bytes] = {}
    if "SHOMIK_DATABASE_URL" in server.env:
        found["postgres"] = await postgres_tables(server)
    for path in sorted(server.data_dir.glob("shomik.db*")):
        found[path.name] = path.read_bytes()
    for path in sorted((server.data_dir / "uploads").rglob("*")):
        if path.is_file():
            found[f"uploads/{path.name}"] = path.read_bytes()
    found["log"] = server.log_path.read_bytes()
    return found


async def assert_no_plaintext(server: ServerProcess, secrets: list[bytes]) -> None:
    files = await server_files(server)
    assert {"shomik.db", "postgres"} & set(files)
    assert any(name.startswith("uploads/") for name in files)
    leaks = [
        (name, secret[:40]) for name, data in files.items() for secret in secrets if secret in data
    ]
    assert not leaks, f"plaintext on the server: {leaks}"


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
