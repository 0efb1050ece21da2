"""Fixtures of the call tests: a real coturn started for the run, a server handing out its
credentials and serving the built client, and browser contexts whose peer connections the
tests can read (`window.__pcs`, see media.py).

These tests run only inside a loopback-only network namespace (`make calls`): elsewhere
Chromium also gathers candidates on the machine's interfaces. They are left out of the main
run by tests/e2e/conftest.py unless SHOMIK_CALL_TESTS=1, and fail (never skip) when the
namespace, coturn, Chromium or the built client is missing."""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser import WEB_DIST, Client, NewContext
from tests.e2e.calls.media import ONLINE_SCRIPT, PEER_CONNECTIONS_SCRIPT
from tests.e2e.calls.sfu import build_shim
from tests.e2e.flows import open_chat, signed_in_as
from tests.harness import ServerProcess, User, free_port, wait_listening
from tests.sfu.conftest import Janus, new_janus, start_janus, stop

HERE = Path(__file__).parent
TURNSERVER = Path("/usr/bin/turnserver")
# Set up, media and UI steps: the guide measured 80-220 ms set-up and media 0.3-0.6 s after
# joining on 2 idle cores; a loaded CI machine gets ample room.
STEP_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.calls)


@pytest.fixture(scope="session", autouse=True)
def loopback_only() -> None:
    """Fails the run outside a loopback-only network namespace (see `make calls`)."""
    names = [name for _, name in socket.if_nameindex()]
    if names != ["lo"]:
        pytest.fail(
            "the call tests must run in a loopback-only network namespace (make calls: "
            f"unshare -n ...); interfaces here: {names}",
            pytrace=False,
        )


@dataclass
class Turn:
    """A coturn of this run, on 127.0.0.1, with ephemeral (use-auth-secret) credentials."""

    port: int
    secret: str
    log_path: Path

    @property
    def urls(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp,turn:127.0.0.1:{self.port}?transport=tcp"

    def env(self) -> dict[str, str]:
        """The server settings that hand out this TURN server's credentials."""
        return {"SHOMIK_TURN_URLS": self.urls, "SHOMIK_TURN_SECRET": self.secret}

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _relay_range() -> tuple[int, int]:
    """A block of 101 ports (coturn's relay range) free on UDP right now."""
    for _ in range(50):
        low = 20_000 + secrets.randbelow(30_000)
        with contextlib.ExitStack() as stack:
            try:
                for port in range(low, low + 101, 10):
                    s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return low, low + 100
    raise RuntimeError("no free port range for coturn's relays")


@pytest.fixture(scope="session")
def turn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Turn]:
    """coturn exactly as ../shared/guides/browser-and-call-testing.md runs it: loopback only,
    no TLS, use-auth-secret with a fresh secret, loopback peers allowed (test only)."""
    if not TURNSERVER.exists():
        pytest.fail(f"coturn is not installed at {TURNSERVER}: run make install", pytrace=False)
    tmp = tmp_path_factory.mktemp("turn")
    port = free_port()
    low, high = _relay_range()
    turn = Turn(port, secrets.token_hex(16), tmp / "turnserver.log")
    log = turn.log_path.open("ab")
    # The shared guide's command; `-c /dev/null` ignores Debian's /etc/turnserver.conf.
    proc = subprocess.Popen(
        [
            str(TURNSERVER),
            "-c",
            "/dev/null",
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            f"--min-port={low}",
            f"--max-port={high}",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--use-auth-secret",
            f"--static-auth-secret={turn.secret}",
            "--realm=example.test",
            "--allow-loopback-peers",
            "--fingerprint",
            f"--userdb={tmp / 'turndb'}",
            f"--pidfile={tmp / 'turnserver.pid'}",
            "--log-file=stdout",
            "--simple-log",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_listening(proc, [port], 15, "turnserver", turn.log_text)
        yield turn
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def call_server_env(turn: Turn, **extra: str) -> dict[str, str]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"web client not built: run make install ({WEB_DIST}/index.html is missing)")
    return {"SHOMIK_WEB_DIR": str(WEB_DIST), **turn.env(), **extra}


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory, turn: Turn) -> Iterator[ServerProcess]:
    """Overrides tests/e2e's: the built client, with this run's TURN server configured (ICE
    policy `all`: the calls here connect directly, host to host)."""
    server = ServerProcess(tmp_path_factory.mktemp("call_server"), call_server_env(turn))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Janus]:
    """Janus on the configuration `shomik janus-config` writes, in this namespace, with the
    loopback shim (tests/e2e/calls/sfu.py) so it gathers a candidate on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("janus")
    shim = build_shim(folder)
    janus = new_janus(folder)
    proc = start_janus(
        janus, {"SHOMIK_SFU_ICE_ENFORCE_LIST": "127.0.0.1"}, {"LD_PRELOAD": str(shim)}
    )
    try:
        yield janus
    finally:
        stop(proc)


def sfu_server_env(turn: Turn, janus: Janus, **extra: str) -> dict[str, str]:
    """A server whose group calls go through this run's Janus, which browsers reach
    directly (no nginx here: SHOMIK_SFU_PUBLIC_URL is Janus's own ws:// URL)."""
    return call_server_env(turn, **janus.env(SHOMIK_SFU_PUBLIC_URL=janus.url, **extra))


@pytest.fixture(scope="session")
def sfu_server(
    tmp_path_factory: pytest.TempPathFactory, turn: Turn, janus: Janus
) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("sfu_server"), sfu_server_env(turn, janus))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def new_context(new_context: NewContext) -> NewContext:
    """tests/e2e's factory, with every context keeping its peer connections in `__pcs` and
    seeing itself online (see media.ONLINE_SCRIPT)."""

    async def make(*, phone: bool = False, base_url: str | None = None, **options: Any) -> Client:
        client = await new_context(phone=phone, base_url=base_url, **options)
        await client.context.add_init_script(ONLINE_SCRIPT)
        await client.context.add_init_script(PEER_CONNECTIONS_SCRIPT)
        # The fake-UI flag grants these too; explicit, because without them Chromium hides
        # host candidates behind mDNS names and a loopback call gathers nothing usable.
        await client.context.grant_permissions(["camera", "microphone"])
        return client

    return make


async def open_call_app(
    new_context: NewContext,
    user: User,
    chat_title: str,
    server: ServerProcess | None = None,
    scripts: Sequence[str] = (),
) -> tuple[Client, Page]:
    """A browser signed in as `user`, in the chat with this title (on `server`, else the
    session's `web_server`), with these extra init scripts."""
    client = await new_context(base_url=server.url if server else None)
    for script in scripts:
        await client.context.add_init_script(script)
    page = await client.new_page()
    await signed_in_as(page, user)
    await open_chat(page, chat_title)
    return client, page


async def click(page: Page, name: str) -> None:
    """Clicks the button of this accessible name once it shows (a call step's time)."""
    button = page.get_by_role("button", name=name, exact=True)
    await expect(button).to_be_visible(timeout=STEP_MS)
    await button.click(timeout=STEP_MS)
