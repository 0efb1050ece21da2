"""What the benchmark runners share: the shomik server's settings, a server process pinned
to a core, free ports."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
SHOMIK = str(Path(sys.executable).parent / "shomik")
PASSWORD = "a long enough benchmark passphrase"

SERVER_ENV = {
    "SHOMIK_ARGON2_TIME_COST": "1",
    "SHOMIK_ARGON2_MEMORY_KIB": "1024",
    "SHOMIK_ARGON2_PARALLELISM": "1",
    "SHOMIK_RATE_LIMITS_ENABLED": "false",
    "SHOMIK_ACCESS_LOG": "0",
    "SHOMIK_LOG_LEVEL": "warning",
    "SHOMIK_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnop",
}


def log(*parts: object) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(core: int | None, nice: int = 0) -> Callable[[], None] | None:
    """A preexec_fn: pin the child (and so every thread it starts) to one core, optionally
    change its scheduling priority, and let it open as many sockets as the hard limit
    allows."""

    def setup() -> None:
        if core is not None:
            os.sched_setaffinity(0, {core})
        if nice:
            # With autogroup scheduling (the default on desktop and many server kernels) a
            # process's nice value only counts within its session's group: the child gets a
            # session, and so a group, of its own, and that group gets the niceness.
            with contextlib.suppress(OSError):  # raising priority needs privileges
                os.setsid()
                Path("/proc/self/autogroup").write_text(str(nice))
            with contextlib.suppress(OSError):
                os.nice(nice)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    return setup


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_path: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, core: int | None, nice: int = 0) -> None:
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=pinned(core, nice),  # the runner starts no threads
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


@contextlib.contextmanager
def running(server: Server, core: int | None, nice: int) -> Iterator[Server]:
    server.start(core, nice)
    try:
        yield server
    finally:
        server.stop()
