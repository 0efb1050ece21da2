"""The ceiling: the same WebSocket framing as shomik with nothing behind it.

Starlette + uvicorn with `ws="websockets-sansio"` and the same uvicorn options as
`shomik serve`, but no database, no token check, no validation beyond JSON parsing:

* the first frame must be `{"type":"auth","token":"u<userId>:c<chatId>[,<chatId>...]"}`;
  the token is not verified, it only names the user and the chats the socket joins (the
  runner gives every client the same user id and chat ids as in the real run);
* the server answers `{"type":"ready",...}`;
* `message:send` is answered like shomik does: `message:new` (same fields, same sizes) to
  every socket in the chat, the sender's included, then the `ack` to the sender. Frames are
  written straight from the reading task, without per-connection queues.

    python -m benchmarks.bare_server --port 8100
"""

from __future__ import annotations

import argparse
import itertools
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

rooms: dict[int, set[WebSocket]] = defaultdict(set)
_message_ids = itertools.count(1)
_event_ids = itertools.count(1)
_chat_seq: dict[int, int] = defaultdict(int)


def _parse_token(token: str) -> tuple[int, list[int]]:
    user, _, chats = token.partition(":c")
    return int(user.removeprefix("u")), [int(c) for c in chats.split(",") if c]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _message(user_id: int, data: dict[str, Any]) -> bytes:
    chat_id = int(data["chatId"])
    _chat_seq[chat_id] += 1
    return orjson.dumps(
        {
            "id": next(_message_ids),
            "chatId": chat_id,
            "seq": _chat_seq[chat_id],
            "senderId": user_id,
            "type": "text",
            "content": str(data.get("content", "")),
            "replyTo": None,
            "replyPreview": None,
            "attachments": [],
            "reactions": {},
            "readBy": [],
            "clientId": data.get("clientId"),
            "meta": None,
            "createdAt": _now(),
            "editedAt": None,
            "deletedAt": None,
        }
    )


async def websocket_endpoint(ws: WebSocket) -> None:
    await ws.accept()
    try:
        auth = orjson.loads(await ws.receive_text())
        user_id, chat_ids = _parse_token(str(auth["token"]))
    except (WebSocketDisconnect, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        await ws.close(4401, "unauthorized")
        return
    for chat_id in chat_ids:
        rooms[chat_id].add(ws)
    ready = {
        "type": "ready",
        "data": {
            "user": {"id": user_id, "username": f"u{user_id}"},
            "seq": 0,
            "serverTime": _now(),
        },
    }
    try:
        await ws.send_text(orjson.dumps(ready).decode())
        while True:
            frame = orjson.loads(await ws.receive_text())
            ref = orjson.dumps(frame.get("ref")).decode()
            if frame.get("type") != "message:send":
                await ws.send_text(
                    f'{{"type":"error","ref":{ref},"error":{{"code":"unknown_command",'
                    '"message":"The bare server only knows message:send."}}'
                )
                continue
            payload = _message(user_id, frame["data"]).decode()
            chat_id = int(frame["data"]["chatId"])
            event = f'{{"type":"message:new","seq":{next(_event_ids)},"data":{payload}}}'
            for member in tuple(rooms.get(chat_id, ())):
                try:
                    await member.send_text(event)
                except (WebSocketDisconnect, RuntimeError):  # that member just went away
                    rooms[chat_id].discard(member)
            await ws.send_text(f'{{"type":"ack","ref":{ref},"data":{payload}}}')
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        for chat_id in chat_ids:
            rooms[chat_id].discard(ws)


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/api/health", health), WebSocketRoute("/ws", websocket_endpoint)],
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the benchmark servers listen on loopback only")
    # The same uvicorn options as `shomik serve` (see src/shomik/cli.py).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        ws_ping_interval=30.0,
        ws_ping_timeout=30.0,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
