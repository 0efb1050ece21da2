"""What the secret chat tests in the browser share (tests/e2e/test_secret_chats.py): the
steps a person takes in a secret chat, and the look through the server's storage for any
plaintext."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from PIL import Image
from playwright.async_api import Locator, Page, expect

from tests.e2e.flows import (
    bubble,
    composer,
    timeline,
)
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
