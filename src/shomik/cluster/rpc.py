"""Requests between processes (to the calls leader, calls/front.py) as they travel on Redis:
the answer a handler's result or failure becomes, and the failure an answer is raised as
again on the asking process, so its client gets the same error as from one process."""

from __future__ import annotations

import logging
from typing import Any

from shomik.cluster.bus import Handler
from shomik.errors import ShomikError

log = logging.getLogger(__name__)


async def answer(handler: Handler, op: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`{"data": ...}`, or `{"error": ...}`: a ShomikError as it is, anything else as an
    internal error (logged here, never told in detail)."""
    try:
        return {"data": await handler(payload)}
    except ShomikError as exc:
        status, code, message, extra = exc.status, exc.code, exc.message, exc.extra
    except Exception:
        log.exception("request %s failed", op)
        status, code, message, extra = 500, "internal", "Internal error.", {}
    return {"error": {"status": status, "code": code, "message": message, "extra": extra}}


def result(reply: dict[str, Any]) -> Any:
    """The data of an answer, or its error raised."""
    if "error" in reply:
        error = reply["error"]
        raised = ShomikError(error["message"], code=error["code"], **error["extra"])
        raised.status = error["status"]
        raise raised
    return reply["data"]
