"""uvicorn's server as `shomik serve` runs it (uvserver.py): woken once a second, not ten
times, yet it still answers with a Date header and stops as soon as it is told to."""

from __future__ import annotations

import asyncio
import signal
import socket
from typing import Any

import httpx
import uvicorn

from shomik.uvserver import QuietServer


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_it_dates_its_answers_and_a_signal_ends_its_wait_at_once() -> None:
    port = _free_port()
    config = uvicorn.Config(_app, host="127.0.0.1", port=port, lifespan="off", log_level="error")
    server = QuietServer(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"http://127.0.0.1:{port}/")
    assert answer.text == "ok"
    assert answer.headers["date"].endswith(" GMT")
    assert server._stop is not None and not server._stop.is_set()  # waiting out its second
    server.handle_exit(signal.SIGTERM, None)
    # uvicorn raises a signal it caught again once it has stopped: not in the tests' process.
    server._captured_signals.clear()
    await asyncio.sleep(0)  # the wake-up the signal handler asked for
    assert server._stop.is_set()
    async with asyncio.timeout(10):
        await serving
    assert server.should_exit
