"""deploy/compose.yaml brought up for real: PostgreSQL, Redis, the one-shot migrate, two
Shomik processes, nginx, coturn and Janus (tests/container/compose.py says with which
files), a message through nginx, and a group call's room in Janus entered through nginx."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cluster.harness import Gateway, vapid_key
from tests.container.compose import (
    LOCAL_SERVICES,
    Compose,
    render_nginx_site,
    render_turnserver_conf,
    stun_binding,
)
from tests.container.flows import group_call_through_janus, message_round_trip
from tests.container.podman import BASE_IMAGE, JANUS_BASE_IMAGE, PodmanError, health_status
from tests.harness import free_port

START_TIMEOUT = 120.0  # PostgreSQL's first start (initdb), migrations, two processes


class Deployment:
    def __init__(self, compose: Compose, http_port: int, turn_port: int, workdir: Path) -> None:
        self.compose = compose
        self.http_port = http_port
        self.turn_port = turn_port
        self.gateway = Gateway(workdir, {}, http_port)  # register() and sockets through nginx

    def wait_until_served(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.gateway.url}/api/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise PodmanError(f"nothing served through nginx:\n{self.compose.logs()}")


def _rtp_ports() -> str:
    """Ten consecutive ports for Janus's media (published on loopback: none is used here,
    as no media flows, but podman binds them all)."""
    low = free_port()
    return f"{low}-{low + 9}" if low + 9 < 65536 else _rtp_ports()


@pytest.fixture
def compose(shomik_image: str, janus_image: str, tmp_path: Path) -> Iterator[Deployment]:
    """The compose project up, with the run's images for the Shomik services and Janus and
    the others built from deploy/local-images (cached after the first run); taken down with
    its volumes at the end."""
    http_port, turn_port = free_port(), free_port()
    rtp_ports = _rtp_ports()
    turn_secret = secrets.token_hex(16)
    (tmp_path / "nginx-site.conf").write_text(render_nginx_site())
    (tmp_path / "turnserver.conf").write_text(render_turnserver_conf(turn_port, turn_secret))
    env = {
        "BASE": BASE_IMAGE,
        "JANUS_BASE": JANUS_BASE_IMAGE,
        "SHOMIK_IMAGE": shomik_image,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(18),
        "SHOMIK_SECRET_KEY": secrets.token_urlsafe(48),
        "SHOMIK_VAPID_PRIVATE_KEY": vapid_key(),
        "SHOMIK_ALLOWED_ORIGINS": f"http://127.0.0.1:{http_port}",
        "SHOMIK_TURN_SECRET": turn_secret,
        "SHOMIK_TURN_URLS": f"turn:127.0.0.1:{turn_port}?transport=udp",
        "SHOMIK_JANUS_IMAGE": janus_image,
        "SHOMIK_SFU_SECRET": secrets.token_urlsafe(32),
        "SHOMIK_SFU_NAT_1_1_MAPPING": "127.0.0.1",
        "SHOMIK_SFU_RTP_PORTS": rtp_ports,
        "SHOMIK_TEST_RTP_PORTS": rtp_ports,
        "SHOMIK_TEST_HTTP_PORT": str(http_port),
        "SHOMIK_TEST_DIR": str(tmp_path),
    }
    project = Compose(f"shomik-test-{os.getpid()}", env, tmp_path)
    try:
        started = time.monotonic()
        project.run("build", *LOCAL_SERVICES)
        built = time.monotonic()
        project.up()
        deployment = Deployment(project, http_port, turn_port, tmp_path)
        deployment.wait_until_served()
        print(
            f"\ntests/container: compose images built in {built - started:.1f} s, "
            f"served through nginx {time.monotonic() - built:.1f} s later"
        )
        yield deployment
    finally:
        project.run("down", "--volumes", "--timeout", "10", check=False)


async def test_compose_serves_a_message_through_nginx(compose: Deployment) -> None:
    containers = compose.compose.containers()
    assert sorted(containers) == sorted(
        ["postgres", "redis", "migrate", "shomik1", "shomik2", "nginx", "coturn", "janus"]
    )
    # The one-shot migration ran to its end, successfully; everything else runs.
    assert containers["migrate"]["State"] == "exited"
    assert containers["migrate"]["ExitCode"] == 0
    running = {name for name, c in containers.items() if c["State"] == "running"}
    assert running == set(containers) - {"migrate"}, compose.compose.logs()
    # Each process answers the image's HEALTHCHECK inside its own container.
    for service in ("shomik1", "shomik2"):
        assert health_status(containers[service]["Id"]) == "healthy"

    gateway = compose.gateway
    alice, bob, _ = await message_round_trip(gateway, gateway, "through the compose file")
    try:
        # The TURN settings from deploy/.env reach the processes, and coturn answers.
        ice = await alice.http.get("/api/calls/ice-servers")
        assert ice.status_code == 200, ice.text
        urls = [url for server in ice.json()["iceServers"] for url in server["urls"]]
        assert f"turn:127.0.0.1:{compose.turn_port}?transport=udp" in urls
        assert stun_binding(compose.turn_port), compose.compose.logs()
    finally:
        await alice.aclose()
        await bob.aclose()
    # Group calls: the processes create rooms in Janus over the compose network, and a
    # browser's token gets into its room through nginx's /janus.
    janus_url = f"ws://127.0.0.1:{compose.http_port}/janus"
    await group_call_through_janus(gateway, janus_url)
