"""Several `shomik serve` processes serving the same users, as deployed: one fresh PostgreSQL
database, a Redis of the cluster's own, and a real nginx in front running the shipped
configuration (tests/cluster/proxies.py). Clients go through nginx (`cluster.gateway`), or
straight to one process (`cluster.processes[i]`) when a test needs to choose."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

from tests.cluster.proxies import UPSTREAM_HEADER, Nginx, RedisServer
from tests.harness import SHOMIK, ServerProcess, User, Ws, open_ws, register


def vapid_key() -> str:
    """A Web Push key for the whole cluster: left to each process, the first start of each
    would make one of its own (and race on the shared data dir's key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def running(proc: ServerProcess) -> bool:
    return proc.proc is not None and proc.proc.poll() is None


class Gateway(ServerProcess):
    """nginx, seen as a server: `register(cluster.gateway)` and the User it returns talk
    REST and WebSocket through nginx. It has the cluster's settings (for `execute_sql` and
    `cli`) but is not a process of its own: start, stop and kill are refused."""

    def __init__(self, data_dir: Path, env: dict[str, str], port: int) -> None:
        super().__init__(data_dir, env)
        self.port = port

    def start(self) -> NoReturn:
        raise TypeError("the gateway is nginx: start or stop the cluster's processes")

    def stop(self) -> NoReturn:
        raise TypeError("the gateway is nginx: start or stop the cluster's processes")

    def kill(self) -> NoReturn:
        raise TypeError("the gateway is nginx: start or stop the cluster's processes")


class Cluster:
    """`size` processes on `database_url`, with the same secret key and VAPID key, one data
    dir (uploads are shared, as with the shomik@.service units) and one Redis."""

    def __init__(
        self,
        workdir: Path,
        database_url: str,
        size: int = 3,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.redis = RedisServer(workdir / "redis")
        self.env = {
            "SHOMIK_DATABASE_URL": database_url,
            "SHOMIK_REDIS_URL": self.redis.url,
            "SHOMIK_VAPID_PRIVATE_KEY": vapid_key(),
            **(env or {}),
        }
        self.processes = [ServerProcess(self.data_dir, self.env) for _ in range(size)]
        for index, proc in enumerate(self.processes):
            proc.log_path = workdir / f"server{index}.log"
        self.nginx = Nginx(workdir / "nginx", [proc.port for proc in self.processes])
        self.gateway = Gateway(self.data_dir, self.env, self.nginx.port)

    # -- addresses ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT of nginx."""
        return self.gateway.url

    @property
    def ws_url(self) -> str:
        return self.gateway.ws_url

    def process_at(self, address: str) -> ServerProcess:
        """The process listening on `127.0.0.1:PORT`."""
        for proc in self.processes:
            if address.strip() == f"127.0.0.1:{proc.port}":
                return proc
        raise LookupError(f"no process of this cluster at {address!r}")

    def served_by(self, response: httpx.Response) -> ServerProcess:
        """The process that answered a request made through nginx (the last address nginx
        tried: with a retry it lists the ones that failed first)."""
        return self.process_at(response.headers[UPSTREAM_HEADER].split(",")[-1])

    def socket_process(self, ws: Ws) -> ServerProcess:
        """The process a WebSocket opened through nginx landed on (from its handshake)."""
        assert ws.conn.response is not None
        return self.process_at(ws.conn.response.headers[UPSTREAM_HEADER].split(",")[-1])

    # -- clients ---------------------------------------------------------------------

    async def register(self, name: str | None = None) -> User:
        """A new user whose REST client and sockets go through nginx."""
        return await register(self.gateway, name)

    async def ws_on(self, user: User, index: int, since: int | None = None) -> Ws:
        """A socket of `user` straight to process `index` (closed with the user's client)."""
        ws = await open_ws(self.processes[index], user.token, since=since)
        user.sockets.append(ws)
        return ws

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> None:
        self.redis.start()
        self.migrate()
        # Started together: each takes a second or two, mostly importing and connecting.
        self._each(lambda proc: proc.start())
        self.nginx.start()

    def migrate(self) -> None:
        """`shomik migrate`, once, before any process serves: the processes then find the
        schema current instead of racing to create it (as an operator migrates before a
        rolling restart)."""
        env = self.processes[0].env
        argv = [SHOMIK, "migrate", "--data-dir", str(self.data_dir)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"shomik migrate failed: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        if self.nginx.running:
            self.nginx.stop()
        self._each(lambda proc: proc.stop())
        self.redis.stop()

    def kill(self, index: int) -> None:
        """kill -9 one process: its sockets drop, nginx sends new ones to the others."""
        self.processes[index].kill()

    def restart(self, index: int) -> None:
        """Stop one process (SIGTERM, as systemd does) and start it again on its port."""
        self.processes[index].stop()
        self.processes[index].start()

    def restart_redis(self) -> None:
        """Redis stops and comes back empty on the same port. Blocks for a fraction of a
        second: from an async test, `await asyncio.to_thread(cluster.restart_redis)` keeps
        the test's clients running meanwhile."""
        self.redis.restart()

    def heal(self) -> None:
        """Back to a whole cluster after a test that killed or stopped parts of it. nginx is
        restarted when a process was, so that no upstream is still marked failed."""
        if not self.redis.running:
            self.redis.start()
        dead = [proc for proc in self.processes if not running(proc)]
        for proc in dead:
            proc.start()
        if dead or not self.nginx.running:
            self.nginx.restart()

    def log_text(self) -> str:
        """Every process's log, named, for a failing test's message."""
        return "\n".join(
            f"--- server{i} (port {proc.port}) ---\n{proc.log_text()}"
            for i, proc in enumerate(self.processes)
            if proc.log_path.exists()
        )

    def _each(self, action: Callable[[ServerProcess], None]) -> None:
        with ThreadPoolExecutor(len(self.processes)) as pool:
            for future in [pool.submit(action, proc) for proc in self.processes]:
                future.result()
