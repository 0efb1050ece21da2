"""The ASGI application: routers, the WebSocket, error handling and start-up."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from shomik import __version__
from shomik.apidocs import add_api_docs
from shomik.auth import session_watch
from shomik.auth.passwords import Passwords
from shomik.auth.router import router as auth_router
from shomik.auth.router import sessions_router
from shomik.auth.tokens import Tokens
from shomik.auth.twofactor.router import router as twofactor_router
from shomik.calls import front as calls_front
from shomik.calls import lost as calls_lost
from shomik.calls import sfu as calls_sfu
from shomik.calls.router import router as calls_router
from shomik.calls.state import CallRegistry
from shomik.chats import repository as chats_repo
from shomik.chats.invites_router import router as invites_router
from shomik.chats.router import router as chats_router
from shomik.cluster.redis_bus import RedisBus
from shomik.db.engine import Database, make_engine
from shomik.e2ee.router import router as e2ee_router
from shomik.errors import (
    ERROR_RESPONSES,
    Invalid,
    ShomikError,
    Unavailable,
    database_down,
    invalid_message,
)
from shomik.messages import expiry, search_index
from shomik.messages.router import router as messages_router
from shomik.messages.search_router import router as search_router
from shomik.metrics.registry import Metrics
from shomik.metrics.router import router as metrics_router
from shomik.middleware import CapBody, CloseOnRefusedBody, RefuseNul
from shomik.presence.cluster import ClusterPresence
from shomik.presence.service import refresh as presence_refresh
from shomik.presence.service import reset_all
from shomik.presence.tracker import PresenceTracker
from shomik.presence.typing import TypingTracker
from shomik.previews import cleanup as previews_cleanup
from shomik.previews.router import router as previews_router
from shomik.previews.service import Previewer
from shomik.push.router import router as push_router
from shomik.push.service import start as push_start
from shomik.ratelimit import RateLimiter
from shomik.realtime import events
from shomik.realtime.admission import Admission
from shomik.realtime.epoch import HighWater
from shomik.realtime.gateway import websocket_endpoint
from shomik.realtime.hub import Hub
from shomik.services import Services
from shomik.settings import Settings
from shomik.sfu.rooms import Sfu
from shomik.uploads import cleanup as uploads_cleanup
from shomik.uploads.decodes import DecodeGate
from shomik.uploads.router import router as uploads_router
from shomik.users import deactivations
from shomik.users.router import router as users_router
from shomik.web import socket_origin, web_client

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY_SECONDS = 600
# Young-generation collections between two full ones (CPython's default is 10).
FULL_COLLECTION_EVERY = 100


def build_services(settings: Settings) -> Services:
    db = Database(make_engine(settings), settings)

    async def load_members(chat_id: int) -> frozenset[int]:
        async with db.read() as conn:
            return await chats_repo.member_ids(conn, chat_id)

    metrics = Metrics()
    hub = Hub(load_members, metrics)
    metrics.watch(hub.connection_count, db.engine)
    decodes = DecodeGate(
        settings.decode_memory_mb * 1024 * 1024, settings.decode_concurrency, settings.decode_queue
    )
    calls = CallRegistry()
    sfu = Sfu(settings, live=lambda: calls_sfu.live(calls)) if settings.sfu_url else None
    services = Services(
        settings=settings,
        db=db,
        hub=hub,
        passwords=Passwords(settings),
        tokens=Tokens(settings.resolved_secret_key(), settings.token_ttl_seconds),
        limiter=RateLimiter(settings),
        typing=TypingTracker(hub, settings.typing_ttl_seconds),
        presence=PresenceTracker(),
        calls=calls,
        previews=Previewer(settings, decodes=decodes),
        decodes=decodes,
        metrics=metrics,
        admission=Admission(settings.ws_max_unauthenticated, settings.ws_admission_wait_seconds),
        sfu=sfu,
    )
    if sfu is not None:
        # The rooms a sweep removes are calls lost with a previous server: end them in chat.
        sfu.lost = lambda description: calls_lost.record(services, description)
    return services


async def _housekeeping(services: Services) -> None:
    """At start-up, then every 10 minutes: prune the event log, sweep abandoned uploads."""
    while True:
        try:
            async with services.db.write() as tx:
                await events.prune(tx, services.settings.event_retention)
            await uploads_cleanup.sweep(services)
            await previews_cleanup.sweep(services)
        except Exception:
            log.exception("housekeeping failed")
        await asyncio.sleep(HOUSEKEEPING_EVERY_SECONDS)


async def _sweep_sfu(sfu: Sfu) -> None:
    try:
        await sfu.connect()
    except Exception:
        log.warning("Janus (SHOMIK_SFU_URL) cannot be reached: group calls are a mesh until it is")


def cluster_bus(services: Services) -> RedisBus | None:
    """Several processes: the Redis bus (PostgreSQL is required, as they share the log)."""
    settings = services.settings
    if not settings.redis_url:
        return None
    if settings.is_sqlite:
        raise RuntimeError("SHOMIK_REDIS_URL needs PostgreSQL (SHOMIK_DATABASE_URL).")
    process_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    return RedisBus(
        services.hub, settings.redis_url, services.db, settings.redis_prefix, process_id
    )


def _error_response(exc: ShomikError) -> JSONResponse:
    headers = {}
    retry_after = exc.extra.get("retryAfter")
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": exc.body()}, status_code=exc.status, headers=headers)


class Shomik(FastAPI):
    """The application. `/ws` goes straight to its endpoint: the HTTP middlewares, the
    router and FastAPI's dependency machinery do nothing for it, yet each of their layers
    would stay alive, as coroutines and exit stacks, for the socket's whole life
    (docs/benchmarks.md, "Connections at scale"). The route stays registered for any other
    way in (a root path)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/ws" and not self.root_path:
            scope["app"] = self
            await websocket_endpoint(WebSocket(scope, receive, send))
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings)
        app.state.services = services
        bus = cluster_bus(services)
        if bus is None:
            await reset_all(services)  # one process: no one is connected yet
            if services.sfu is not None:
                # No call survives a restart: rooms left in Janus by the previous run go now
                # (in a cluster the calls leader sweeps when it first uses Janus).
                services.calls.spawn(_sweep_sfu(services.sfu))
        else:
            services.hub.bus = bus
            bus.lag.histogram = services.metrics.broker_publish_lag()
            bus.from_log = services.metrics.broker_events_from_log()
            calls_front.serve(services)  # before start: requests may come at once
            await bus.start()
            cluster = ClusterPresence(settings.redis_url, settings.redis_prefix, bus.process_id)
            services.presence.cluster = cluster
            await cluster.start(lambda user_id: presence_refresh(services, user_id))
        high_water = HighWater(services.db, settings.data_dir)
        await high_water.start()  # a new epoch if the database was restored
        pusher = await push_start(services)
        pruner = asyncio.create_task(_housekeeping(services))
        watchers = [
            asyncio.create_task(expiry.sweep_forever(services)),
            asyncio.create_task(search_index.index_forever(services)),
            asyncio.create_task(high_water.run()),
            asyncio.create_task(session_watch.watch(services)),
            asyncio.create_task(deactivations.watch(services)),
        ]
        # What start-up built lives as long as the process: keep it out of every future
        # full collection, which with hundreds of sockets otherwise pauses for ~50-100 ms.
        gc.freeze()
        # A full collection walks every socket's objects (~300 ms at 5,000 sockets here),
        # and by default one may run after every 10 middle-generation collections: 7 of
        # them in a reconnect storm of 5,000 took 1.4 of its 5 s. After every 100, cyclic
        # garbage is still collected (docs/benchmarks.md, "Fewer full collections").
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
        try:
            yield
        finally:
            pruner.cancel()
            for task in watchers:
                task.cancel()
            await high_water.stop()
            await services.previews.close()
            if services.sfu is not None:
                await services.sfu.close()
            await pusher.stop()
            services.presence.close()  # offline graces still running: a restart resets all
            if services.presence.cluster is not None:
                await services.presence.cluster.stop()
            if bus is not None:
                await bus.stop()
            await services.db.dispose()

    app = Shomik(
        title="Shomik",
        version=__version__,
        lifespan=lifespan,
        # FastAPI's pages load scripts from a CDN: shomik.apidocs serves its own, if enabled.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(ShomikError)
    async def on_domain_error(_request: Request, exc: ShomikError) -> JSONResponse:
        return _error_response(exc)

    async def on_unreachable(_request: Request, exc: Exception) -> JSONResponse:
        if not database_down(exc):
            raise exc  # a bug: the server error middleware answers 500 and logs it
        log.warning("request refused: the database is unreachable")
        return _error_response(Unavailable())

    for unreachable in (DBAPIError, PoolTimeout, OSError):
        app.add_exception_handler(unreachable, on_unreachable)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        body = {"code": "invalid", "message": invalid_message(exc.errors()), "details": details}
        return JSONResponse({"error": body}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's only 400: a JSON body it could not decode (not UTF-8, nested too
            # deep). Broken JSON is already a 422 `invalid`; so is this, as documented.
            return _error_response(Invalid("The request body is not valid UTF-8 JSON."))
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = {"code": code, "message": str(exc.detail)}
        return JSONResponse({"error": body}, status_code=exc.status_code, headers=exc.headers)

    @app.get("/api/health", tags=["meta"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(CloseOnRefusedBody)
    app.add_middleware(RefuseNul)
    app.add_middleware(CapBody)
    for router in (
        auth_router,
        sessions_router,
        users_router,
        twofactor_router,
        chats_router,
        invites_router,
        messages_router,
        search_router,
        previews_router,
        uploads_router,
        calls_router,
        push_router,
        e2ee_router,
        metrics_router,
    ):
        app.include_router(router, responses=ERROR_RESPONSES)
    app.add_api_websocket_route("/ws", websocket_endpoint)
    add_api_docs(app, settings.api_docs)
    # The web client answers what no route matched. As the router's default rather than a
    # Mount("/"), which would match everything: a wrong method on an API route keeps its 405.
    # Janus on another origin (SHOMIK_SFU_PUBLIC_URL a ws(s):// URL): the page may reach it.
    sfu_origin = socket_origin(settings.sfu_public_url) if settings.sfu_enabled else None
    connect = (sfu_origin,) if sfu_origin else ()
    app.router.default = web_client(settings.web_dir, app.router.not_found, connect)
    return app
