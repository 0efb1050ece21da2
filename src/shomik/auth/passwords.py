"""Argon2id password hashing (argon2-cffi), off the event loop: a hash costs ~50 ms of CPU."""

from __future__ import annotations

import asyncio
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shomik.errors import Invalid
from shomik.settings import Settings

# NIST 800-63B: length and a block-list, no composition rules.
MIN_LENGTH = 8
MAX_LENGTH = 256
_COMMON = frozenset(
    [
        "password",
        "password1",
        "password12",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwerty123",
        "qwertyuiop",
        "11111111",
        "00000000",
        "iloveyou",
        "abc12345",
        "abcd1234",
        "letmein1",
        "welcome1",
        "admin123",
        "sunshine",
        "football",
        "baseball",
        "monkey123",
        "dragon123",
        "passw0rd",
        "p@ssw0rd",
        "1q2w3e4r",
        "1qaz2wsx",
        "qwerty12",
        "asdfghjk",
        "zxcvbnm1",
        "trustno1",
        "shomik123",
    ]
)


def check_strength(password: str, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(f"Password must be at least {MIN_LENGTH} characters.", code="weak_password")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"Password must be at most {MAX_LENGTH} characters.", code="weak_password")
    lowered = password.lower()
    if lowered in _COMMON or re.fullmatch(r"(.)\1*", password):
        raise Invalid("This password is too easy to guess.", code="weak_password")
    if username and username.lower() in lowered:
        raise Invalid("Password must not contain the username.", code="weak_password")


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        # Verified against when the user does not exist, so both answers cost the same.
        self._dummy = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def run() -> bool:
            try:
                return self._hasher.verify(stored_hash or self._dummy, password)
            except (VerificationError, InvalidHashError):
                return False

        ok = await asyncio.to_thread(run)
        return ok and stored_hash is not None
