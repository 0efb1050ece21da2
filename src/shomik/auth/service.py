"""Registration, sign-in and sign-out, password change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from shomik.auth import sessions
from shomik.auth.passwords import check_strength
from shomik.auth.schemas import LoginRequest, RegisterRequest, TokenResponse
from shomik.auth.sessions import Device
from shomik.auth.twofactor import service as twofactor
from shomik.db.engine import WriteTx
from shomik.errors import Conflict, Forbidden, Unauthorized
from shomik.schemas import utcnow
from shomik.services import Services
from shomik.users import repository as users_repo
from shomik.users.schemas import Params

BAD_LOGIN = "Invalid username or password."
DEACTIVATED = "This account has been deactivated. Ask the server's administrator."


async def _signed_in(
    tx: WriteTx, services: Services, user_id: int, device: Device
) -> TokenResponse:
    token = await sessions.start(tx, services, user_id, device)
    row = await users_repo.get(tx.conn, user_id)
    return TokenResponse(access_token=token, user=users_repo.to_me(row))


async def create_account(tx: WriteTx, data: RegisterRequest, password_hash: str) -> int:
    """The user's row (sign-up, `shomik admin create-user`); Conflict if the name is taken.
    The caller checked the password's strength and hashed it."""
    if await users_repo.get_by_username(tx.conn, data.username) is not None:
        raise Conflict("This username is taken.", code="username_taken")
    return await users_repo.insert(
        tx.conn,
        username=data.username,
        username_lower=data.username.lower(),
        display_name=(data.display_name or data.username).strip() or data.username,
        password_hash=password_hash,
        status="offline",
        params=Params().model_dump(by_alias=True),
        created_at=utcnow(),
    )


async def register(services: Services, data: RegisterRequest, device: Device) -> TokenResponse:
    check_strength(data.password, data.username)
    password_hash = await services.passwords.hash(data.password)
    try:
        async with services.db.write() as tx:
            user_id = await create_account(tx, data, password_hash)
            return await _signed_in(tx, services, user_id, device)
    except IntegrityError as exc:  # lost a race with another registration
        raise Conflict("This username is taken.", code="username_taken") from exc


async def login(services: Services, data: LoginRequest, device: Device) -> TokenResponse:
    async with services.db.read() as conn:
        row = await users_repo.get_by_username(conn, data.username)
    # Unknown user and wrong password: one message, one hash verification's worth of time.
    ok = await services.passwords.verify(row.password_hash if row else None, data.password)
    if not ok or row is None:
        raise Unauthorized(BAD_LOGIN, code="bad_credentials")
    if row.deactivated_at is not None:
        # Said plainly, as Synapse, Zulip and Mattermost do, but only to someone who knows
        # the password: to anyone else a deactivated account looks like any other.
        raise Forbidden(DEACTIVATED, code="account_deactivated")
    await twofactor.check_sign_in(services, row, data.code)
    async with services.db.write() as tx:
        return await _signed_in(tx, services, row.id, device)


async def logout_all(services: Services, user_id: int, device: Device) -> TokenResponse:
    """End every session (open sockets close with 4401) and sign this device in afresh."""
    async with services.db.write() as tx:
        await sessions.end_all_in(tx, services, user_id)
        return await _signed_in(tx, services, user_id, device)


async def change_password(
    services: Services, user: Any, current: str, new: str, device: Device
) -> TokenResponse:
    """A new password ends every session, this one included (a thief's too), and signs
    this device in again in the same transaction."""
    await services.limiter.hit("login", f"user:{user.id}")  # the current password is guessable here
    if not await services.passwords.verify(user.password_hash, current):
        # 403, not 401: the session is fine, the proof is not.
        raise Forbidden("The current password is wrong.", code="bad_credentials")
    check_strength(new, user.username)
    password_hash = await services.passwords.hash(new)
    async with services.db.write() as tx:
        await users_repo.update(tx.conn, user.id, password_hash=password_hash)
        await sessions.end_all_in(tx, services, user.id)
        return await _signed_in(tx, services, user.id, device)
