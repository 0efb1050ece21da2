"""JWT access tokens: HS256 only, `exp` required, revocable through the user's version."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from shomik.errors import Unauthorized

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    version: int
    expires_at: float


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl = ttl_seconds

    def issue(self, user_id: int, version: int) -> str:
        now = int(time.time())
        claims = {"sub": str(user_id), "ver": version, "iat": now, "exp": now + self._ttl}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # pinned: no `none`, no key confusion
                options={"require": ["exp", "iat", "sub", "ver"]},
            )
            return TokenClaims(int(claims["sub"]), int(claims["ver"]), float(claims["exp"]))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized("Invalid or expired token.") from exc
