"""The cluster set-up itself, as deployed: nginx with the shipped configuration in front of
three processes on PostgreSQL and Redis. What crosses processes (delivery, presence, calls)
is tested beside the code that does it; this file checks the ground those tests stand on."""

from __future__ import annotations

import httpx

from tests.cluster.harness import Cluster
from tests.harness import PASSWORD, ServerProcess, unique_name

# least_conn falls back to round robin among equally loaded processes: sequential requests
# visit each process in turn, so two rounds reach all three even if one round were skewed.
ROUNDS = 2


async def test_health_through_nginx_reaches_every_process(cluster: Cluster) -> None:
    served: list[ServerProcess] = []
    async with httpx.AsyncClient(base_url=cluster.url, timeout=10) as http:
        for _ in range(ROUNDS * len(cluster.processes)):
            r = await http.get("/api/health")
            assert r.status_code == 200, r.text
            assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
            served.append(cluster.served_by(r))
    assert {proc.port for proc in served} == {proc.port for proc in cluster.processes}


async def test_a_user_registered_through_nginx_gets_a_ready_socket(cluster: Cluster) -> None:
    user = await cluster.register()
    try:
        ws = await user.ws()
        ready = ws.of_type("ready")
        assert len(ready) == 1
        assert cluster.socket_process(ws) in cluster.processes
        # The same account signs in on a process chosen by the test, past nginx.
        direct = await cluster.ws_on(user, 2)
        assert direct.of_type("ready")
    finally:
        await user.aclose()


async def test_nginx_passes_the_client_address(cluster: Cluster) -> None:
    # The client connects from 127.0.0.2: the server sees it only if nginx sends
    # X-Forwarded-For (nginx itself connects from 127.0.0.1).
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=cluster.url, transport=transport, timeout=20) as http:
        name = unique_name()
        r = await http.post(
            "/api/auth/register",
            json={"username": name, "password": PASSWORD, "displayName": name},
        )
        assert r.status_code == 201, r.text
        http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        r = await http.get("/api/sessions")
        assert r.status_code == 200, r.text
        assert [session["ip"] for session in r.json()] == ["127.0.0.2"]


async def test_nginx_moves_requests_and_sockets_off_a_killed_process(cluster: Cluster) -> None:
    user = await cluster.register()
    try:
        cluster.kill(0)
        async with httpx.AsyncClient(base_url=cluster.url, timeout=10) as http:
            for _ in range(ROUNDS * len(cluster.processes)):
                r = await http.get("/api/health")
                assert r.status_code == 200, r.text
                assert cluster.served_by(r) is not cluster.processes[0]
        for _ in range(len(cluster.processes)):
            ws = await user.ws()
            assert cluster.socket_process(ws) is not cluster.processes[0]
    finally:
        await user.aclose()


def test_redis_restarts_on_its_port(cluster: Cluster) -> None:
    url = cluster.redis.url
    cluster.redis.kill()
    assert not cluster.redis.ping()
    cluster.restart_redis()
    assert cluster.redis.ping()
    assert cluster.redis.url == url == cluster.env["SHOMIK_REDIS_URL"]
