"""Fixtures of the link preview tests: the local test website."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.previews.site import LocalSite


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    web = LocalSite().start()
    yield web
    web.stop()


@pytest.fixture(scope="module")
def other_site() -> Iterator[LocalSite]:
    """A second site on another port, never allowed: it proves nothing reached it."""
    web = LocalSite().start()
    yield web
    web.stop()
