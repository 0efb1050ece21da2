"""HTTP middleware of our own."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Bodies up to this size are cheap to read and discard to keep the connection alive.
SMALL_BODY = 256 * 1024


class CloseOnRefusedBody:
    """An error answered before a large request body was read (401 to an upload, say) carries
    `Connection: close`, so the server hangs up instead of reading, and discarding, what may
    be hundreds of megabytes the client is still sending."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _large_body(scope):
            await self.app(scope, receive, send)
            return

        body_read = False

        async def receive_tracking() -> Message:
            nonlocal body_read
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_read = True
            return message

        async def send_closing(message: Message) -> None:
            start = message["type"] == "http.response.start"
            if start and message["status"] >= 400 and not body_read:
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive_tracking, send_closing)


def _large_body(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        return True
    length = headers.get(b"content-length", b"0")
    return length.isdigit() and int(length) > SMALL_BODY
