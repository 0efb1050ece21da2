"""The interactive API reference (Swagger UI) at `/docs` and the spec at `/openapi.json`,
served only with SHOMIK_API_DOCS=true.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, without integrity checks, on the
origin that keeps the session token: a compromised CDN would run script with the user's
session. Here Swagger UI is served from the files of the `fastapi-offline` package, the
page has no inline script, and it goes out with the web client's CSP (`script-src 'self'`).
`/redoc` is not served: one reference is enough.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

from shomik.web import CSP, MEDIA_TYPES, PAGE_HEADERS, REVALIDATE

# Swagger UI 5 (OpenAPI 3.1, which FastAPI writes) as files: fastapi-offline's own pages,
# like FastAPI's, have inline script, so only its static folder is used.
SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"})
HEADERS = {"Cache-Control": REVALIDATE, "Content-Security-Policy": CSP, **PAGE_HEADERS}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Shomik API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
# validatorUrl null: the default badge is an image from validator.swagger.io, which the CSP
# refuses (and which would tell a third party where the spec lives).
INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
});
"""
# Without these routes the web client would answer the paths with its own page.
HIDDEN = ("/docs", "/docs/{rest:path}", "/redoc", "/openapi.json")


async def _not_found(_request: Request) -> Response:
    raise HTTPException(404)


def add_api_docs(app: FastAPI, enabled: bool) -> None:
    """Add `/docs` (with its assets) and `/openapi.json` when `enabled`; otherwise, and for
    `/redoc` always, answer 404. Call after every API route is added; the app must be created
    with `docs_url=None, redoc_url=None, openapi_url=None`."""
    if not enabled:
        for path in HIDDEN:
            app.add_route(path, _not_found, include_in_schema=False)
        return

    async def openapi(_request: Request) -> Response:
        return JSONResponse(app.openapi(), headers=PAGE_HEADERS)

    async def page(_request: Request) -> Response:
        return HTMLResponse(PAGE, headers=HEADERS)

    async def init(_request: Request) -> Response:
        return Response(INIT, media_type=MEDIA_TYPES[".js"], headers=HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            raise HTTPException(404)
        path = SWAGGER_UI / name
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=HEADERS)

    app.add_route("/openapi.json", openapi, include_in_schema=False)
    app.add_route("/docs", page, include_in_schema=False)
    app.add_route("/docs/init.js", init, include_in_schema=False)
    app.add_route("/docs/assets/{name}", asset, include_in_schema=False)
    app.add_route("/docs/{rest:path}", _not_found, include_in_schema=False)
    app.add_route("/redoc", _not_found, include_in_schema=False)
