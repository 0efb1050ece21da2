"""How the app answers what no route handles itself (shomik.app)."""

from __future__ import annotations

import httpx
import pytest

from tests.harness import ServerProcess

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "\xff\xfe", "password": "x"}',  # not UTF-8
        b"\xc3",  # a UTF-8 sequence cut short
        b"[" * 5000 + b"]" * 5000,  # deeper than the JSON decoder recurses
    ],
    ids=["latin-1", "truncated", "deep"],
)
def test_a_body_that_is_not_json_is_a_422_as_documented(server: ServerProcess, body: bytes) -> None:
    """Found by schemathesis (tests/fuzz): FastAPI answered these with a 400 the schema does
    not list, where broken JSON already gets a 422 `invalid`."""
    r = httpx.post(f"{server.url}/api/auth/login", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid"
    assert "JSON" in r.json()["error"]["message"]
