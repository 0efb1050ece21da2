"""JWT access tokens: HS256 only, `exp` required. Each names its server-side session
(`sid`): the token is good only while that session exists (auth/sessions.py)."""

from __future__ import annotations

from dataclasses import dataclass

import jwt

from shomik.errors import Unauthorized

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    session_id: str
    expires_at: float


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self.ttl = ttl_seconds

    def issue(self, user_id: int, session_id: str, issued_at: int) -> str:
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "iat": issued_at,
            "exp": issued_at + self.ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> TokenClaims:
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
