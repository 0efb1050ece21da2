"""The OpenAPI fuzzer, schemathesis, against a real server on each database: every operation
of the served schema with generated valid and invalid requests (examples, boundary values,
random data, chains of calls), signed in as a user who owns chats, messages and a file.
No request may get a server error, every response must match the documented statuses,
content types, headers and bodies, and the server must log no exception.

Settings: tests/fuzz/schemathesis.toml; who each request is sent as: tests/fuzz/hooks.py."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from shomik.settings import Settings
from tests.conftest import _pg_run
from tests.engines import ENGINES
from tests.harness import PASSWORD, ServerProcess, unique_name

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")


def generous_limits() -> dict[str, str]:
    """Every rate limit (`rate_*` setting) far above what the run sends: the limiter still
    runs on every request, but no 429 stands between the fuzzer and the handlers."""
    return {
        f"SHOMIK_{name.upper()}": "1000000/minute"
        for name, field in Settings.model_fields.items()
        if name.startswith("rate_") and field.annotation is str
    }


FUZZ_ENV = {
    "SHOMIK_API_DOCS": "true",  # the schema is fuzzed as the server serves it: /openapi.json
    "SHOMIK_RATE_LIMITS_ENABLED": "true",
    **generous_limits(),
    # No outbound requests from a test: a generated message text may hold a URL.
    "SHOMIK_LINK_PREVIEWS": "false",
}


@contextmanager
def own_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of the run's own: the thousands of rows the fuzzer makes stay out
    of the database the other tests share, and a fresh one makes every run start alike."""
    shared = request.getfixturevalue("pg_database")  # skipped, or failed in CI, if unreachable
    base, _, name = shared.rpartition("/")
    name = f"{name}_fuzz"
    _pg_run(f"DROP DATABASE IF EXISTS {name}")
    _pg_run(f"CREATE DATABASE {name}")
    try:
        yield f"{base}/{name}"
    finally:
        _pg_run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def fuzz_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with contextlib.ExitStack() as stack:
        env = dict(FUZZ_ENV)
        if request.param == "postgres":
            env["SHOMIK_DATABASE_URL"] = stack.enter_context(own_database(request))
        server = ServerProcess(tmp_path_factory.mktemp(f"fuzz-{request.param}"), env=env)
        server.start()
        stack.callback(server.stop)
        yield server


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def seed(server: ServerProcess, username: str) -> dict[str, list[Any]]:
    """The fuzz user and a friend; a group and a private chat, each with a text and an image;
    an avatar. The ids of all of it, by the path parameter names that take them."""
    with httpx.Client(base_url=server.url, timeout=20) as http:
        tokens = []
        for name in (username, unique_name("friend")):
            r = http.post("/api/auth/register", json={"username": name, "password": PASSWORD})
            assert r.status_code == 201, r.text
            tokens.append(r.json())
        me, friend = (t["user"]["id"] for t in tokens)
        http.headers["Authorization"] = f"Bearer {tokens[0]['access_token']}"

        def upload() -> str:
            r = http.post("/api/upload", files={"file": ("red.png", png(), "image/png")})
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

        def created(path: str, body: dict[str, Any]) -> int:
            r = http.post(path, json=body)
            assert r.status_code == 201, r.text
            return int(r.json()["id"])

        files = [upload() for _ in range(3)]
        r = http.patch("/api/users/me", json={"avatarId": files[0]})
        assert r.status_code == 200, r.text
        group = {"type": "group", "name": "Fuzz", "participantIds": [friend]}
        chats = [
            created("/api/chats", group),
            created("/api/chats", {"type": "private", "userId": friend}),
        ]
        messages = []
        for chat, image in zip(chats, files[1:], strict=True):
            messages.append(created("/api/messages", {"chatId": chat, "content": "hello"}))
            body = {"chatId": chat, "content": "", "attachmentIds": [image]}
            messages.append(created("/api/messages", body))
    return {"chat_id": chats, "user_id": [me, friend], "message_id": messages, "file_id": files}


def test_no_server_error_and_responses_as_documented(
    fuzz_server: ServerProcess, tmp_path: Path
) -> None:
    username = unique_name("fuzz")
    known = seed(fuzz_server, username)
    report_path = tmp_path / "report.json"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py"),
        "SHOMIK_FUZZ_URL": fuzz_server.url,
        "SHOMIK_FUZZ_USERNAME": username,
        "SHOMIK_FUZZ_PASSWORD": PASSWORD,
        "SHOMIK_FUZZ_IDS": json.dumps(known),
    }
    command = [
        SCHEMATHESIS,
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{fuzz_server.url}/openapi.json",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
    ]
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    # From the first failure on: the progress lines before it say nothing.
    output = run.stdout[max(run.stdout.find("= FAILURES ="), 0) :][:60000] + run.stderr[-5000:]
    assert run.returncode == 0, output

    report = json.loads(report_path.read_text())
    assert report["complete"], output
    assert report["failures"] == [] and report["errors"] == [], output
    operations = report["operations"]
    assert operations["tested"] == operations["selected"] == operations["total"], output
    # Signed in for real: no operation that needs a token answered only 401 or 403.
    assert report["warnings"]["missing_auth"] == [], output
    assert report["test_cases"]["generated"] >= 1000, output
    # An exception in a background task (fan-out after a commit) is no 500, but a bug.
    assert "Traceback" not in fuzz_server.log_text(), fuzz_server.log_text()[-5000:]
    print(f"schemathesis: {report['test_cases']['generated']} cases")
