"""The web client: the single-page app that Vite builds into `web/dist`, served for every
GET that no API route took."""

from __future__ import annotations

import os
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from shomik.errors import ShomikError

# Vite puts a content hash in every name under assets/: a changed file gets a new name.
IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else (index.html, sw.js, the manifest) keeps its name across releases, so the
# browser revalidates each use (a cheap 304) and a new service worker is found at once.
REVALIDATE = "no-cache"

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Vue's transitions and bound :style attributes set inline styles.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

# Explicit because `mimetypes` knows no .webmanifest and, before Python 3.12, calls
# JavaScript application/javascript; it also reads /etc/mime.types, which varies by machine.
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
    ".wasm": "application/wasm",
}

# A Host header fit to be copied into the CSP: a name or an IP literal, and a port.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class WebClientNotBuilt(ShomikError):
    status = 503
    code = "web_client_not_built"


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/") or path == "/ws"


def _locate(root: Path | None, path: str) -> tuple[Path, str, os.stat_result]:
    """The file for a URL path, its kind (`asset`, `file` or `page`, that is index.html) and
    its stat. Run in a thread: it touches the disk."""
    # Looked up on every request, so a build made while the server runs is served at once.
    if root is None or not (root / "index.html").is_file():
        raise WebClientNotBuilt("The web client is not built: run make install")
    index = root / "index.html"
    # The server has already percent-decoded the path, so `%2e%2e` arrives here as `..`.
    # Dot segments, dotfiles (.env, .git) and odd characters are refused outright.
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
        raise HTTPException(404)
    if parts:
        base = root.resolve()
        # resolve() follows symlinks, so a link pointing out of the directory fails here.
        candidate = base.joinpath(*parts).resolve()
        if candidate.is_relative_to(base) and candidate.is_file():
            if candidate == index.resolve():
                return candidate, "page", candidate.stat()
            kind = "asset" if parts[0] == "assets" else "file"
            return candidate, kind, candidate.stat()
        if parts[0] == "assets":
            raise HTTPException(404)
    # Any other path is a client-side route (/chats/123): the app's router takes it.
    return index, "page", index.stat()


def socket_origin(url: str) -> str | None:
    """The origin of an absolute ws(s):// URL (Janus's, when browsers reach it on another
    host or port: SHOMIK_SFU_PUBLIC_URL), for connect-src; None for a path on this origin."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc or not _HOST.fullmatch(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _page_headers(scope: Scope, connect: tuple[str, ...] = ()) -> dict[str, str]:
    # CSP 3 lets 'self' match ws(s): on the same host and port, and Chromium (checked with
    # 156) and Firefox do, but older Safari does not (WebKit bug 201591): name the socket's
    # origin too, when the Host header is well-formed enough to copy into a header.
    sources = ["'self'"]
    host = Headers(scope=scope).get("host", "")
    if _HOST.fullmatch(host):
        socket_scheme = "wss" if scope.get("scheme") == "https" else "ws"
        sources.append(f"{socket_scheme}://{host}")
    sources.extend(connect)
    csp = CSP.replace("connect-src 'self'", "connect-src " + " ".join(sources))
    return {"Cache-Control": REVALIDATE, "Content-Security-Policy": csp, **PAGE_HEADERS}


def _not_modified(response: Response, request: Headers) -> bool:
    if if_none_match := request.get("if-none-match"):
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or response.headers["etag"] in tags
    if if_modified_since := request.get("if-modified-since"):
        try:
            since = parsedate_to_datetime(if_modified_since)
            modified = parsedate_to_datetime(response.headers["last-modified"])
        except (TypeError, ValueError):
            return False
        return since >= modified
    return False


class WebClient:
    """The SPA's files; `/api/...` and `/ws` are left to `fallback` (the router's 404).
    `connect`: more origins the page may connect to (Janus's WebSocket, docs/calls.md §9)."""

    def __init__(self, root: Path | None, fallback: ASGIApp, connect: tuple[str, ...] = ()) -> None:
        self.root = root
        self.fallback = fallback
        self.connect = connect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_api(scope["path"]):
            await self.fallback(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        path, kind, stat = await run_in_threadpool(_locate, self.root, scope["path"])
        if kind == "page":
            headers = _page_headers(scope, self.connect)
        else:
            cache = IMMUTABLE if kind == "asset" else REVALIDATE
            headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        response: Response = FileResponse(
            path, headers=headers, media_type=media_type, stat_result=stat
        )
        if _not_modified(response, Headers(scope=scope)):
            response = NotModifiedResponse(response.headers)
        await response(scope, receive, send)


def web_client(root: Path | None, fallback: ASGIApp, connect: tuple[str, ...] = ()) -> ASGIApp:
    # Compressed here and only here: API JSON is small, uploads are already-compressed images
    # and /ws has permessage-deflate. JS, CSS and HTML shrink 3-5x; nothing is stored twice.
    return GZipMiddleware(WebClient(root, fallback, connect), minimum_size=1024)
