"""Two-step verification, as Telegram's cloud password: with it on, signing in takes a
code from an authenticator app (RFC 6238, 30 s steps) or one of ten one-time recovery
codes, after the password.

Every proof here (password or code) is counted against the account's sign-in limit
(`login_account`, shared with POST /api/auth/login), so six digits cannot be guessed by
trying them (20 tries an hour by default, against at most 3 good codes in a million)."""

from __future__ import annotations

from typing import Any

from shomik.auth.twofactor import codes
from shomik.auth.twofactor import repository as repo
from shomik.auth.twofactor.schemas import RecoveryCodes, TwoFactorSetup
from shomik.db.engine import Conn
from shomik.errors import Conflict, Forbidden, Unauthorized
from shomik.services import Services

CODE_REQUIRED = "Enter the code from your authenticator app."
BAD_CODE = "The code is wrong or has expired. Enter the current one, or a recovery code."
TOO_MANY = "Too many attempts for this account. Wait a while, then try again."


def _enabled_already() -> Conflict:
    return Conflict(
        "Two-step verification is already on. Turn it off first to use another app.",
        code="totp_enabled",
    )


async def _check_password(services: Services, user: Any, password: str) -> None:
    await services.limiter.hit("login_account", user.username.lower(), TOO_MANY)
    if not await services.passwords.verify(user.password_hash, password):
        # 403, not 401: the session is fine, the proof is not.
        raise Forbidden("The password is wrong.", code="bad_credentials")


def _redeem(state: Any, code: str) -> dict[str, Any] | None:
    """The column values that use `code` up (it is then good no more), or None if it is
    not good for this user now."""
    if codes.is_totp_shaped(code):
        step = codes.totp_step(state.totp_secret, code, state.totp_last_step)
        return None if step is None else {"totp_last_step": step}
    hashes: list[str] = list(state.recovery_codes or [])
    used = codes.match_recovery_code(hashes, code)
    if used is None:
        return None
    return {"recovery_codes": [h for h in hashes if h != used]}


async def _locked(conn: Conn, user_id: int) -> Any:
    state = await repo.lock(conn, user_id)
    if state is None:  # deleted mid-request; the session check let it through a moment ago
        raise Unauthorized("Invalid or expired token.")
    return state


async def setup(services: Services, user: Any, password: str) -> TwoFactorSetup:
    """A new secret to put in the app; it takes effect only once `enable` sees a code."""
    await _check_password(services, user, password)
    secret = codes.new_secret()
    async with services.db.write() as tx:
        state = await _locked(tx.conn, user.id)
        if state.totp_secret is not None:
            raise _enabled_already()
        await repo.update(tx.conn, user.id, totp_pending=secret)
    return TwoFactorSetup(secret=secret, otpauth_uri=codes.provisioning_uri(secret, user.username))


async def enable(services: Services, user: Any, code: str) -> RecoveryCodes:
    """Turn it on with a first code from the app. Not counted against the sign-in limit:
    the pending secret was shown only to someone who gave the password, so there is
    nothing to guess."""
    plain, hashes = codes.new_recovery_codes()
    async with services.db.write() as tx:
        state = await _locked(tx.conn, user.id)
        if state.totp_secret is not None:
            raise _enabled_already()
        if state.totp_pending is None:
            raise Conflict("Set up two-step verification first.", code="totp_not_set_up")
        step = codes.totp_step(state.totp_pending, code, None)
        if step is None:
            raise Forbidden(BAD_CODE, code="bad_totp")
        await repo.update(
            tx.conn,
            user.id,
            totp_secret=state.totp_pending,
            totp_pending=None,
            recovery_codes=hashes,
            totp_last_step=step,
        )
    return RecoveryCodes(recovery_codes=plain)


async def _use_code(conn: Conn, user_id: int, code: str) -> dict[str, Any]:
    """Under the row lock: two-step verification must be on and `code` good; the column
    values that use it up."""
    state = await _locked(conn, user_id)
    if state.totp_secret is None:
        raise Conflict("Two-step verification is off.", code="totp_disabled")
    used = _redeem(state, code)
    if used is None:
        raise Forbidden(BAD_CODE, code="bad_totp")
    return used


async def disable(services: Services, user: Any, password: str, code: str) -> None:
    await _check_password(services, user, password)
    async with services.db.write() as tx:
        await _use_code(tx.conn, user.id, code)
        await repo.update(
            tx.conn,
            user.id,
            totp_secret=None,
            totp_pending=None,
            recovery_codes=None,
            totp_last_step=None,
        )


async def new_recovery_codes(
    services: Services, user: Any, password: str, code: str
) -> RecoveryCodes:
    """Ten fresh codes; the old ones, used or not, stop working."""
    await _check_password(services, user, password)
    plain, hashes = codes.new_recovery_codes()
    async with services.db.write() as tx:
        used = await _use_code(tx.conn, user.id, code)
        await repo.update(tx.conn, user.id, **{**used, "recovery_codes": hashes})
    return RecoveryCodes(recovery_codes=plain)


async def check_sign_in(services: Services, user: Any, code: str | None) -> None:
    """After a right password: nothing if two-step verification is off; else the code
    must be good (and is used up), or Unauthorized says what is missing. The caller has
    counted this attempt against the account's limit already."""
    if user.totp_secret is None:
        return
    if code is None:
        raise Unauthorized(CODE_REQUIRED, code="totp_required")
    async with services.db.write() as tx:
        state = await _locked(tx.conn, user.id)
        if state.totp_secret is None:  # turned off in the meantime
            return
        used = _redeem(state, code)
        if used is None:
            raise Unauthorized(BAD_CODE, code="bad_totp")
        await repo.update(tx.conn, user.id, **used)
