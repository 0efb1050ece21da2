"""Connection caps: a per-account cap on open sockets and a cap on sockets that have not
authenticated yet, so one script cannot hold the process's file descriptors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.harness import ServerProcess, Ws, open_ws, register


async def test_one_account_may_hold_only_so_many_sockets(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_WS_MAX_PER_USER": "2"})
    alice, bob = await register(server), await register(server)
    first, second = await alice.ws(), await alice.ws()
    third = await open_ws(server, alice.token, expect_ready=False)
    code, reason = await asyncio.wait_for(third.closed, 5)
    assert (code, reason) == (4429, "too many connections")
    assert third.of_type("ready") == []
    assert (await bob.ws()).of_type("ready")  # others are not affected
    await second.close()
    await asyncio.sleep(0.2)
    again = await alice.ws()  # a place came free
    assert again.of_type("ready") and first.of_type("ready")
    await alice.aclose()
    await bob.aclose()


async def test_unauthenticated_sockets_are_capped(make_server: Any) -> None:
    """Past the cap a handshake waits (a reconnect storm queues instead of bouncing), is let
    in when a place comes free, and is refused once it has waited its time."""
    server: ServerProcess = make_server(
        env={"SHOMIK_WS_MAX_UNAUTHENTICATED": "2", "SHOMIK_WS_ADMISSION_WAIT_SECONDS": "1"}
    )
    alice = await register(server)
    silent = [Ws(await connect(server.ws_url)) for _ in range(2)]
    with pytest.raises(InvalidStatus) as refused:
        await connect(server.ws_url)  # waits 1 s: nobody leaves
    assert refused.value.response.status_code == 403
    waiting = asyncio.create_task(alice.ws())
    await asyncio.sleep(0.3)
    assert not waiting.done()  # held before the handshake completes
    await silent[0].close()
    assert (await asyncio.wait_for(waiting, 5)).of_type("ready")  # in as soon as one left
    await silent[1].close()
    await alice.aclose()


async def test_without_a_wait_past_the_cap_is_refused_at_once(make_server: Any) -> None:
    server: ServerProcess = make_server(
        env={"SHOMIK_WS_MAX_UNAUTHENTICATED": "1", "SHOMIK_WS_ADMISSION_WAIT_SECONDS": "0"}
    )
    alice = await register(server)
    silent = Ws(await connect(server.ws_url))
    with pytest.raises(InvalidStatus) as refused:
        await asyncio.wait_for(connect(server.ws_url), 0.8)
    assert refused.value.response.status_code == 403
    await silent.close()
    await asyncio.sleep(0.2)
    assert (await alice.ws()).of_type("ready")  # places free again once those are gone
    await alice.aclose()
