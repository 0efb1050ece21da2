"""Schemathesis hooks for tests/fuzz (loaded through SCHEMATHESIS_HOOKS, in the schemathesis
process, so nothing here imports the test package): who each request is sent as, and the
ids of the data the test seeded.

Who: every operation the schema marks as needing a token is sent as the seeded fuzz user,
except the operations that could end or lock that user's session (logout, logout-all,
session deletion, password change, two-step verification): those run as a user registered
for that one case, so a logout the fuzzer happens to send ends a throwaway session, not the
session the rest of the run depends on. The split is by operation pattern, so an endpoint
added later is fuzzed as the fuzz user by default. Operations without a security
requirement (register, login, health, public avatars) go without a token.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import strategies as st
from schemathesis import AuthContext, Case, HookContext
from schemathesis.filters import HasAPIOperation
from schemathesis.generation import GenerationMode

URL = os.environ["SHOMIK_FUZZ_URL"]
USERNAME = os.environ["SHOMIK_FUZZ_USERNAME"]
PASSWORD = os.environ["SHOMIK_FUZZ_PASSWORD"]
# {"chat_id": [1, 2], "message_id": [...], "file_id": [...], ...}: path parameter values
# that name seeded data, mixed into the generated ones so handlers get past their 404.
KNOWN_IDS: dict[str, list[Any]] = json.loads(os.environ.get("SHOMIK_FUZZ_IDS", "{}"))

# schemathesis mixes this list into generated query, path and header strings itself, in
# valid and invalid cases alike; map_case below puts it into the JSON bodies (which its
# type-wide dictionaries do not reach) and the query strings of valid cases.
_config = tomllib.loads((Path(__file__).parent / "schemathesis.toml").read_text())
AWKWARD_TEXT: list[str] = _config["dictionaries"]["awkward-text"]["values"]

# Operations that end or lock the session they are sent with ("METHOD /path" labels).
SESSION_ENDING = re.compile(r"^(?!GET )\S+ /api/(auth/|sessions\b|users/me/(password|2fa/))")
_throwaway_names = itertools.count()


def _secured(ctx: HasAPIOperation) -> bool:
    return bool(ctx.operation.definition.raw.get("security"))


def _session_ending(ctx: HasAPIOperation) -> bool:
    return _secured(ctx) and bool(SESSION_ENDING.match(ctx.operation.label))


def _ordinary(ctx: HasAPIOperation) -> bool:
    return _secured(ctx) and not SESSION_ENDING.match(ctx.operation.label)


def _bearer(case: Case[Any], token: str) -> None:
    case.headers["Authorization"] = f"Bearer {token}"


def _token(path: str, body: dict[str, str]) -> str:
    response = httpx.post(f"{URL}{path}", json=body, timeout=20)
    response.raise_for_status()
    return str(response.json()["access_token"])


# Refreshed only if a response says 401 (schemathesis then signs in again and replays the
# request): nothing in the run should end this session, so that is a safety net.
@schemathesis.auth(refresh_interval=3600).apply_to(_ordinary)
class FuzzUser:
    def get(self, case: Case[Any], ctx: AuthContext) -> str:
        return _token("/api/auth/login", {"username": USERNAME, "password": PASSWORD})

    def set(self, case: Case[Any], data: str, ctx: AuthContext) -> None:
        _bearer(case, data)


# refresh_interval=None: asked for every case, so each case gets a user of its own.
@schemathesis.auth(refresh_interval=None).apply_to(_session_ending)
class ThrowawayUser:
    def get(self, case: Case[Any], ctx: AuthContext) -> str:
        name = f"{USERNAME[:16]}_t{next(_throwaway_names)}"
        return _token("/api/auth/register", {"username": name, "password": PASSWORD})

    def set(self, case: Case[Any], data: str, ctx: AuthContext) -> None:
        _bearer(case, data)


@schemathesis.hook
def flatmap_path_parameters(ctx: HookContext, parameters: dict[str, Any] | None) -> Any:
    """Each generated id may become a seeded one. Only a value the schema accepts is
    replaced, so a case meant to be invalid stays invalid."""
    if not parameters:
        return st.just(parameters)
    choices = {
        name: st.sampled_from([value, *KNOWN_IDS[name]])
        if name in KNOWN_IDS and _valid_id(value)
        else st.just(value)
        for name, value in parameters.items()
    }
    return st.fixed_dictionaries(choices)


def _valid_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value < 2**63
    return isinstance(value, str) and value != ""


@schemathesis.hook
def map_case(ctx: HookContext, case: Case[Any]) -> Case[Any]:
    """Every other time a valid case has a given string (by operation and place in the body
    or query), it becomes the next awkward text, in the list's order: each text field meets
    NUL first. Only valid cases: an invalid one must stay invalid for the negative checks.
    With one worker the cases come in the same order, so a run repeats exactly."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return case
    label = case.operation.label
    if isinstance(case.body, dict | list):
        case.body = _awkward(case.body, (label, "body"))
    if case.query:
        case.query = _awkward(case.query, (label, "query"))
    return case


_seen: collections.Counter[tuple[Any, ...]] = collections.Counter()


def _awkward(value: Any, where: tuple[Any, ...]) -> Any:
    if isinstance(value, dict):
        return {key: _awkward(item, (*where, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_awkward(item, (*where, index)) for index, item in enumerate(value)]
    if isinstance(value, str):
        times = _seen[where]
        _seen[where] += 1
        if times % 2 == 0:
            return AWKWARD_TEXT[times // 2 % len(AWKWARD_TEXT)]
    return value
