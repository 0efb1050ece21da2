"""The `/ws` endpoint: Origin check, first-frame authentication, resume, then one command
at a time through the command table."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import orjson
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from shomik.auth import sessions
from shomik.auth.sessions import authenticate_claims
from shomik.auth.tokens import TokenClaims
from shomik.calls import front as calls
from shomik.errors import SessionEnded, ShomikError, Unavailable, database_down
from shomik.presence import service as presence
from shomik.realtime import events
from shomik.realtime.commands import Context
from shomik.realtime.connection import (
    CLOSE_AUTH_TIMEOUT,
    CLOSE_BAD_FRAME,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHORIZED,
    Connection,
    ConnState,
)
from shomik.realtime.epoch import Position, position
from shomik.realtime.protocol import (
    COMMANDS,
    AuthFrame,
    CommandFrame,
    ErrorBody,
    ErrorFrame,
    ReadyData,
    ReadyFrame,
    ResyncData,
    ResyncRequiredFrame,
    client_config,
)
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users.repository import to_me

log = logging.getLogger(__name__)


def origin_allowed(ws: WebSocket, allowed: list[str]) -> bool:
    """Browsers always send Origin; a page on another site must not ride the user's session
    (cross-site WebSocket hijacking). Non-browser clients send none and are not at risk."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if allowed:
        return origin in allowed
    parts = urlsplit(origin)
    # Same origin means same scheme too: a page on http:// may not use the https:// socket.
    # Behind a TLS proxy, uvicorn's proxy_headers make this scope's scheme `wss`.
    expected = {"ws": "http", "wss": "https"}.get(ws.url.scheme)
    return parts.scheme == expected and parts.netloc == ws.headers.get("host")


def _error(ref: str | None, exc: ShomikError) -> str:
    return ErrorFrame(ref=ref, error=ErrorBody(**exc.body())).model_dump_json(by_alias=True)


async def _first_frame(ws: WebSocket, services: Services) -> tuple[AuthFrame, TokenClaims] | None:
    """The auth frame and its token's claims (signature and expiry checked); the session
    behind it is checked once the hub knows the socket (`_admit`)."""
    try:
        # A timeout scope, not wait_for: no task of its own for every socket that opens.
        async with asyncio.timeout(services.settings.ws_auth_timeout_seconds):
            message = await ws.receive()
    except TimeoutError:
        await ws.close(CLOSE_AUTH_TIMEOUT, "authenticate first")
        return None
    if message["type"] == "websocket.disconnect":
        return None
    try:
        frame = AuthFrame.model_validate_json(message.get("text") or "")
        return frame, services.tokens.decode(frame.token)
    except (ValidationError, ShomikError):
        await ws.close(CLOSE_UNAUTHORIZED, "unauthorized")
        return None


async def _admit(conn: Connection, services: Services, claims: TokenClaims) -> Any | None:
    """The user row if the token's session is alive. Read after `hub.add`, so one look-up
    covers both sides of the race with a session ending: ended before it, it is seen gone
    here; ended after, its ending finds this socket in the hub and closes it."""
    try:
        return await authenticate_claims(services, claims)
    except ShomikError:
        conn.close(CLOSE_UNAUTHORIZED, "unauthorized")
        return None


async def _replay(
    conn: Connection, services: Services, user_id: int, frame: AuthFrame, now: Position
) -> None:
    settings = services.settings
    since, head = frame.since or 0, now.head
    # A `since` of another epoch numbers another history (a restored backup's): no replay.
    # Without an epoch (older clients) it is taken as this one's.
    other_epoch = frame.epoch is not None and frame.epoch != now.epoch
    # A short gap (the usual reconnect) is a few index steps: read in-line. A long one may
    # be thousands of rows: through the pool, so it does not hold the loop.
    short = 0 <= head - since <= QUICK_REPLAY_SPAN
    async with services.db.quick_read() if short else services.db.read() as db:
        too_old = other_epoch or since > head or since < await events.pruned_through(db)
        rows = (
            []
            if too_old
            else await events.missed(db, user_id, since, head, settings.replay_max + 1)
        )
    if too_old or len(rows) > settings.replay_max:
        resync = ResyncRequiredFrame(data=ResyncData(seq=head))
        conn.send_direct(resync.model_dump_json(by_alias=True))
        return
    for seq, type_, data in rows:
        # Paced by the writer: a long replay must not overflow the bounded queue.
        await conn.send_paced(f'{{"type":"{type_}","seq":{seq},"data":{data}}}')


# At most this many events between `since` and the head: the replay is read in-line.
QUICK_REPLAY_SPAN = 1000


async def websocket_endpoint(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    settings = services.settings
    if not origin_allowed(ws, settings.allowed_origins):
        await ws.close(1008)  # before accept: the handshake is refused with 403
        return
    admission = services.admission
    if not await admission.enter():
        await ws.close(1013)  # "try again later", before accept: a 403 to the handshake
        return
    try:
        await ws.accept()
        first = await _first_frame(ws, services)
    finally:
        admission.leave()
    if first is None:
        return
    frame, claims = first
    if len(services.hub.connections_of(claims.user_id)) >= settings.ws_max_per_user:
        await ws.close(CLOSE_TOO_MANY, "too many connections")
        return
    conn = Connection(
        ws, claims.user_id, claims.session_id, services.settings.ws_queue_size, services.metrics
    )
    conn.start()
    # A socket that only listens is closed when its token expires, too.
    expiry = asyncio.get_running_loop().call_later(
        max(0.0, claims.expires_at - time.time()), conn.close, CLOSE_UNAUTHORIZED, "token expired"
    )
    services.hub.add(conn)  # live events are held from here on, so none is missed
    user_id = conn.user_id
    try:
        user = await _admit(conn, services, claims)
        if user is None:
            return
        # In a cluster the other processes learn of the socket from Redis: told before
        # `ready`, so none takes the user for offline (and pushes to them) once the client
        # can hear of anything. One process counts the socket in its hub already.
        clustered = services.presence.cluster is not None
        if clustered:
            await _record_presence(services, user_id)
        await _welcome(conn, services, user, frame)
        # An idle socket lives for hours: it keeps its Connection, not what admitted it.
        del first, user, frame, claims
        if not clustered:
            await _record_presence(services, user_id)
        await _serve(conn, services)
    except WebSocketDisconnect:
        pass
    finally:
        expiry.cancel()
        last = services.hub.remove(conn)
        await conn.drain_and_stop()
        calls.connection_closed(services, conn)  # a call socket: its grace period starts
        try:
            if last:
                await services.typing.stop_all(user_id)
            # The others decide now: still online, away (all hidden), or offline.
            await presence.refresh(services, user_id)
        except Exception:  # shutting down: the database may already be closed
            log.warning("could not record user %s's presence", user_id, exc_info=True)


async def _record_presence(services: Services, user_id: int) -> None:
    try:
        await presence.refresh(services, user_id)
    except Exception as exc:
        if not database_down(exc):
            raise
        # The socket is up; its status is recorded when the database answers again.
        log.warning("could not record user %s's presence: database unreachable", user_id)


async def _welcome(conn: Connection, services: Services, user: Any, frame: AuthFrame) -> None:
    """`ready`, then the replay if the client resumes."""
    async with services.db.quick_read() as db:
        now = await position(db)
    # Not past an event still on its way to the sockets (db/turns.py): it would be skipped.
    now = Position(services.db.settled(now.head), now.epoch)
    me = to_me(user)
    me.status = "online"  # this new connection is active: announced just after
    ready = ReadyFrame(
        data=ReadyData(
            user=me,
            seq=now.head,
            epoch=now.epoch,
            server_time=utcnow(),
            config=client_config(services.settings),
        )
    )
    conn.send_direct(ready.model_dump_json(by_alias=True))
    if frame.since is not None:
        await _replay(conn, services, user.id, frame, now)
    conn.finish_replay(now.head)


async def _serve(conn: Connection, services: Services) -> None:
    ctx = Context(services=services, user_id=conn.user_id, conn=conn)
    while conn.state is not ConnState.CLOSED:
        message = await conn.ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            conn.close(CLOSE_BAD_FRAME, "text frames only")
            return
        await _dispatch(conn, ctx, text)


async def _dispatch(conn: Connection, ctx: Context, text: str) -> None:
    ref: str | None = None
    try:
        try:
            parsed = orjson.loads(text)
            ref = parsed.get("ref") if isinstance(parsed, dict) else None
            ref = ref if isinstance(ref, str) and len(ref) <= 64 else None
            frame = CommandFrame.model_validate(parsed)
        except (orjson.JSONDecodeError, ValidationError) as exc:
            raise ShomikError(
                "Frames are {type, ref, data} JSON objects.", code="bad_frame"
            ) from exc
        command = COMMANDS.get(frame.type)
        if command is None:
            raise ShomikError(f"Unknown command {frame.type!r}.", code="unknown_command")
        ctx.services.metrics.command(command.name)
        await ctx.services.limiter.hit("command", str(ctx.user_id))
        # A socket never acts for an ended session, even if its closing is still on the way.
        if not command.checks_session:
            await sessions.require_alive(ctx.services, conn)
        try:
            data = command.model.model_validate(frame.data)
        except ValidationError as exc:
            # Refused either way; an ended session's socket is closed, as for any command.
            if command.checks_session:
                await sessions.require_alive(ctx.services, conn)
            details = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}" for e in exc.errors()
            )
            raise ShomikError(details, code="invalid") from exc
        reply = await command.handler(ctx, data)
        payload = reply.model_dump_json(by_alias=True)
        conn.send_direct(
            f'{{"type":"ack","ref":{orjson.dumps(frame.ref).decode()},"data":{payload}}}'
        )
    except SessionEnded:
        conn.close(CLOSE_UNAUTHORIZED, "session ended")
    except ShomikError as exc:
        conn.send_direct(_error(ref, exc))
    except Exception as exc:
        if database_down(exc):
            log.warning("command refused: the database is unreachable")
            conn.send_direct(_error(ref, Unavailable()))
            return
        log.exception("command failed")
        conn.send_direct(_error(ref, ShomikError("Internal error.", code="internal")))
