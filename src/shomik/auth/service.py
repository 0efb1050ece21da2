"""Registration, login and revocation."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from shomik.auth.passwords import check_strength
from shomik.auth.schemas import LoginRequest, RegisterRequest, TokenResponse
from shomik.errors import Conflict, Forbidden, Unauthorized
from shomik.push import service as push
from shomik.realtime.connection import CLOSE_UNAUTHORIZED
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users import repository as users_repo
from shomik.users.schemas import Params

BAD_LOGIN = "Invalid username or password."


def _token_response(services: Services, row: Any) -> TokenResponse:
    token = services.tokens.issue(row.id, row.token_version)
    return TokenResponse(access_token=token, user=users_repo.to_me(row))


async def register(services: Services, data: RegisterRequest) -> TokenResponse:
    check_strength(data.password, data.username)
    password_hash = await services.passwords.hash(data.password)
    try:
        async with services.db.write() as tx:
            if await users_repo.get_by_username(tx.conn, data.username) is not None:
                raise Conflict("This username is taken.", code="username_taken")
            user_id = await users_repo.insert(
                tx.conn,
                username=data.username,
                username_lower=data.username.lower(),
                display_name=(data.display_name or data.username).strip() or data.username,
                password_hash=password_hash,
                status="offline",
                params=Params().model_dump(by_alias=True),
                token_version=0,
                created_at=utcnow(),
            )
            row = await users_repo.get(tx.conn, user_id)
    except IntegrityError as exc:  # lost a race with another registration
        raise Conflict("This username is taken.", code="username_taken") from exc
    return _token_response(services, row)


async def login(services: Services, data: LoginRequest) -> TokenResponse:
    async with services.db.read() as conn:
        row = await users_repo.get_by_username(conn, data.username)
    # Unknown user and wrong password: one message, one hash verification's worth of time.
    ok = await services.passwords.verify(row.password_hash if row else None, data.password)
    if not ok or row is None:
        raise Unauthorized(BAD_LOGIN, code="bad_credentials")
    return _token_response(services, row)


async def authenticate(services: Services, token: str) -> Any:
    """The user row behind a token, or Unauthorized (bad, expired or revoked)."""
    claims = services.tokens.decode(token)
    async with services.db.read() as conn:
        row = await users_repo.get(conn, claims.user_id)
    if row is None or row.token_version != claims.version:
        raise Unauthorized("Invalid or expired token.")
    return row


async def revoke_all(
    services: Services, user_id: int, new_password_hash: str | None = None
) -> TokenResponse:
    """Invalidate every token issued so far (in the same transaction as a password change),
    close open sockets, and hand back a new token."""
    async with services.db.write() as tx:
        row = await users_repo.get(tx.conn, user_id)
        assert row is not None
        values: dict[str, Any] = {"token_version": row.token_version + 1}
        if new_password_hash is not None:
            values["password_hash"] = new_password_hash
        await users_repo.update(tx.conn, user_id, **values)
        await push.forget_user(tx, user_id)
        row = await users_repo.get(tx.conn, user_id)
    services.hub.disconnect_user(user_id, CLOSE_UNAUTHORIZED, "token revoked")
    return _token_response(services, row)


async def change_password(
    services: Services, user_id: int, current: str, new: str
) -> TokenResponse:
    async with services.db.read() as conn:
        row = await users_repo.get(conn, user_id)
    assert row is not None
    services.limiter.hit("login", f"user:{user_id}")  # the current password is guessable here
    if not await services.passwords.verify(row.password_hash, current):
        # 403, not 401: the session is fine, the proof is not.
        raise Forbidden("The current password is wrong.", code="bad_credentials")
    check_strength(new, row.username)
    return await revoke_all(services, user_id, await services.passwords.hash(new))
