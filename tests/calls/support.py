"""Helpers for call tests: a 1:1 call rung and answered, and SDP-shaped payloads."""

from __future__ import annotations

from typing import Any

from tests.harness import User, Ws

OFFER = {"sdp": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"}}
CANDIDATE = {
    "candidate": {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    }
}


async def ring(caller: User, callee: User, media: str = "audio") -> tuple[Ws, Ws, dict[str, Any]]:
    """caller starts a call in their private chat with callee; callee's socket is rung."""
    chat = await caller.private_chat(callee)
    a, b = await caller.ws(), await callee.ws()
    ack = await a.command("call:start", {"chatId": chat["id"], "media": media})
    call = ack["call"]
    incoming = await b.expect("call:incoming")
    assert incoming["data"]["call"]["id"] == call["id"]
    return a, b, call


async def answered(caller: User, callee: User, media: str = "audio") -> tuple[Ws, Ws, str]:
    a, b, call = await ring(caller, callee, media)
    await b.command("call:accept", {"callId": call["id"]})
    for ws in (a, b):
        await ws.expect("call:accepted")
    return a, b, call["id"]


async def system_message(ws: Ws, chat_id: int, timeout: float = 5) -> dict[str, Any]:
    frame = await ws.expect(
        "message:new",
        lambda d: d["chatId"] == chat_id and d["type"] == "system",
        timeout=timeout,
    )
    return dict(frame["data"])
