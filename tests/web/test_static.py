"""The web client's files (src/shomik/web.py): cache classes, the SPA fallback, security
headers, path traversal, conditional and compressed answers, and the unbuilt client."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from shomik.web import _page_headers, socket_origin
from tests.harness import ServerProcess
from tests.web import dist
from tests.web.dist import write_dist

SECRET = "TOP-SECRET-OUTSIDE-THE-BUILD"
IMMUTABLE = "public, max-age=31536000, immutable"
CSP_WITHOUT_SOCKET = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' blob: data:; media-src 'self' blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build in `site/dist`, with a secret beside it that must never be served."""
    root = tmp_path_factory.mktemp("site")
    (root / "secret.txt").write_text(SECRET)
    build = write_dist(root / "dist")
    (build / ".env").write_text(SECRET)
    (build / "assets" / "leak.js").symlink_to(root / "secret.txt")
    (build / "outside").symlink_to(root)
    return build


@pytest.fixture(scope="module")
def web(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    # API docs on: /openapi.json is the large route answer of test_routes_answers_are_not_gzipped.
    env = {"SHOMIK_WEB_DIR": str(site), "SHOMIK_API_DOCS": "true"}
    server = ServerProcess(tmp_path_factory.mktemp("web"), env)
    server.start()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client
    server.stop()


def raw_get(client: httpx.Client, target: str) -> httpx.Response:
    """GET with the request target sent verbatim: httpx would otherwise remove `..`."""
    return client.get("/", extensions={"target": target.encode()})


def assert_json_404(r: httpx.Response) -> None:
    assert r.status_code == 404, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["error"]["code"] == "not_found"


def assert_index(r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    assert r.text == dist.INDEX
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(web: httpx.Client) -> None:
    r = web.get("/assets/app-abc123.js")
    assert r.status_code == 200
    assert r.text == dist.BUNDLE
    assert r.headers["cache-control"] == IMMUTABLE
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "content_type", "content"),
    [
        ("/sw.js", "text/javascript; charset=utf-8", dist.SW.encode()),
        ("/manifest.webmanifest", "application/manifest+json", dist.MANIFEST.encode()),
        ("/favicon.svg", "image/svg+xml", dist.ICON_SVG.encode()),
        ("/icons/icon-192.png", "image/png", dist.PNG),
    ],
)
def test_unhashed_files_are_revalidated_on_every_use(
    web: httpx.Client, path: str, content_type: str, content: bytes
) -> None:
    r = web.get(path)
    assert r.status_code == 200
    assert r.content == content
    assert r.headers["content-type"] == content_type
    assert r.headers["cache-control"] == "no-cache"
    assert "content-security-policy" not in r.headers  # a policy of pages only


def test_index_carries_the_security_headers(web: httpx.Client) -> None:
    port = web.base_url.port
    for path in ("/", "/index.html", "/chats/123"):
        r = web.get(path)
        assert_index(r)
        # 'self' plus the socket's origin, for browsers whose 'self' does not cover ws:.
        expected = CSP_WITHOUT_SOCKET.replace(
            "connect-src 'self'", f"connect-src 'self' ws://127.0.0.1:{port}"
        )
        assert r.headers["content-security-policy"] == expected
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-frame-options"] == "DENY"


def test_a_malformed_host_stays_out_of_the_policy(web: httpx.Client) -> None:
    r = web.get("/", headers={"Host": "evil; script-src *"})
    assert_index(r)
    assert r.headers["content-security-policy"] == CSP_WITHOUT_SOCKET


@pytest.mark.parametrize("path", ["/chats/123", "/settings/profile", "/login", "/chats/"])
def test_client_side_routes_get_the_index(web: httpx.Client, path: str) -> None:
    assert_index(web.get(path))


@pytest.mark.parametrize("path", ["/api/nope", "/api", "/api/chats/1/nope", "/ws"])
def test_unknown_api_paths_keep_the_json_404(web: httpx.Client, path: str) -> None:
    assert_json_404(web.get(path))


def test_the_api_is_untouched(web: httpx.Client) -> None:
    assert web.get("/api/health").json() == {"status": "ok"}
    r = web.delete("/api/health")  # a wrong method on an API route is still a 405
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_only_get_and_head_reach_the_files(web: httpx.Client) -> None:
    r = web.post("/chats/1")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert r.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/assets/missing-0000.js", "/assets", "/assets/"])
def test_a_missing_asset_is_a_404_not_the_index(web: httpx.Client, path: str) -> None:
    assert_json_404(web.get(path))


@pytest.mark.parametrize(
    "target",
    [
        "/assets/../../etc/passwd",
        "/assets/../../secret.txt",
        "/../secret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/secret.txt",
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/assets/%2e%2e%2fsecret",
        "/assets/..%5c..%5csecret.txt",
        "/assets/leak.js",  # a symlink to the secret
        "/.env",
        "/assets/%00.js",
    ],
)
def test_traversal_never_reaches_a_file_outside(web: httpx.Client, target: str) -> None:
    r = raw_get(web, target)
    assert SECRET not in r.text
    assert "root:" not in r.text
    assert_json_404(r)


@pytest.mark.parametrize(
    "target",
    [
        "//etc/passwd",
        "/etc/passwd",
        "/proc/self/environ",
        # Through a symlink to the folder above: the same answer as for a path that is not
        # there, so nothing tells which files exist outside.
        "/outside/secret.txt",
        "/outside/nothing-here.txt",
    ],
)
def test_paths_outside_are_client_routes(web: httpx.Client, target: str) -> None:
    r = raw_get(web, target)
    assert SECRET not in r.text
    assert_index(r)


def test_head_answers_headers_only(web: httpx.Client) -> None:
    r = web.head("/assets/app-abc123.js")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == str(len(dist.BUNDLE))
    assert r.headers["cache-control"] == IMMUTABLE
    page = web.head("/chats/7")
    assert page.status_code == 200 and page.content == b""
    assert "content-security-policy" in page.headers


@pytest.mark.parametrize("path", ["/assets/app-abc123.js", "/sw.js", "/", "/chats/9"])
def test_a_known_etag_gets_304(web: httpx.Client, path: str) -> None:
    first = web.get(path)
    etag = first.headers["etag"]
    r = web.get(path, headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == etag
    assert r.headers["cache-control"] == first.headers["cache-control"]
    changed = web.get(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == first.content
    since = web.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304


def test_large_text_files_are_gzipped(web: httpx.Client) -> None:
    r = web.get("/assets/app-abc123.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert r.text == dist.BUNDLE  # httpx decoded it
    with web.stream("GET", "/assets/app-abc123.js") as raw:
        compressed = b"".join(raw.iter_raw())
    assert len(compressed) < len(dist.BUNDLE) / 5
    assert gzip.decompress(compressed).decode() == dist.BUNDLE
    identity = web.get("/assets/app-abc123.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers
    small = web.get("/sw.js", headers={"Accept-Encoding": "gzip"})  # under 1 KiB: as is
    assert "content-encoding" not in small.headers


def test_routes_answers_are_not_gzipped(web: httpx.Client) -> None:
    # Only the web client's files are compressed: a large answer of a route goes out as is.
    r = web.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert len(r.content) > 10_000
    assert "content-encoding" not in r.headers


def test_an_unbuilt_client_is_a_clear_503_and_the_api_works(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    empty = tmp_path / "dist"
    empty.mkdir()
    server = make_server({"SHOMIK_WEB_DIR": str(empty)})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for path in ("/", "/chats/1", "/assets/app-abc123.js"):
            r = client.get(path)
            assert r.status_code == 503, r.text
            error = r.json()["error"]
            assert error["code"] == "web_client_not_built"
            assert error["message"] == "The web client is not built: run make install"
        assert client.get("/api/health").json() == {"status": "ok"}
        assert_json_404(client.get("/api/nope"))
        # Built while the server runs: served from the next request on, no restart.
        write_dist(empty)
        assert_index(client.get("/chats/1"))


def test_web_dir_set_empty_serves_the_api_alone(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server({"SHOMIK_WEB_DIR": ""})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/").status_code == 503
        assert client.get("/api/health").status_code == 200


def test_janus_on_another_origin_joins_connect_src() -> None:
    """SHOMIK_SFU_PUBLIC_URL as a full ws(s):// URL (docs/calls.md §9): the page may open
    Janus's WebSocket there; a path on this origin adds nothing ('self' has it)."""
    assert socket_origin("wss://sfu.example.org/janus") == "wss://sfu.example.org"
    assert socket_origin("ws://127.0.0.1:8188") == "ws://127.0.0.1:8188"
    assert socket_origin("/janus") is None
    assert socket_origin("wss://evil; script-src *") is None
    scope = {"type": "http", "headers": [(b"host", b"chat.example.org")], "scheme": "https"}
    csp = _page_headers(scope, ("wss://sfu.example.org",))["Content-Security-Policy"]
    assert "connect-src 'self' wss://chat.example.org wss://sfu.example.org;" in csp
