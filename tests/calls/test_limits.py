"""Signals are bounded in size and rate."""

from __future__ import annotations

from typing import Any

import pytest

from tests.calls.support import CANDIDATE, answered
from tests.harness import ServerProcess, WsError, register


async def test_oversized_signals_are_refused_and_not_relayed(users: Any) -> None:
    alice, bob = await users(2)
    a, b, call_id = await answered(alice, bob)
    big_sdp = {"sdp": {"type": "offer", "sdp": "a=x" * 11_000}}  # 33 000 > 32 KiB
    big_candidate = {"candidate": {**CANDIDATE["candidate"], "candidate": "c" * 2049}}
    for data in (big_sdp, big_candidate):
        reply = await a.request("call:signal", {"callId": call_id, "to": bob.id, "data": data})
        assert reply["type"] == "error" and reply["error"]["code"] == "invalid"
    await b.quiet(0.3)
    assert b.of_type("call:signal") == []
    ok = {"sdp": {"type": "offer", "sdp": "a=x" * 10_000}}  # 30 000: allowed
    await a.command("call:signal", {"callId": call_id, "to": bob.id, "data": ok})
    assert len((await b.expect("call:signal"))["data"]["data"]["sdp"]["sdp"]) == 30_000


async def test_a_signal_flood_is_rate_limited(make_server: Any) -> None:
    server: ServerProcess = make_server(
        env={"SHOMIK_RATE_LIMITS_ENABLED": "true", "SHOMIK_RATE_CALL_SIGNALS": "5/10second"}
    )
    alice, bob = await register(server), await register(server)
    a, b, call_id = await answered(alice, bob)
    body = {"callId": call_id, "to": bob.id, "data": CANDIDATE}
    for _ in range(5):
        await a.command("call:signal", body)
    with pytest.raises(WsError) as exc:
        await a.command("call:signal", body)
    assert exc.value.code == "rate_limited"
    await b.quiet(0.3)
    assert len(b.of_type("call:signal")) == 5
    # Per socket: the other side is not slowed down by it.
    await b.command("call:signal", {**body, "to": alice.id})
    await alice.aclose()
    await bob.aclose()
