"""The web client's performance budget, measured in Debian's Chromium against a real server:

- initial JavaScript: what a cold first visit downloads before the first screen (budget
  150 KB gzipped), and what the chat screen adds;
- a chat with 10,000 messages: time from the click in the chat list to its newest message
  on screen (budget 300 ms), and the most message elements in the DOM while scrolling up
  through its history (budget < 100).

Run: `make bench-web` (or `.venv/bin/python -m benchmarks.web_client`). Needs a built
client (`make install`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, async_playwright
from websockets.asyncio.client import connect

# The same browser and flags as the browser tests: one list to keep right.
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.harness import ROOT, ServerProcess

PASSWORD = "a long enough passphrase"


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


async def seed(base: str, messages: int) -> dict[str, Any]:
    """Two users, one private chat with `messages` messages, sent over the socket in
    pipelined windows (the fastest honest way: every one is stored and acknowledged)."""
    async with httpx.AsyncClient(base_url=base) as http:
        tokens = []
        for name in ("reader", "writer"):
            r = await http.post(
                "/api/auth/register",
                json={"username": name, "password": PASSWORD, "displayName": name.title()},
            )
            r.raise_for_status()
            tokens.append(r.json())
        reader, writer = tokens
        r = await http.post(
            "/api/chats",
            json={"type": "private", "userId": reader["user"]["id"]},
            headers={"Authorization": f"Bearer {writer['access_token']}"},
        )
        r.raise_for_status()
        chat_id = r.json()["id"]
    ws_url = base.replace("http", "ws") + "/ws"
    async with connect(ws_url, origin=base, max_size=None) as ws:  # type: ignore[arg-type]  # websockets types Origin as a NewType of str
        await ws.send(json.dumps({"type": "auth", "token": writer["access_token"]}))
        while json.loads(await ws.recv())["type"] != "ready":
            pass
        sent = 0
        window = 200
        last_id = 0
        while sent < messages:
            batch = min(window, messages - sent)
            for i in range(batch):
                n = sent + i + 1
                text = f"Message {n}: " + ("a fairly ordinary line of chat text " * (1 + n % 4))
                data = {"chatId": chat_id, "clientId": str(uuid.uuid4()), "content": text}
                await ws.send(json.dumps({"type": "message:send", "ref": str(n), "data": data}))
            acked = 0
            while acked < batch:
                frame = json.loads(await ws.recv())
                if frame["type"] == "ack":
                    acked += 1
                    last_id = max(last_id, frame["data"]["id"])
            sent += batch
    # The reader has read it all: a chat one lives in opens at its newest message (a chat
    # with unread messages opens at the first of them instead, through an around= page).
    async with connect(ws_url, origin=base, max_size=None) as ws:  # type: ignore[arg-type]  # as above
        await ws.send(json.dumps({"type": "auth", "token": reader["access_token"]}))
        while json.loads(await ws.recv())["type"] != "ready":
            pass
        data = {"chatId": chat_id, "messageId": last_id}
        await ws.send(json.dumps({"type": "message:read", "ref": "read", "data": data}))
        while json.loads(await ws.recv()).get("ref") != "read":
            pass
    return {"chat_id": chat_id, "token": reader["access_token"], "user": reader["user"]}


async def open_chat_ms(page: Page, base: str, chat_id: int, last_seq: int) -> float:
    await page.goto(f"{base}/")
    link = page.get_by_role("link", name="Writer")
    await link.wait_for()
    elapsed: float = await page.evaluate(
        """([chatId, lastSeq]) => new Promise((resolve) => {
            const link = document.querySelector(`a[href="/chat/${chatId}"]`)
            const t0 = performance.now()
            link.click()
            const tick = () => {
              const el = document.querySelector(`[data-seq="${lastSeq}"]`)
              if (el && el.getBoundingClientRect().height > 0) resolve(performance.now() - t0)
              else requestAnimationFrame(tick)
            }
            tick()
        })""",
        [chat_id, last_seq],
    )
    return elapsed


async def scroll_history(page: Page, steps: int) -> dict[str, int]:
    """Scroll up through the history like a reader would, sampling the DOM at each step."""
    result: dict[str, int] = await page.evaluate(
        """async (steps) => {
            const log = document.querySelector('[role="log"]')
            let maxMessages = 0, maxNodes = 0
            for (let i = 0; i < steps; i++) {
              log.scrollTop = Math.max(0, log.scrollTop - 1500)
              await new Promise((r) => setTimeout(r, 60))
              maxMessages = Math.max(maxMessages, document.querySelectorAll('[data-seq]').length)
              maxNodes = Math.max(maxNodes, document.getElementsByTagName('*').length)
            }
            const seqs = [...document.querySelectorAll('[data-seq]')]
              .map((e) => Number(e.dataset.seq))
            return { maxMessages, maxNodes, oldestOnScreen: Math.min(...seqs) }
        }""",
        steps,
    )
    return result


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="shomik-bench-web-"))
    server = ServerProcess(tmp / "data", env={"SHOMIK_WEB_DIR": str(ROOT / "web" / "dist")})
    server.start()
    base = server.url
    try:
        t0 = time.perf_counter()
        seeded = await seed(base, args.messages)
        log(f"seeded {args.messages} messages in {time.perf_counter() - t0:.1f} s")
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            # Cold first visit: what the login screen downloads.
            ctx = await browser.new_context()
            page = await ctx.new_page()
            await page.goto(f"{base}/login")
            await page.get_by_label("Username").wait_for()
            login_js = await page.evaluate(
                "performance.getEntriesByType('resource').filter(e => e.name.endsWith('.js'))"
                ".reduce((n, e) => n + e.transferSize, 0)"
            )
            await ctx.close()
            # Signed in: the chat screen.
            ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
            await ctx.add_init_script(
                f"localStorage.setItem('shomik.token', {json.dumps(json.dumps(seeded['token']))});"
                f"localStorage.setItem('shomik.user', {json.dumps(json.dumps(seeded['user']))});"
            )
            page = await ctx.new_page()
            await page.goto(f"{base}/chat/{seeded['chat_id']}")
            await page.locator(f'[data-seq="{args.messages}"]').wait_for()
            chat_js = await page.evaluate(
                "performance.getEntriesByType('resource').filter(e => e.name.endsWith('.js'))"
                ".reduce((n, e) => n + e.transferSize, 0)"
            )
            # The chat list and the app are warm (as after any first visit); each run
            # reloads, so the chat's history is fetched from the server every time.
            times = [
                await open_chat_ms(page, base, seeded["chat_id"], args.messages)
                for _ in range(args.runs)
            ]
            dom = await scroll_history(page, args.scroll_steps)
            await browser.close()
        return {
            "messages": args.messages,
            "initial_js_kb_login": round(login_js / 1024, 1),
            "initial_js_kb_chat_screen": round(chat_js / 1024, 1),
            "open_ms": [round(t, 1) for t in times],
            "open_ms_median": round(statistics.median(times), 1),
            "open_ms_max": round(max(times), 1),
            **dom,
        }
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scroll-steps", type=int, default=120)
    result = asyncio.run(amain(parser.parse_args(argv)))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
