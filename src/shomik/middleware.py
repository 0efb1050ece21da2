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


_NUL_QUERY = (
    b'{"error":{"code":"invalid","message":"A request must not contain NUL (U+0000) characters."}}'
)
_NUL_PATH = b'{"error":{"code":"not_found","message":"Not found."}}'


class RefuseNul:
    """U+0000 in a URL is answered before any route sees it: in the query string (`%00`) a
    422, since PostgreSQL cannot hold it in text and would answer a search or a login with a
    500; in the path a 404, as no file or route has such a name. JSON bodies are checked
    field by field by the models (shomik.schemas.Model)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = bytes(scope.get("raw_path") or b"") + scope.get("path", "").encode()
            query = bytes(scope.get("query_string") or b"")
            if _has_nul(path):
                await _answer(send, 404, _NUL_PATH)
                return
            if _has_nul(query):
                await _answer(send, 422, _NUL_QUERY)
                return
        await self.app(scope, receive, send)


def _has_nul(raw: bytes) -> bool:
    return b"%00" in raw or b"\x00" in raw


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# 64 KB: the largest JSON a client sends (a 4,096-character message, escaped, or a group of
# 1,000 members) is well under it. Uploads stream to disk under their own limit.
MAX_JSON_BODY = 64 * 1024
STREAMED_PATHS = frozenset({"/api/upload"})
# An MLS commit with its Welcome, in base64 (e2ee/): adding all 150 devices of a 50-member
# secret group at once measured 48 KB + 51 KB of MLS bytes, 133 KB as base64 (docs/e2ee.md).
MAX_COMMIT_BODY = 512 * 1024


def body_limit(path: str) -> int:
    if path.startswith("/api/e2ee/chats/") and path.endswith("/commits"):
        return MAX_COMMIT_BODY
    return MAX_JSON_BODY


class CapBody:
    """Every request body but an upload is read here, up to MAX_JSON_BODY, before any route
    parses it (and before authentication): a larger one is a 413 at once, so a stranger's
    10 MB bodies cost the server 64 KB each, not their size in parsed JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in STREAMED_PATHS:
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_TOO_LARGE = b'{"error":{"code":"too_large","message":"The request body is too large."}}'


async def _too_large(send: Send) -> None:
    # Connection: close: the rest of the body is not read.
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_TOO_LARGE)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": _TOO_LARGE})
