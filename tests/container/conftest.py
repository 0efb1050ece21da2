"""Fixtures of the image tests: the repository's Dockerfile built once per run with podman,
FROM a Debian base made locally (no image registry is needed), then run. podman,
debootstrap and podman-compose come with `make install`; nothing here skips without them
(an installation error fails the tests), and those on PostgreSQL skip or fail as every
`postgres` test does."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.container.podman import (
    JANUS_BASE_IMAGE,
    build_image,
    ensure_base_image,
    podman,
    require_podman,
)

HERE = Path(__file__).resolve().parent
# Fixtures that run podman: a test asking for one of them is a `container` test.
_PODMAN_FIXTURES = {"shomik_image", "janus_image", "compose"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # `pytest -m "not container"` leaves podman out; the checks of the files themselves stay.
    for item in items:
        if item.path.is_relative_to(HERE):
            fixtures = set(getattr(item, "fixturenames", ()))
            if fixtures & _PODMAN_FIXTURES:
                item.add_marker(pytest.mark.container)
            if "pg_database" in fixtures:
                item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def shomik_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The image of this tree, built once for the run under a tag of the run's own (another
    run may build another tree at the same time). Untagged, not removed, at the end: its
    layers are the next build's cache (`podman rmi` would delete the untagged parents)."""
    require_podman()
    ensure_base_image()
    tag = f"localhost/shomik:test-{os.getpid()}"
    log = tmp_path_factory.mktemp("image") / "build.log"
    started = time.monotonic()
    build_image(tag, log)
    print(f"\ntests/container: {tag} built in {time.monotonic() - started:.1f} s ({log})")
    yield tag
    podman("untag", tag, tag, check=False)


@pytest.fixture(scope="session")
def janus_image(tmp_path_factory: pytest.TempPathFactory, shomik_image: str) -> Iterator[str]:
    """The Dockerfile's `janus` stage (deploy/compose.yaml's Janus), FROM a local Debian 12
    base, built after the server's image so that it reuses that build's wheel layer."""
    tag = f"localhost/shomik-janus:test-{os.getpid()}"
    log = tmp_path_factory.mktemp("janus-image") / "build.log"
    started = time.monotonic()
    ensure_base_image(JANUS_BASE_IMAGE, "bookworm")
    build_image(tag, log, target="janus")
    print(f"\ntests/container: {tag} built in {time.monotonic() - started:.1f} s ({log})")
    yield tag
    podman("untag", tag, tag, check=False)
