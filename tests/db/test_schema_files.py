"""The committed schema files are what the models generate: the web client builds its types
from them, so a stale file fails CI."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.harness import ROOT, SHOMIK


def test_committed_schema_is_fresh(tmp_path: Path) -> None:
    subprocess.run([SHOMIK, "schema", "--out", str(tmp_path)], check=True, capture_output=True)
    for name in ("openapi.json", "protocol.json"):
        committed = (ROOT / "schema" / name).read_text()
        assert (tmp_path / name).read_text() == committed, f"schema/{name} is stale: make schema"


def test_protocol_schema_lists_every_command_and_event() -> None:
    import json

    schema = json.loads((ROOT / "schema" / "protocol.json").read_text())
    commands = set(schema["x-commands"])
    assert {
        "message:send",
        "message:read",
        "reaction:add",
        "reaction:remove",
        "message:pin",
        "message:unpin",
        "typing:start",
        "typing:stop",
        "presence:set",
    } <= commands
    events = set(schema["x-events"])
    assert {
        "message:new",
        "reaction:updated",
        "read:updated",
        "pin:updated",
        "chat:new",
        "chat:updated",
        "chat:removed",
        "typing:update",
        "user:status",
    } <= events
    assert "Event_message_new" in schema["$defs"] and "AuthFrame" in schema["$defs"]
