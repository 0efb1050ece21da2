"""A call forced through TURN (SHOMIK_ICE_TRANSPORT_POLICY=relay) with this run's coturn and
the credentials the server issues: it connects, audio flows, and both selected candidate
pairs are relay/relay. A wrong credential would give coturn 401s and no relay candidate."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable

from tests.e2e.browser import NewContext
from tests.e2e.calls.conftest import STEP_MS, Turn, call_server_env, click, open_call_app
from tests.e2e.calls.media import snapshot, wait_for_media
from tests.e2e.flows import People, both_open
from tests.harness import ServerProcess


async def test_a_relay_only_call_goes_through_coturn_with_issued_credentials(
    make_server: Callable[..., ServerProcess], new_context: NewContext, turn: Turn
) -> None:
    server = make_server(call_server_env(turn, SHOMIK_ICE_TRANSPORT_POLICY="relay"))
    people = People(server)
    try:
        alice, bob = await people.register("Alice Relay"), await people.register("Bob Relay")
        await both_open(alice, bob)

        # What the browsers will get: coturn's use-auth-secret credentials for this user.
        r = await alice.http.get("/api/calls/ice-servers")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["iceTransportPolicy"] == "relay"
        [turn_entry] = [s for s in body["iceServers"] if "username" in s]
        assert turn_entry["urls"] == turn.urls.split(",")
        match = re.fullmatch(r"(\d+):(\d+)", turn_entry["username"])
        assert match, turn_entry
        assert int(match[2]) == alice.id
        assert time.time() < int(match[1]) <= time.time() + body["ttl"] + 5
        expected = hmac.new(
            turn.secret.encode(), turn_entry["username"].encode(), hashlib.sha1
        ).digest()
        assert turn_entry["credential"] == base64.b64encode(expected).decode()

        _, a = await open_call_app(new_context, alice, "Bob Relay", server)
        _, b = await open_call_app(new_context, bob, "Alice Relay", server)
        await click(a, "Start audio call")
        await click(b, "Accept")
        for who, page in (("the caller", a), ("the callee", b)):
            await wait_for_media(page, video=0, audio=1, timeout=STEP_MS / 1000, who=who)
            snap = await snapshot(page)
            [peer] = snap.live
            assert peer.connection_state == "connected", snap.peers
            assert (peer.local_candidate_type, peer.remote_candidate_type) == (
                "relay",
                "relay",
            ), snap.peers
        await click(a, "Hang up")
    finally:
        await people.aclose()
