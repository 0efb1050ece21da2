"""podman as the image tests run it: the settings this machine needs (containers.conf), the
Debian base made once (scripts/container-base.sh), the image built from the repository's
Dockerfile, and a container seen as a server (`register()` and `User.ws()` talk to it)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx

from tests.harness import FAST_ENV, ROOT, SECRET, ServerProcess

HERE = Path(__file__).resolve().parent
CONTAINERS_CONF = HERE / "containers.conf"
BASE_IMAGE = "localhost/debian-trixie:base"
# The Dockerfile's `janus` stage is Debian 12 (JANUS_BASE): Debian 13 has no Janus.
JANUS_BASE_IMAGE = "localhost/debian-bookworm:base"
BASE_SCRIPT = ROOT / "scripts" / "container-base.sh"
# The CA of a TLS-intercepting proxy in front of PyPI and npm, where there is one: mounted
# into the build's RUN steps only (the guide's recipe), never copied into the image.
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
BUILD_TIMEOUT = 20 * 60  # a first build on a fresh 2-core machine takes ~2.5 min
START_TIMEOUT = 60.0  # as ServerProcess: a loaded 2-core CI machine


class PodmanError(RuntimeError):
    pass


def require_podman() -> None:
    if shutil.which("podman") is None:
        raise PodmanError("podman is not installed: run make install")


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, timeout: float = 120, check: bool = True) -> str:
    """`podman ARGS`, its output; a failure raises with the end of what it printed."""
    done = subprocess.run(
        ["podman", *args], env=podman_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        raise PodmanError(
            f"podman {' '.join(args)} exited {done.returncode}: {done.stderr[-3000:]}"
        )
    return done.stdout


def ensure_base_image(image: str = BASE_IMAGE, suite: str = "trixie") -> None:
    """The Debian base, made by the script only where it does not exist yet."""
    done = subprocess.run(
        ["sh", str(BASE_SCRIPT), image, suite],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=10 * 60,
    )
    if done.returncode != 0:
        raise PodmanError(f"{BASE_SCRIPT.name} failed: {(done.stdout + done.stderr)[-3000:]}")


def build_image(tag: str, log: Path, target: str | None = None) -> None:
    """The repository's Dockerfile, FROM the local base, with podman's layer cache: an
    unchanged dependency list or lock reuses the slow layers. `--format docker`: the OCI
    format has no HEALTHCHECK. `target`: a stage other than the server's (`janus`, FROM
    the local Debian 12 base)."""
    argv = ["podman", "build", "--format", "docker", "--network", "host"]
    if target is not None:
        argv += ["--target", target, "--build-arg", f"JANUS_BASE={JANUS_BASE_IMAGE}"]
    if HOST_CA.exists():
        argv += ["--volume", f"{HOST_CA}:/run/host-ca.crt:ro"]
        argv += ["--build-arg", "PIP_CERT=/run/host-ca.crt"]
        argv += ["--build-arg", "NODE_EXTRA_CA_CERTS=/run/host-ca.crt"]
    argv += ["--build-arg", f"BASE={BASE_IMAGE}", "--tag", tag, str(ROOT)]
    with log.open("wb") as out:
        done = subprocess.run(
            argv, env=podman_env(), stdout=out, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT
        )
    if done.returncode != 0:
        raise PodmanError(f"podman build failed: {log.read_text(errors='replace')[-4000:]}")


def inspect(name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = json.loads(podman("container", "inspect", name))
    return found[0]


def health_status(name: str) -> str:
    """What the image's HEALTHCHECK says after one run of it. podman schedules the checks
    with systemd timers, which a machine without systemd lacks: `podman healthcheck run`
    is the same check, run now, and it records the status the same way."""
    podman("healthcheck", "run", name, check=False)
    state = inspect(name)["State"]
    health = state.get("Health") or state.get("Healthcheck") or {}
    return str(health.get("Status", ""))


class ContainerServer(ServerProcess):
    """The image running as a server: `podman run --network host` on a free loopback port
    (SHOMIK_PORT), with the tests' cheap hashing and secret key, and its data dir in a
    named volume when one is given. start() waits for /api/health as ServerProcess does."""

    def __init__(
        self,
        image: str,
        name: str,
        workdir: Path,
        env: dict[str, str] | None = None,
        volume: str | None = None,
    ) -> None:
        super().__init__(workdir, env)
        self.image = image
        self.name = name
        self.volume = volume
        # The container's environment is only this (not the tests' own os.environ).
        self.env = {
            **FAST_ENV,
            "SHOMIK_SECRET_KEY": SECRET,
            **(env or {}),
            "SHOMIK_HOST": "127.0.0.1",
            "SHOMIK_PORT": str(self.port),
        }

    def _run_argv(self, options: tuple[str, ...], command: tuple[str, ...]) -> list[str]:
        argv = ["run", "--network", "host", *options]
        for key, value in self.env.items():
            argv += ["--env", f"{key}={value}"]
        if self.volume is not None:
            argv += ["--volume", f"{self.volume}:/var/lib/shomik"]
        return [*argv, self.image, *command]

    def run_once(self, *command: str) -> str:
        """COMMAND in a container of its own with this server's settings and volume (as
        the compose file's `migrate` runs `shomik migrate`); its output."""
        return podman(*self._run_argv(("--rm",), command), timeout=START_TIMEOUT)

    def start(self) -> None:
        podman(*self._run_argv(("--detach", "--name", self.name), ()))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not inspect(self.name)["State"]["Running"]:
                raise PodmanError(f"{self.name} exited: {self.logs()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise PodmanError(f"{self.name} did not start: {self.logs()[-3000:]}")

    def stop(self) -> None:
        podman("rm", "--force", "--volumes", "--time", "10", self.name, check=False)

    def kill(self) -> NoReturn:
        raise TypeError("stop() removes the container; the image tests kill nothing")

    def logs(self) -> str:
        done = subprocess.run(
            ["podman", "logs", self.name], env=podman_env(), capture_output=True, text=True
        )
        return done.stdout + done.stderr

    def exec(self, *argv: str) -> str:
        return podman("exec", self.name, *argv)
