"""`shomik janus-config`: the project's own Janus configuration, and a Janus running on it
that lets in nobody Shomik did not admit."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from shomik.sfu import secrets as sfu_secrets
from shomik.sfu.janus import Admin, Connection, JanusError, Session
from tests.sfu.conftest import Janus, janus_config


def test_only_the_videoroom_plugin_and_the_websocket_transport(janus: Janus) -> None:
    folder = janus.folder
    assert [p.name for p in (folder / "plugins").iterdir()] == ["libjanus_videoroom.so"]
    assert [p.name for p in (folder / "transports").iterdir()] == ["libjanus_websockets.so"]
    for name in ("janus.jcfg", "janus.plugin.videoroom.jcfg", "janus.transport.websockets.jcfg"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600  # they hold the secrets
    log = janus.log_text()
    loaded = [line for line in log.splitlines() if line.startswith("Loading ")]
    assert loaded == [
        "Loading plugin 'libjanus_videoroom.so'...",
        "Loading transport plugin 'libjanus_websockets.so'...",
    ]
    assert "Stored-Token based authentication enabled" in log
    text = (folder / "janus.jcfg").read_text()
    assert "/etc/janus" not in text and 'rtp_port_range = "40000-40100"' in text


async def test_no_rooms_and_none_without_the_admin_key(janus: Janus) -> None:
    assert await janus.rooms() == []  # none of Debian's demo rooms (1234, 5678...)
    async with janus.server_side() as session:
        for body in ({}, {"admin_key": "not-the-key"}):
            with pytest.raises(JanusError) as exc:
                await session.message({"request": "create", "room": 1234, **body})
            assert exc.value.code in (429, 433)  # missing admin_key / unauthorized
        exists = await session.message({"request": "exists", "room": 1234})
        assert exists["exists"] is False


async def test_nobody_gets_in_without_the_secret_or_a_token(janus: Janus) -> None:
    for auth in ({}, {"apisecret": "guess"}, {"token": "guess"}):
        conn = Connection(janus.url, auth=auth)
        await conn.connect()
        with pytest.raises(JanusError) as exc:
            await Session.create(conn)
        assert exc.value.code == 403
        await conn.close()
    # The Admin API: only with the admin secret.
    admin = Admin(Connection(janus.admin_url, admin=True))
    await admin.conn.connect()
    with pytest.raises(JanusError) as exc:
        await admin.tokens()
    assert exc.value.code == 403
    await admin.conn.close()
    # Even the server's own session reaches no plugin but the VideoRoom.
    conn = Connection(janus.url, auth={"apisecret": sfu_secrets.api_secret(janus.secret)})
    await conn.connect()
    created = await conn.request({"janus": "create"})
    attach = {"janus": "attach", "session_id": created["data"]["id"]}
    with pytest.raises(JanusError) as exc:
        await conn.request({**attach, "plugin": "janus.plugin.echotest"})
    assert exc.value.code == 460  # no such plugin
    await conn.close()


def test_janus_config_refuses_incomplete_settings(tmp_path: Path) -> None:
    missing = janus_config(tmp_path / "a", {})
    assert missing.returncode != 0 and "SHOMIK_SFU_URL is not set" in missing.stderr
    no_secret = janus_config(tmp_path / "b", {"SHOMIK_SFU_URL": "ws://127.0.0.1:8188"})
    assert no_secret.returncode != 0 and "SHOMIK_SFU_SECRET" in no_secret.stderr
    named = {"SHOMIK_SFU_URL": "ws://janus:8188", "SHOMIK_SFU_SECRET": "s" * 32}
    by_name = janus_config(tmp_path / "c", named)
    assert by_name.returncode != 0 and "--listen" in by_name.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_janus_in_a_container_of_its_own_binds_the_addresses_it_is_given(tmp_path: Path) -> None:
    # deploy/compose.yaml: the processes reach Janus by its service name, and Janus binds
    # both APIs inside its container (the Dockerfile's `janus` stage passes both options).
    named = {
        "SHOMIK_SFU_URL": "ws://janus:8188",
        "SHOMIK_SFU_ADMIN_URL": "ws://janus:7188",
        "SHOMIK_SFU_SECRET": "s" * 32,
    }
    api_only = janus_config(tmp_path / "a", named, "--listen", "0.0.0.0")
    assert api_only.returncode != 0 and "--admin-listen" in api_only.stderr
    both = ("--listen", "0.0.0.0", "--admin-listen", "0.0.0.0")
    assert janus_config(tmp_path / "b", named, *both).returncode == 0
    text = (tmp_path / "b" / "janus.transport.websockets.jcfg").read_text()
    assert 'ws_ip = "0.0.0.0"' in text and "ws_port = 8188" in text
    assert 'admin_ws_ip = "0.0.0.0"' in text and "admin_ws_port = 7188" in text
    assert "acl" not in text  # not loopback: the container's network is the boundary


def test_public_address_and_turn_when_configured(tmp_path: Path) -> None:
    env = {
        "SHOMIK_SFU_URL": "ws://127.0.0.1:8188",
        "SHOMIK_SFU_SECRET": "s" * 32,
        "SHOMIK_SFU_NAT_1_1_MAPPING": "203.0.113.7",
        "SHOMIK_SFU_TURN_URL": "turn:turn.example.org:3478?transport=tcp",
        "SHOMIK_TURN_SECRET": "coturn-secret",
    }
    assert janus_config(tmp_path, env).returncode == 0
    text = (tmp_path / "janus.jcfg").read_text()
    assert 'nat_1_1_mapping = "203.0.113.7"' in text
    assert 'turn_server = "turn.example.org"' in text and "turn_port = 3478" in text
    assert 'turn_type = "tcp"' in text and ":janus" in text
    plain = janus_config(tmp_path / "plain", {k: env[k] for k in list(env)[:2]})
    assert plain.returncode == 0
    text = (tmp_path / "plain" / "janus.jcfg").read_text()
    assert "nat_1_1_mapping" not in text and "turn_server" not in text
