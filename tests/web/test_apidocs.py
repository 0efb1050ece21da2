"""The API reference (/docs, /openapi.json): absent by default, and with SHOMIK_API_DOCS=true
served from local assets under the web client's CSP. The browser check is in
tests/e2e/test_apidocs.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from shomik.app import create_app
from shomik.settings import Settings
from shomik.web import CSP


async def _client(tmp_path: Path, api_docs: bool) -> httpx.AsyncClient:
    # A built web client is present: without the routes of apidocs it would answer /docs.
    site = tmp_path / "dist"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>Shomik</title>")
    settings = Settings(data_dir=tmp_path, web_dir=site, api_docs=api_docs)
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://shomik.test")


@pytest.fixture
async def off(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(tmp_path, api_docs=False) as client:
        yield client


@pytest.fixture
async def on(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(tmp_path, api_docs=True) as client:
        yield client


def test_the_setting_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOMIK_API_DOCS", raising=False)
    assert Settings().api_docs is False
    monkeypatch.setenv("SHOMIK_API_DOCS", "true")
    assert Settings().api_docs is True


@pytest.mark.parametrize(
    "path",
    [
        "/docs",
        "/docs/",
        "/docs/init.js",
        "/docs/assets/swagger-ui-bundle.js",
        "/redoc",
        "/openapi.json",
        "/docs/oauth2-redirect",
    ],
)
async def test_by_default_there_are_no_docs(off: httpx.AsyncClient, path: str) -> None:
    r = await off.get(path)
    assert r.status_code == 404, path
    assert r.json()["error"]["code"] == "not_found"
    # The web client itself is still served.
    assert (await off.get("/chats/1")).status_code == 200


async def test_docs_page_has_the_csp_and_only_same_origin_scripts(on: httpx.AsyncClient) -> None:
    r = await on.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", r.text, re.DOTALL | re.IGNORECASE)
    assert scripts, r.text
    for attributes, body in scripts:
        assert body.strip() == "", "inline script"
        src = re.search(r'src="([^"]+)"', attributes)
        assert src is not None and src.group(1).startswith("/"), attributes
        assert not src.group(1).startswith("//"), attributes
    assert not re.search(r"https?://|//cdn", r.text)
    assert not re.search(r"\bon[a-z]+\s*=", r.text)  # no inline event handlers either
    for src in [
        src for attributes, _ in scripts for src in re.findall(r'src="([^"]+)"', attributes)
    ]:
        asset = await on.get(src)
        assert asset.status_code == 200, src
        assert asset.headers["content-type"].startswith("text/javascript"), src
    assert "SwaggerUIBundle(" in (await on.get("/docs/init.js")).text


async def test_assets_are_served_from_the_package(on: httpx.AsyncClient) -> None:
    bundle = await on.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    css = await on.get("/docs/assets/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    # Only what the page needs: the package's own index.html has an inline script.
    for name in ("index.html", "swagger-initializer.js", "..%2F__init__.py", "nope.js"):
        assert (await on.get(f"/docs/assets/{name}")).status_code == 404, name
    assert (await on.get("/redoc")).status_code == 404  # needs a CDN: not served


async def test_openapi_json_is_the_spec(on: httpx.AsyncClient) -> None:
    r = await on.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["info"]["title"] == "Shomik"
    assert "/api/users/me" in spec["paths"]
    assert not any(path.startswith(("/docs", "/openapi", "/redoc")) for path in spec["paths"])
