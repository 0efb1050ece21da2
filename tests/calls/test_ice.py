"""GET /api/calls/ice-servers: configured STUN/TURN, TURN REST credentials that coturn
accepts (recomputed here with the shared secret), and the settings' validation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from shomik.calls.turn import credentials
from shomik.settings import Settings
from tests.harness import ServerProcess, register

TURN_SECRET = "a-coturn-static-auth-secret"
TURN_ENV = {
    "SHOMIK_STUN_URLS": "stun:stun.example.test:3478",
    "SHOMIK_TURN_URLS": "turn:turn.example.test:3478?transport=udp, turns:turn.example.test:5349",
    "SHOMIK_TURN_SECRET": TURN_SECRET,
    "SHOMIK_TURN_TTL": "600",
    "SHOMIK_ICE_TRANSPORT_POLICY": "relay",
}


def _hmac(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


async def test_turn_credentials_verify_with_the_secret_and_expire(make_server: Any) -> None:
    server: ServerProcess = make_server(env=TURN_ENV)
    alice = await register(server)
    before = time.time()
    r = await alice.http.get("/api/calls/ice-servers")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["iceTransportPolicy"] == "relay" and body["ttl"] == 600
    stun, turn = body["iceServers"]
    assert stun == {"urls": ["stun:stun.example.test:3478"]}
    assert turn["urls"] == [
        "turn:turn.example.test:3478?transport=udp",
        "turns:turn.example.test:5349",
    ]
    expiry, user = turn["username"].split(":")
    assert user == str(alice.id)
    assert int(before) + 600 <= int(expiry) <= time.time() + 600 + 1
    assert turn["credential"] == _hmac(TURN_SECRET, turn["username"])
    assert turn["credential"] != _hmac("another secret", turn["username"])
    await alice.aclose()


def test_credentials_follow_coturns_scheme() -> None:
    username, credential = credentials("s3cret", 42, 3600, now=1_700_000_000)
    assert username == "1700003600:42"
    # Computed independently: printf '1700003600:42' | openssl sha1 -hmac s3cret -binary | base64
    assert credential == _hmac("s3cret", "1700003600:42")
    assert len(base64.b64decode(credential)) == 20


async def test_no_ice_servers_by_default(users: Any) -> None:
    (alice,) = await users(1)
    r = await alice.http.get("/api/calls/ice-servers")
    assert r.json() == {"iceServers": [], "iceTransportPolicy": "all", "ttl": 3600}


async def test_stun_only_has_no_turn_entry(make_server: Any) -> None:
    server: ServerProcess = make_server(env={"SHOMIK_STUN_URLS": "stun:192.0.2.1:3478"})
    alice = await register(server)
    body = (await alice.http.get("/api/calls/ice-servers")).json()
    assert body["iceServers"] == [{"urls": ["stun:192.0.2.1:3478"]}]
    await alice.aclose()


async def test_ice_servers_need_a_token(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/api/calls/ice-servers")).status_code == 401
        assert (await http.get("/api/calls")).status_code == 401
        bad = {"Authorization": "Bearer nonsense"}
        assert (await http.get("/api/calls/ice-servers", headers=bad)).status_code == 401


async def test_ice_servers_are_rate_limited(make_server: Any) -> None:
    server: ServerProcess = make_server(
        env={"SHOMIK_RATE_LIMITS_ENABLED": "true", "SHOMIK_RATE_ICE_SERVERS": "2/minute"}
    )
    alice = await register(server)
    for _ in range(2):
        assert (await alice.http.get("/api/calls/ice-servers")).status_code == 200
    r = await alice.http.get("/api/calls/ice-servers")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    await alice.aclose()


@pytest.mark.parametrize(
    "settings",
    [
        {"ice_transport_policy": "none"},
        {"ice_transport_policy": "relay"},  # relay with no TURN server cannot connect
        {"turn_urls": "turn:t.example.test", "turn_secret": ""},
        {"turn_urls": "https://t.example.test", "turn_secret": "x"},
        {"stun_urls": "turn:t.example.test"},
        {"turn_ttl": 0},
        {"call_max_participants": 1},
        {"call_ring_seconds": 0},
    ],
)
def test_settings_are_validated(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**settings)


def test_settings_accept_a_relay_configuration() -> None:
    settings = Settings(
        stun_urls="stun:a.example.test, stun:b.example.test",  # split like the env var
        turn_urls="turns:t.example.test:5349",
        turn_secret="x",
        ice_transport_policy="relay",
    )
    assert settings.stun_urls == ["stun:a.example.test", "stun:b.example.test"]
    assert settings.turn_urls == ["turns:t.example.test:5349"]
