"""Fixtures for the cluster tests: three `shomik serve` processes on PostgreSQL and Redis
behind nginx (tests/cluster/harness.py). They need PostgreSQL on 127.0.0.1:5432 (skipped
without it, failed without it in CI, like every `postgres` test), and Debian's nginx and
redis-server, which `make install` installs."""

from __future__ import annotations

import itertools
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from pathlib import Path

import pytest

from tests.cluster.harness import Cluster
from tests.cluster.proxies import RedisServer
from tests.conftest import _pg_run
from tests.harness import User, free_port

HERE = Path(__file__).parent
_databases = itertools.count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `pytest -m "not cluster"` leaves these out; those running a cluster are `postgres` tests.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.cluster)
            if "pg_database" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.postgres)


def _new_cluster(
    pg_database: str, workdir: Path, size: int = 3, env: dict[str, str] | None = None
) -> Generator[Cluster, None, None]:
    """A cluster on a database of its own (named after the run's `pg_database`), stopped
    and its database dropped at the end."""
    name = f"{pg_database.rsplit('/', 1)[1]}_cluster{next(_databases)}"
    _pg_run(f"DROP DATABASE IF EXISTS {name}")
    _pg_run(f"CREATE DATABASE {name}")
    cluster = Cluster(workdir, f"{pg_database.rsplit('/', 1)[0]}/{name}", size, env)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        _pg_run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def cluster_push_port() -> int:
    """Where the shared cluster may push to (tests/cluster/test_push.py listens there)."""
    return free_port()


@pytest.fixture(scope="session")
def shared_cluster(
    pg_database: str, tmp_path_factory: pytest.TempPathFactory, cluster_push_port: int
) -> Iterator[Cluster]:
    env = {
        "SHOMIK_PUSH_EXTRA_HOSTS": f"127.0.0.1:{cluster_push_port}",
        "SHOMIK_PUSH_ALLOW_HTTP": "true",
    }
    yield from _new_cluster(pg_database, tmp_path_factory.mktemp("cluster"), env=env)


@pytest.fixture
def cluster(shared_cluster: Cluster) -> Iterator[Cluster]:
    """The run's cluster of three processes, shared by the tests. A test may kill, stop or
    restart its processes and its Redis: afterwards every part is started again (`heal`)."""
    yield shared_cluster
    shared_cluster.heal()


@pytest.fixture
def make_cluster(pg_database: str, tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    """Clusters of a test's own: `make_cluster(size=2, env={...})`, on a fresh database."""
    running: list[Generator[Cluster, None, None]] = []

    def make(size: int = 3, env: dict[str, str] | None = None) -> Cluster:
        started = _new_cluster(pg_database, tmp_path / f"cluster{len(running)}", size, env)
        running.append(started)
        return next(started)

    yield make
    for started in running:
        started.close()  # runs the generator's `finally`: stop, drop the database


@pytest.fixture
async def cluster_users(cluster: Cluster) -> AsyncIterator[Callable[[int], Awaitable[list[User]]]]:
    """`await cluster_users(n)`: n users registered through nginx on the shared cluster;
    their clients (REST and sockets) go through nginx and are closed at the end."""
    made: list[User] = []

    async def make(n: int) -> list[User]:
        batch = [await cluster.register() for _ in range(n)]
        made.extend(batch)
        return batch

    yield make
    for user in made:
        await user.aclose()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own (tests/cluster/proxies.py), shut down at the end
    even if the test left it stopped (SIGSTOP)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    if server.proc is not None:
        server.proc.send_signal(signal.SIGCONT)  # in case a test stopped it
    server.stop()
