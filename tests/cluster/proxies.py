"""The processes around a test cluster: a redis-server of the tests' own and a real nginx
running the shipped configuration. Both run in the foreground on free loopback ports with
everything (config, pid, logs, temp files) in the test's directory, never the system's."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.harness import ROOT, free_port

NGINX = Path("/usr/sbin/nginx")
REDIS_SERVER = Path("/usr/bin/redis-server")
NGINX_DEPLOY = ROOT / "deploy" / "nginx"
CLUSTER_SITE = NGINX_DEPLOY / "shomik-cluster.conf"
PROXY_SNIPPET = NGINX_DEPLOY / "shomik-proxy.conf"
# Added by the tests' server block only (not shipped): which upstream answered. With a retry
# on another process (proxy_next_upstream) nginx lists every address it tried, the last one
# being the one that answered.
UPSTREAM_HEADER = "X-Shomik-Upstream"
START_TIMEOUT = 15.0


def require(binary: Path) -> None:
    if not binary.exists():
        raise RuntimeError(f"{binary} is not installed: run make install")


def wait_until(
    what: str, ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path
) -> None:
    """Poll `ready` until it holds; the process dying or the deadline passing is an error
    that carries the end of its log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start: {_tail(log)}")


def stop_process(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: Path) -> str:
    with contextlib.suppress(OSError):
        return log.read_text(errors="replace")[-3000:]
    return "(no log)"


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


class RedisServer:
    """A redis-server of the test's own, as the machine's runs (nothing kept on disk), so
    that a test can stop, kill and restart it without touching anything else's Redis."""

    def __init__(self, workdir: Path, extra: list[str] | None = None) -> None:
        self.dir = workdir
        self.port = free_port()
        self.extra = extra or []  # more of redis-server's options (TLS)
        self.log_path = workdir / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        require(REDIS_SERVER)
        self.dir.mkdir(parents=True, exist_ok=True)
        argv = [str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(self.port)]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        argv += ["--logfile", str(self.log_path), "--daemonize", "no", *self.extra]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until("redis-server", self.ping, self.proc, self.log_path)

    def ping(self) -> bool:
        address = ("127.0.0.1", self.port)
        with contextlib.suppress(OSError), socket.create_connection(address, 1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        """SIGTERM: Redis closes its clients and exits (a restart by the operator)."""
        stop_process(self.proc)

    def kill(self) -> None:
        """SIGKILL: as in a crash; everything it held is gone."""
        stop_process(self.proc, signal.SIGKILL)

    def restart(self) -> None:
        """Stopped and started again on the same port, empty (it keeps nothing on disk)."""
        self.stop()
        self.start()


def _without_comments(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


def _block(text: str, head: str) -> str:
    """The `head { ... }` block of the shipped site (these have no nested braces)."""
    found = re.search(rf"^{re.escape(head)}\s*\{{[^{{}}]*\}}", text, re.MULTILINE)
    if found is None:
        raise ValueError(f"{CLUSTER_SITE} has no `{head} {{ }}` block")
    return found.group(0)


def upstream_block(site: str, ports: Sequence[int]) -> str:
    """The shipped `upstream shomik` with its `server` lines, where they stand, replaced by
    one per port, each with the parameters the first shipped line has (max_fails, ...)."""
    block = _block(_without_comments(site), "upstream shomik")
    server_line = re.compile(r"^[ \t]*server\s+\S+?(\s[^;]*)?;[ \t]*\n", re.MULTILINE)
    shipped = server_line.search(block)
    if shipped is None:
        raise ValueError(f"{CLUSTER_SITE}: `upstream shomik` has no server line")
    params = shipped.group(1) or ""
    lines = "".join(f"    server 127.0.0.1:{port}{params};\n" for port in ports)
    block = block[: shipped.start()] + lines + server_line.sub("", block[shipped.end() :])
    return re.sub(r"\n(?:[ \t]*\n)+", "\n", block)


def render_nginx_conf(prefix: Path, listen_port: int, upstream_ports: Sequence[int]) -> str:
    """A whole nginx.conf for the tests: the shipped site's map and upstream blocks (ports
    replaced) and, in a plain-HTTP server on loopback, the shipped shomik-proxy.conf included
    as it is. TLS and the port-80 redirect are what the tests leave out."""
    site = CLUSTER_SITE.read_text()
    # Workers of a root master would run as `nobody`, who cannot enter the test's temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {prefix / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Rendered by tests/cluster/proxies.py from {CLUSTER_SITE.relative_to(ROOT)}
{user}worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
worker_rlimit_nofile 16384;
events {{
    worker_connections 8192;
}}
http {{
    log_format cluster '$remote_addr "$request" $status upstream=$upstream_addr';
    access_log {prefix / "access.log"} cluster;
{temp}
{_block(_without_comments(site), "map $http_upgrade $connection_upgrade")}

{upstream_block(site, upstream_ports)}

    server {{
        listen 127.0.0.1:{listen_port};
        add_header {UPSTREAM_HEADER} $upstream_addr always;
        include {PROXY_SNIPPET};
    }}
}}
"""


class Nginx:
    """Debian's nginx in the foreground (`daemon off`) with a config of the test's own."""

    def __init__(self, prefix: Path, upstream_ports: Sequence[int]) -> None:
        self.prefix = prefix
        self.port = free_port()
        self.upstream_ports = list(upstream_ports)
        self.conf_path = prefix / "nginx.conf"
        self.log_path = prefix / "error.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        require(NGINX)
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(render_nginx_conf(self.prefix, self.port, self.upstream_ports))
        argv = [str(NGINX), "-p", str(self.prefix), "-c", str(self.conf_path)]
        # -e: errors before the config is read go here too, not to /var/log/nginx.
        argv += ["-e", str(self.log_path)]
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_until("nginx", lambda: _accepts(self.port), self.proc, self.log_path)

    def stop(self) -> None:
        stop_process(self.proc)

    def restart(self) -> None:
        """A new master on the same port: every client connection is cut, and nginx forgets
        which upstreams it had marked failed."""
        self.stop()
        self.start()
