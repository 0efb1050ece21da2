"""The compose deployment's files agree with each other and with the sites tests/cluster run:
no podman needed (test_compose.py brings them up)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.cluster.proxies import CLUSTER_SITE
from tests.container.compose import COMPOSE_SITE, DEPLOY, LOCAL_SERVICES

COMPOSE_FILE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "env.example"
JANUS_SITE = DEPLOY / "nginx" / "shomik-janus.conf"
JANUS_COMPOSE_SITE = DEPLOY / "nginx" / "shomik-janus-compose.conf"
# The one line the compose site has beyond the cluster site: Janus's location (/janus).
JANUS_INCLUDE = "    include snippets/shomik-janus.conf;"
# An upstream's `server ADDRESS PARAMS;` line (not a `server {` block).
_SERVER_LINE = re.compile(r"^[ \t]*server[ \t]+([^\s{]+)[ \t][^;\n]*;[ \t]*$", re.MULTILINE)


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    return services


def _processes() -> list[str]:
    """The services that run `shomik serve`: the image's own command, not migrate's."""
    return [
        name
        for name, service in _services().items()
        if "SHOMIK_IMAGE" in str(service.get("image")) and "command" not in service
    ]


def _without_comments(text: str) -> str:
    lines = (re.sub(r"#.*", "", line).rstrip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _without_servers(site: str) -> list[str]:
    return [line for line in site.splitlines() if not _SERVER_LINE.match(line)]


def test_the_compose_site_is_the_cluster_site_with_the_compose_services_upstream() -> None:
    compose_site = _without_comments(COMPOSE_SITE.read_text())
    cluster_site = _without_comments(CLUSTER_SITE.read_text())
    # Janus's location, once, right after the proxy's (whose headers it inherits).
    assert compose_site.count(JANUS_INCLUDE) == 1
    assert "include snippets/shomik-proxy.conf;\n" + JANUS_INCLUDE in compose_site
    compose_site = compose_site.replace(JANUS_INCLUDE + "\n", "")
    # Everything but the upstream's server lines is the site tests/cluster run and check.
    assert _without_servers(compose_site) == _without_servers(cluster_site)
    # Each server line with the parameters of the cluster site's (max_fails, fail_timeout).
    params = {tuple(m.group(0).split()[2:]) for m in _SERVER_LINE.finditer(compose_site)}
    shipped = {tuple(m.group(0).split()[2:]) for m in _SERVER_LINE.finditer(cluster_site)}
    assert params == shipped and len(shipped) == 1
    # One server line per Shomik process of the compose file, on the image's port.
    assert _SERVER_LINE.findall(compose_site) == [f"{name}:8000" for name in _processes()]
    assert len(_processes()) >= 2


def test_every_shomik_container_has_the_same_settings_and_data() -> None:
    services = _services()
    shomik = [*_processes(), "migrate"]
    first = services[shomik[0]]
    for name in shomik:
        assert services[name]["environment"] == first["environment"], name
        assert services[name]["volumes"] == first["volumes"], name
        assert services[name]["image"] == first["image"], name
    # The processes start after the migration has ended, and never migrate alongside it.
    for name in _processes():
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["restart"] == "no"
    # Only nginx publishes TCP ports, and Janus its UDP media range (coturn is on the host's
    # network); the rest is reachable from the compose network alone, which
    # FORWARDED_ALLOW_IPS="*" relies on, and so are Janus's two APIs.
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"nginx", "janus"}
    assert first["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    rtp = first["environment"]["SHOMIK_SFU_RTP_PORTS"]
    assert services["janus"]["ports"] == [f"{rtp}:{rtp}/udp"]


def test_janus_has_the_sfu_settings_of_the_processes_and_nginx_in_front() -> None:
    services = _services()
    processes = services[_processes()[0]]["environment"]
    sfu = {k: v for k, v in processes.items() if k.startswith("SHOMIK_SFU_")}
    # janus-config in Janus's container writes its configuration from the very settings
    # the processes use (the secret above all), and from nothing else.
    assert services["janus"]["environment"] == sfu
    assert sfu["SHOMIK_SFU_URL"] == "ws://janus:8188"
    assert sfu["SHOMIK_SFU_ADMIN_URL"] == "ws://janus:7188"
    assert sfu["SHOMIK_SFU_PUBLIC_URL"] == "/janus"
    assert services["janus"]["build"]["target"] == "janus"
    # nginx resolves `janus` when it starts; it serves the compose variant of the snippet.
    assert "janus" in services["nginx"]["depends_on"]
    mount = "./nginx/shomik-janus-compose.conf:/etc/nginx/snippets/shomik-janus.conf:ro"
    assert mount in services["nginx"]["volumes"]


def test_the_compose_janus_location_is_the_shipped_one_but_for_its_upstream() -> None:
    shipped = _without_comments(JANUS_SITE.read_text())
    compose = _without_comments(JANUS_COMPOSE_SITE.read_text())
    assert "proxy_pass http://127.0.0.1:8188;" in shipped
    assert compose == shipped.replace("http://127.0.0.1:8188", "http://janus:8188")


def test_env_example_lists_every_variable_the_compose_file_needs() -> None:
    compose_text = _without_comments(COMPOSE_FILE.read_text())
    used = set(re.findall(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}", compose_text))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert used - {"SHOMIK_IMAGE", "SHOMIK_JANUS_IMAGE"} == listed
    # Those without a default stop `compose up` when missing, rather than start without.
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", compose_text))
    assert {"POSTGRES_PASSWORD", "SHOMIK_SECRET_KEY", "SHOMIK_VAPID_PRIVATE_KEY"} <= required
    assert {"SHOMIK_SFU_SECRET", "SHOMIK_SFU_NAT_1_1_MAPPING"} <= required


def test_the_local_images_stand_in_for_every_pulled_image() -> None:
    local = yaml.safe_load((DEPLOY / "compose.local.yaml").read_text())["services"]
    # Shomik's and Janus's images are built from the repository's Dockerfile; the others
    # are pulled.
    pulled = {name for name, service in _services().items() if "build" not in service}
    assert pulled == set(LOCAL_SERVICES)
    for name in pulled:
        assert local[name]["image"].startswith("localhost/"), name
        assert (DEPLOY / local[name]["build"]["context"] / "Dockerfile").exists(), name
