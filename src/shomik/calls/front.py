"""Where call commands run. One process: here, directly. A cluster: on the one process that
holds every live call, the calls leader (cluster/redis_bus.py elects it through Redis), so a
call is owned once: one ring timer, one "missed", one grace period per participant, whichever
processes its participants' sockets are on. The others send it their commands over the bus
and wait for the answer; it sends signals to sockets by name (`ConnRef`), and its events go
out through the bus to every process.

A leader that dies takes its live calls with it: its clients' next signal or command gets
"not found", and a new leader takes over the next call within LEADER_TTL_SECONDS.
"""

from __future__ import annotations

from typing import Any

from shomik.calls import service
from shomik.calls.schemas import Call as CallOut
from shomik.calls.schemas import CallReply, CallSignal, Media
from shomik.calls.state import ConnRef
from shomik.realtime.connection import Connection
from shomik.services import Services


def ref(services: Services, conn: Connection) -> ConnRef:
    return ConnRef(services.hub.bus.process_id, conn.cid, conn.user_id)


def _conn_out(conn: ConnRef | None) -> dict[str, Any] | None:
    return None if conn is None else {"p": conn.process_id, "cid": conn.cid, "u": conn.user_id}


def _conn_in(data: dict[str, Any] | None) -> ConnRef | None:
    return None if data is None else ConnRef(data["p"], data["cid"], data["u"])


def _call_out(call: CallOut | CallReply) -> dict[str, Any]:
    return call.model_dump(mode="json", by_alias=True)


async def _on_leader(services: Services, op: str, payload: dict[str, Any]) -> Any:
    bus = services.hub.bus
    return await bus.request(await bus.calls_leader(), op, payload)


async def start(
    services: Services, user_id: int, conn: ConnRef, chat_id: int, media: Media
) -> CallReply:
    if not services.settings.clustered:
        return await service.start(services, user_id, conn, chat_id, media)
    payload = {"u": user_id, "conn": _conn_out(conn), "chat": chat_id, "media": media}
    return CallReply.model_validate(await _on_leader(services, "call.start", payload))


async def admit(services: Services, user_id: int, conn: ConnRef, call_id: str) -> CallReply:
    if not services.settings.clustered:
        return await service.admit(services, user_id, conn, call_id)
    payload = {"u": user_id, "conn": _conn_out(conn), "call": call_id}
    return CallReply.model_validate(await _on_leader(services, "call.admit", payload))


async def decline(services: Services, user_id: int, call_id: str) -> CallOut:
    if not services.settings.clustered:
        return await service.decline(services, user_id, call_id)
    payload = {"u": user_id, "call": call_id}
    return CallOut.model_validate(await _on_leader(services, "call.decline", payload))


async def leave(services: Services, user_id: int, call_id: str) -> CallOut:
    if not services.settings.clustered:
        return await service.leave(services, user_id, call_id)
    payload = {"u": user_id, "call": call_id}
    return CallOut.model_validate(await _on_leader(services, "call.leave", payload))


async def signal(services: Services, user_id: int, conn: ConnRef, data: CallSignal) -> bool:
    if not services.settings.clustered:
        return await service.signal(services, user_id, conn, data)
    signal_data = data.model_dump(by_alias=True, exclude_unset=True)  # as the client sent it
    payload = {"u": user_id, "conn": _conn_out(conn), "signal": signal_data}
    return bool(await _on_leader(services, "call.signal", payload))


async def live_calls(services: Services, user_id: int) -> list[CallOut]:
    if not services.settings.clustered:
        return await service.live_calls(services, user_id)
    answer = await _on_leader(services, "call.live", {"u": user_id})
    return [CallOut.model_validate(call) for call in answer]


def connection_closed(services: Services, conn: Connection) -> None:
    """A socket closed (the gateway's last word on it): its call's grace period starts."""
    name = ref(services, conn)
    if not services.settings.clustered:
        service.connection_closed(services, name)
        return
    if not conn.in_call:
        # Never a participant's: the leader is not asked (two Redis calls per socket, and
        # thousands of them when a process's sockets close at once).
        return
    services.calls.spawn(_tell_leader(services, "call.closed", {"conn": _conn_out(name)}))


def member_left_chat(services: Services, chat_id: int, user_id: int) -> None:
    """After a membership change's commit: the member is out of the chat's call."""
    if not services.settings.clustered:
        service.member_left_chat(services, chat_id, user_id)
        return
    payload = {"chat": chat_id, "u": user_id}
    services.calls.spawn(_tell_leader(services, "call.left_chat", payload))


async def _tell_leader(services: Services, op: str, payload: dict[str, Any]) -> None:
    await _on_leader(services, op, payload)


def serve(services: Services) -> None:
    """Make this process able to hold the calls: the handlers of the leader's requests."""

    async def start_(a: dict[str, Any]) -> Any:
        conn = _conn_in(a["conn"])
        return _call_out(await service.start(services, a["u"], conn, a["chat"], a["media"]))

    async def admit_(a: dict[str, Any]) -> Any:
        return _call_out(await service.admit(services, a["u"], _conn_in(a["conn"]), a["call"]))

    async def decline_(a: dict[str, Any]) -> Any:
        return _call_out(await service.decline(services, a["u"], a["call"]))

    async def leave_(a: dict[str, Any]) -> Any:
        return _call_out(await service.leave(services, a["u"], a["call"]))

    async def signal_(a: dict[str, Any]) -> Any:
        data = CallSignal.model_validate(a["signal"])
        return await service.signal(services, a["u"], _conn_in(a["conn"]), data)

    async def live_(a: dict[str, Any]) -> Any:
        return [_call_out(call) for call in await service.live_calls(services, a["u"])]

    async def closed_(a: dict[str, Any]) -> Any:
        conn = _conn_in(a["conn"])
        assert conn is not None
        service.connection_closed(services, conn)

    async def left_chat_(a: dict[str, Any]) -> Any:
        service.member_left_chat(services, a["chat"], a["u"])

    services.hub.bus.handlers.update(
        {
            "call.start": start_,
            "call.admit": admit_,
            "call.decline": decline_,
            "call.leave": leave_,
            "call.signal": signal_,
            "call.live": live_,
            "call.closed": closed_,
            "call.left_chat": left_chat_,
        }
    )
