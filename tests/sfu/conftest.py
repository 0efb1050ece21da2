"""Fixtures of the SFU tests: a real Janus (/usr/bin/janus) started for the run on the
configuration `shomik janus-config` writes, on free ports of 127.0.0.1, and a server that
uses it. No media flows here (the browser tests do that): the Janus API works on loopback
without ICE, so these need no network namespace."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shomik.sfu import secrets as sfu_secrets
from shomik.sfu.janus import Connection, Session
from tests.harness import SHOMIK, ServerProcess, free_port, wait_listening

JANUS = Path("/usr/bin/janus")


@dataclass
class Janus:
    """A Janus of this run, and the settings that point a server (and janus-config) at it."""

    api_port: int
    admin_port: int
    secret: str
    folder: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.api_port}"

    @property
    def admin_url(self) -> str:
        return f"ws://127.0.0.1:{self.admin_port}"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "SHOMIK_SFU_URL": self.url,
            "SHOMIK_SFU_ADMIN_URL": self.admin_url,
            "SHOMIK_SFU_SECRET": self.secret,
            "SHOMIK_SFU_RTP_PORTS": "40000-40100",
            **extra,
        }

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    @contextlib.asynccontextmanager
    async def server_side(self) -> AsyncIterator[Session]:
        """A session with the server's api_secret: to look at rooms as only Shomik can."""
        conn = Connection(self.url, auth={"apisecret": sfu_secrets.api_secret(self.secret)})
        await conn.connect()
        session = await Session.create(conn)
        try:
            yield session
        finally:
            await session.destroy()
            await conn.close()

    async def rooms(self) -> list[int]:
        async with self.server_side() as session:
            answer = await session.message(
                {"request": "list", "admin_key": sfu_secrets.admin_key(self.secret)}
            )
        return [int(room["room"]) for room in answer["list"]]

    async def participants(self, room: int) -> list[int]:
        async with self.server_side() as session:
            answer = await session.message({"request": "listparticipants", "room": room})
        return [int(p["id"]) for p in answer["participants"]]


def janus_config(out: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    """`shomik janus-config --out OUT [OPTIONS]` as an operator runs it, with these settings
    only."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOMIK_")}
    return subprocess.run(
        [SHOMIK, "janus-config", "--out", str(out), *options],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def new_janus(folder: Path) -> Janus:
    """Settings for a Janus on free ports, its configuration and log under `folder`."""
    return Janus(
        free_port(), free_port(), secrets.token_urlsafe(32), folder / "conf", folder / "janus.log"
    )


def start_janus(
    janus: Janus, settings: dict[str, str] | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Janus on `janus-config`'s files; `settings`: more SHOMIK_SFU_* for the configuration,
    `env`: more environment for the process (the browser tests' LD_PRELOAD)."""
    if not JANUS.exists():
        pytest.fail(f"Janus is not installed at {JANUS}: run make install", pytrace=False)
    written = janus_config(janus.folder, janus.env(**(settings or {})))
    assert written.returncode == 0, written.stderr
    proc = subprocess.Popen(
        [
            *(str(JANUS), "-C", str(janus.folder / "janus.jcfg"), "-F", str(janus.folder)),
            *("-L", str(janus.log_path), "-o", "-N"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    wait_listening(proc, [janus.api_port, janus.admin_port], 20, "janus", janus.log_text)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Janus]:
    janus = new_janus(tmp_path_factory.mktemp("janus"))
    proc = start_janus(janus)
    try:
        yield janus
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def sfu_server(tmp_path_factory: pytest.TempPathFactory, janus: Janus) -> Iterator[ServerProcess]:
    """A server whose group calls go through this run's Janus."""
    server = ServerProcess(tmp_path_factory.mktemp("sfu_server"), janus.env())
    server.start()
    try:
        yield server
    finally:
        server.stop()
