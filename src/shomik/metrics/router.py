"""`GET /metrics`, for Prometheus. Never public by accident: without SHOMIK_METRICS_TOKEN
the path does not exist (404), and with it every scrape must carry the token."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from shomik.deps import ServicesDep
from shomik.errors import NotFound, Unauthorized

# Not in the OpenAPI document: an operator's endpoint, not part of the client's API.
router = APIRouter(include_in_schema=False)


def _digest(value: str) -> bytes:
    # Compared as digests: equal lengths, so not even the token's length leaks.
    return hashlib.sha256(value.encode()).digest()


@router.get("/metrics")
async def metrics(request: Request, services: ServicesDep) -> Response:
    token = services.settings.metrics_token
    if not token:
        raise NotFound("Not Found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(_digest(given), _digest(token)):
        raise Unauthorized("Send Authorization: Bearer <SHOMIK_METRICS_TOKEN>.")
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
