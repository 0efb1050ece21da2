"""The access token check: a verified token is remembered by its exact text, never past its
expiry, and nothing else gets through on its account."""

from __future__ import annotations

import time

import pytest

from shomik.auth import tokens as tokens_mod
from shomik.auth.tokens import Tokens
from shomik.errors import Unauthorized

SECRET = "a-test-secret-of-at-least-32-bytes!!"


def test_a_token_decodes_the_same_twice_and_an_altered_one_never() -> None:
    tokens = Tokens(SECRET, ttl_seconds=60)
    token = tokens.issue(7, "session-a", int(time.time()))
    first, again = tokens.decode(token), tokens.decode(token)
    assert first == again and (first.user_id, first.session_id) == (7, "session-a")
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(Unauthorized):
        tokens.decode(".".join((head, payload, flipped)))
    with pytest.raises(Unauthorized):
        Tokens("another-secret-of-at-least-32-bytes!!", 60).decode(token)


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = Tokens(SECRET, ttl_seconds=60)
    token = tokens.issue(7, "session-a", int(time.time()))
    assert tokens.decode(token).user_id == 7  # verified and remembered
    later = time.time() + 61
    monkeypatch.setattr("shomik.auth.tokens.time.time", lambda: later)
    with pytest.raises(Unauthorized):
        tokens.decode(token)


def test_the_memory_of_tokens_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens_mod, "VERIFIED_CACHE_SIZE", 3)
    tokens = Tokens(SECRET, ttl_seconds=60)
    now = int(time.time())
    issued = [tokens.issue(i, f"s{i}", now) for i in range(5)]
    assert [tokens.decode(t).user_id for t in issued] == [0, 1, 2, 3, 4]
    assert len(tokens._verified) == 3
