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
    # Only nginx publishes ports (coturn is on the host's network); the rest is reachable
    # from the compose network alone, which FORWARDED_ALLOW_IPS="*" relies on.
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"nginx"}
    assert first["environment"]["FORWARDED_ALLOW_IPS"] == "*"


def test_env_example_lists_every_variable_the_compose_file_needs() -> None:
    compose_text = _without_comments(COMPOSE_FILE.read_text())
    used = set(re.findall(r"\$\{([A-Z_]+)(?::?[-?][^}]*)?\}", compose_text))
    listed = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert used - {"SHOMIK_IMAGE"} == listed
    # Those without a default stop `compose up` when missing, rather than start without.
    required = set(re.findall(r"\$\{([A-Z_]+):\?", compose_text))
    assert {"POSTGRES_PASSWORD", "SHOMIK_SECRET_KEY", "SHOMIK_VAPID_PRIVATE_KEY"} <= required


def test_the_local_images_stand_in_for_every_pulled_image() -> None:
    local = yaml.safe_load((DEPLOY / "compose.local.yaml").read_text())["services"]
    pulled = {
        name
        for name, service in _services().items()
        if not str(service.get("image", "")).startswith("${SHOMIK_IMAGE")
    }
    assert pulled == set(LOCAL_SERVICES)
    for name in pulled:
        assert local[name]["image"].startswith("localhost/"), name
        assert (DEPLOY / local[name]["build"]["context"] / "Dockerfile").exists(), name
