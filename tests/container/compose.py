"""deploy/compose.yaml run by podman-compose for the tests: the shipped file, then
deploy/compose.local.yaml (PostgreSQL, Redis, nginx and coturn built from Debian's
packages, as no image registry is reachable here), then tests/container/compose.test.yaml,
in a project of the test's own (that last one with the test's ports and paths put in)."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.container.podman import CONTAINERS_CONF, PodmanError, podman
from tests.harness import ROOT

HERE = Path(__file__).resolve().parent
DEPLOY = ROOT / "deploy"
SHIPPED_FILES = (DEPLOY / "compose.yaml", DEPLOY / "compose.local.yaml")
TEST_OVERRIDE = HERE / "compose.test.yaml"
COMPOSE_SITE = DEPLOY / "nginx" / "shomik-compose.conf"
TURNSERVER_CONF = DEPLOY / "coturn" / "turnserver.conf"
PODMAN_COMPOSE = Path(sys.executable).parent / "podman-compose"
# The services whose images deploy/compose.local.yaml builds.
LOCAL_SERVICES = ("postgres", "redis", "nginx", "coturn")


def render_test_override(env: dict[str, str]) -> str:
    """compose.test.yaml with its own variables (SHOMIK_TEST_*) put in by the test:
    podman-compose 1.6 does not interpolate inside `!override` (docker compose does)."""
    text = TEST_OVERRIDE.read_text()
    for key, value in env.items():
        if key.startswith("SHOMIK_TEST_"):
            text = text.replace(f"${{{key}:?}}", value)
    assert "${SHOMIK_TEST_" not in text, text
    return text


def render_nginx_site() -> str:
    """The compose site's map and upstream blocks as shipped, then a plain-HTTP server on
    port 80 including shomik-proxy.conf and Janus's location where the compose file mounts
    them."""
    site = COMPOSE_SITE.read_text()
    head = site[: site.index("\nserver {")]
    includes = "".join(
        f"    include /etc/nginx/snippets/{name}.conf;\n"
        for name in ("shomik-proxy", "shomik-janus")
    )
    return head + "\nserver {\n    listen 80;\n" + includes + "}\n"


# The shipped turnserver.conf's lines the test replaces (its CHANGE-ME values) or leaves out
# (TLS: no certificate here; syslog: the container logs to its output).
_TURN_DROPPED = {
    "tls-listening-port",
    "cert",
    "pkey",
    "cipher-list",
    "no-tlsv1",
    "no-tlsv1_1",
    "syslog",
}


def render_turnserver_conf(port: int, secret: str) -> str:
    replaced = {
        "static-auth-secret": f"static-auth-secret={secret}",
        "listening-ip": "listening-ip=127.0.0.1",
        "listening-port": f"listening-port={port}",
    }
    lines: list[str] = []
    seen: set[str] = set()
    for line in TURNSERVER_CONF.read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if key in _TURN_DROPPED:
            continue
        if key in replaced:
            seen.add(key)
            line = replaced[key]
        lines.append(line)
    assert seen == set(replaced), f"{TURNSERVER_CONF} lacks {set(replaced) - seen}"
    return "\n".join([*lines, "no-tls", "no-dtls", ""])


def stun_binding(port: int, timeout: float = 30) -> bool:
    """A STUN Binding request (RFC 5389) over UDP to 127.0.0.1:port: does a success response
    with the same transaction id come back before the deadline?"""
    transaction = os.urandom(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        while time.monotonic() < deadline:
            sock.sendto(request, ("127.0.0.1", port))
            try:
                answer = sock.recv(2048)
            except OSError:  # no answer yet (timeout) or not listening yet (refused)
                continue
            if answer[:2] == b"\x01\x01" and answer[8:20] == transaction:
                return True
    return False


class Compose:
    """One podman-compose project over the three files, with only the environment given
    (not the tests' own, nor a deploy/.env the developer may have)."""

    def __init__(self, project: str, env: dict[str, str], workdir: Path) -> None:
        self.project = project
        self.files = [*SHIPPED_FILES, workdir / TEST_OVERRIDE.name]
        self.files[-1].write_text(render_test_override(env))
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "CONTAINERS_CONF": str(CONTAINERS_CONF),
            **env,
        }

    def run(self, *args: str, timeout: float = 600, check: bool = True) -> str:
        argv = [str(PODMAN_COMPOSE), "--project-name", self.project, "--env-file", os.devnull]
        for path in self.files:
            argv += ["--file", str(path)]
        done = subprocess.run(
            [*argv, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            output = (done.stdout + done.stderr)[-4000:]
            raise PodmanError(f"podman-compose {' '.join(args)} exited {done.returncode}: {output}")
        return done.stdout

    def up(self) -> None:
        """`up` in the order the compose file asks for: PostgreSQL, Redis, coturn, Janus; then
        the one-shot `migrate`, to its successful end; then the processes and nginx. One
        plain `up` cannot do it with Debian 12's podman 4.3: podman-compose gives each
        container `--requires=` its dependencies, and starting a process then means
        restarting the exited `migrate` too, which podman 4.3 refuses ("depends on container
        ... not found in input list") while `up` waits on. `--no-deps` leaves that flag out;
        the order is kept here instead, as docs/deployment.md tells podman users."""
        self.run("up", "--detach", "--no-deps", "postgres", "redis", "coturn", "janus")
        self.run("up", "--detach", "--no-deps", "migrate")
        migrate = self.containers()["migrate"]["Id"]
        exit_code = podman("wait", migrate, timeout=120).strip()
        if exit_code != "0":
            raise PodmanError(f"migrate exited {exit_code}:\n{self.logs()}")
        self.run("up", "--detach", "--no-deps", "shomik1", "shomik2", "nginx")

    def containers(self) -> dict[str, dict[str, Any]]:
        """Each service's container (`podman ps --all`), by service name."""
        listed = json.loads(
            podman(
                "ps",
                "--all",
                "--format",
                "json",
                "--filter",
                f"label=com.docker.compose.project={self.project}",
            )
        )
        return {c["Labels"]["com.docker.compose.service"]: c for c in listed}

    def logs(self) -> str:
        """The end of every container's log, for a failure's message."""
        parts = []
        for service, container in sorted(self.containers().items()):
            done = subprocess.run(
                ["podman", "logs", "--tail", "30", container["Id"]],
                env=self.env,
                capture_output=True,
                text=True,
            )
            parts.append(f"--- {service} ({container['State']})\n{done.stdout}{done.stderr}")
        return "\n".join(parts)
