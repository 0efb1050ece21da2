"""Domain errors: raised by services, turned into HTTP responses and WebSocket `error`
frames by the edges. The body is always `{"error": {"code", "message"}}`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict


class ShomikError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class Invalid(ShomikError):
    status = 422
    code = "invalid"


class Unauthorized(ShomikError):
    status = 401
    code = "unauthorized"


class SessionEnded(Unauthorized):
    """The socket's session ended (a log-out elsewhere, an administrator), found by a
    service that checks it itself (realtime/commands.py `checks_session`): the socket is
    closed with 4401, as when the gateway finds it."""


class Forbidden(ShomikError):
    status = 403
    code = "forbidden"


class NotFound(ShomikError):
    status = 404
    code = "not_found"


class Conflict(ShomikError):
    status = 409
    code = "conflict"


class TooLarge(ShomikError):
    status = 413
    code = "too_large"


class UnsupportedType(ShomikError):
    status = 415
    code = "unsupported_type"


class RateLimited(ShomikError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message or "Too many requests, slow down.", retryAfter=retry_after)
        self.retry_after = retry_after


class Busy(ShomikError):
    """A shared resource (image decoding) is at capacity: the request may be sent again."""

    status = 503
    code = "busy"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retryAfter=retry_after)
        self.retry_after = retry_after


class Unavailable(ShomikError):
    """The database cannot be reached: nothing was done (and nothing acknowledged)."""

    status = 503
    code = "unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The server cannot reach its database just now. Nothing was saved: try again.",
            retryAfter=5,
        )


def database_down(exc: BaseException) -> bool:
    """An error that means "no database connection" rather than a bug: a refused or broken
    connection, or a pool that cannot get one (PostgreSQL stopped, network cut)."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OSError | ConnectionError)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The body of every 4xx answer."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (401, "Missing, invalid, expired or revoked token"),
        (403, "Not allowed for your role"),
        (404, "Not found, or not visible to you"),
        (409, "Conflicts with the current state"),
        (422, "The request is not valid"),
        (429, "Rate limited: see Retry-After"),
    )
}


def invalid_message(errors: Sequence[Any]) -> str:
    """The first problem, naming its field: "username: Use 3-32 Latin letters, ..." (a
    client shows it beside that field; `details` lists them all)."""
    if not errors:
        return "The request is not valid."
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    msg = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{'.'.join(loc)}: {msg}" if loc else msg
