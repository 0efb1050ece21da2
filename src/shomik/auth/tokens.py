"""JWT access tokens: HS256 only, `exp` required. Each names its server-side session
(`sid`): the token is good only while that session exists (auth/sessions.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from shomik.errors import Unauthorized

ALGORITHM = "HS256"
# Tokens already verified, by their exact text: every request and socket shows its token
# again, and a reconnect storm shows thousands at once (PyJWT's decode was 8 % of the
# server's time there, docs/benchmarks.md). Only a byte-identical token hits, and its expiry
# is checked on every use; the session behind it is checked apart (auth/sessions.py).
VERIFIED_CACHE_SIZE = 8192


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    session_id: str
    expires_at: float


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self.ttl = ttl_seconds
        self._verified: dict[str, TokenClaims] = {}

    def issue(self, user_id: int, session_id: str, issued_at: int) -> str:
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "iat": issued_at,
            "exp": issued_at + self.ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> TokenClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[token] = claims
        if claims.expires_at <= time.time():
            self._verified.pop(token, None)
            raise Unauthorized("Invalid or expired token.")
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # pinned: no `none`, no key confusion
                options={"require": ["exp", "iat", "sub", "sid"]},
            )
            session_id = claims["sid"]
            if not isinstance(session_id, str):
                raise TypeError("sid")
            return TokenClaims(int(claims["sub"]), session_id, float(claims["exp"]))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized("Invalid or expired token.") from exc
