"""deploy/nginx/shomik-janus.conf, included as docs/deployment.md §9 says (after the site's
proxy snippet), takes a browser's Janus WebSocket to Janus: the upgrade and its
`janus-protocol` subprotocol pass through."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from shomik.sfu import secrets as sfu_secrets
from shomik.sfu.janus import Connection, JanusError, Session
from tests.cluster.proxies import NGINX, NGINX_DEPLOY, PROXY_SNIPPET, _accepts, require, wait_until
from tests.harness import free_port
from tests.sfu.conftest import Janus, stop

JANUS_SNIPPET = NGINX_DEPLOY / "shomik-janus.conf"
SHIPPED_UPSTREAM = "http://127.0.0.1:8188"


@pytest.fixture
def nginx_port(tmp_path: Path, janus: Janus) -> Iterator[int]:
    require(NGINX)
    snippet = JANUS_SNIPPET.read_text()
    assert SHIPPED_UPSTREAM in snippet
    (tmp_path / "shomik-janus.conf").write_text(
        snippet.replace(SHIPPED_UPSTREAM, f"http://127.0.0.1:{janus.api_port}")
    )
    port = free_port()
    temp = " ".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("proxy", "fastcgi"))
    temp += f" client_body_temp_path {tmp_path}/body;"
    temp += f" uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;"
    (tmp_path / "nginx.conf").write_text(
        f"""daemon off; worker_processes 1; pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off; {temp}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
    upstream shomik {{ server 127.0.0.1:9; }}
    server {{
        listen 127.0.0.1:{port};
        include {PROXY_SNIPPET};
        include {tmp_path}/shomik-janus.conf;
    }}
}}
"""
    )
    log = tmp_path / "error.log"
    argv = [str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(log)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_until("nginx", lambda: _accepts(port), proc, log)
        yield port
    finally:
        stop(proc)


async def test_the_janus_location_reaches_janus(nginx_port: int, janus: Janus) -> None:
    url = f"ws://127.0.0.1:{nginx_port}/janus"
    stranger = Connection(url)
    await stranger.connect()
    with pytest.raises(JanusError) as exc:
        await Session.create(stranger)
    assert exc.value.code == 403  # Janus itself answered, and refused
    await stranger.close()
    server = Connection(url, auth={"apisecret": sfu_secrets.api_secret(janus.secret)})
    await server.connect()
    session = await Session.create(server)
    assert session.id > 0
    await session.destroy()
    await server.close()
