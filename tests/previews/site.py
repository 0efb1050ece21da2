"""A small website for the link preview tests, on 127.0.0.1 in a thread: an Open Graph page
and its image, and the pages each refusal needs (redirects, JSON, a huge page, a slow one).
It records every request, so tests can prove what the server did (not) ask for."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image
from PIL.PngImagePlugin import PngInfo

TITLE = "Shomik & the test page"
DESCRIPTION = "A page <b>with</b> Open Graph tags, served by the tests."
SITE_NAME = "Test Site"
SECRET = b"SECRET-METADATA-42"  # in the image's text chunk: the re-encoding must drop it
IMAGE_SIZE = (64, 48)


def _png() -> bytes:
    info = PngInfo()
    info.add_text("Comment", SECRET.decode())
    out = io.BytesIO()
    Image.new("RGB", IMAGE_SIZE, (200, 30, 90)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def og_page(title: str = TITLE, image: str = "/image.png") -> bytes:
    return f"""<!doctype html><html><head>
<meta charset="utf-8"><title>Fallback title</title>
<meta property="og:title" content="{title.replace("&", "&amp;")}">
<meta property="og:description" content="{DESCRIPTION.replace("<", "&lt;").replace(">", "&gt;")}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:image" content="{image}">
</head><body><p>Hello</p></body></html>""".encode()


@dataclass
class Seen:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class LocalSite:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.png = _png()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append(
                    Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                site.route(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def start(self) -> LocalSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        path = parts.path
        if path in ("/page", "/page2", "/other-page"):
            title = {"/page": TITLE, "/page2": "Second page", "/other-page": "Other page"}[path]
            self._send(h, 200, "text/html; charset=utf-8", og_page(title))
        elif path == "/image.png":
            self._send(h, 200, "image/png", self.png)
        elif path == "/no-image":
            self._send(h, 200, "text/html", og_page("No image", image=""))
        elif path == "/json":
            self._send(h, 200, "application/json", b'{"title": "not a page"}')
        elif path == "/big":
            self._send(h, 200, "text/html", og_page("Big page") + b"<!--" + b"x" * (3 << 20))
        elif path == "/big-image":
            self._send(h, 200, "image/png", self.png + b"\0" * (2 << 20))
        elif path == "/slow":
            self._trickle(h)
        elif path == "/redirect":
            self._redirect(h, query["to"][0])
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(h, f"/chain/{left - 1}" if left > 1 else "/page")  # left redirects
        elif path == "/set-cookie":
            h.send_response(302)
            h.send_header("Set-Cookie", "session=abc; Path=/")
            h.send_header("Location", "/page")
            h.send_header("Content-Length", "0")
            h.end_headers()
        else:
            self._send(h, 404, "text/plain", b"not found")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        # The fetcher may stop reading: what the cap is for.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            h.wfile.write(body)

    @staticmethod
    def _redirect(h: BaseHTTPRequestHandler, to: str) -> None:
        h.send_response(302)
        h.send_header("Location", to)
        h.send_header("Content-Length", "0")
        h.end_headers()

    @staticmethod
    def _trickle(h: BaseHTTPRequestHandler) -> None:
        """Headers at once, then a byte every 0.2 s for 20 s: no single read times out,
        only a cap on the whole fetch stops it."""
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        try:
            h.wfile.write(og_page("Slow page")[:40])
            for _ in range(100):
                time.sleep(0.2)
                h.wfile.write(b" ")
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
