"""Two-step verification of the signed-in user: /api/users/me/2fa."""

from __future__ import annotations

from fastapi import APIRouter, status

from shomik.auth.twofactor import service
from shomik.auth.twofactor.schemas import (
    RecoveryCodes,
    TwoFactorEnable,
    TwoFactorProof,
    TwoFactorSetup,
    TwoFactorSetupRequest,
)
from shomik.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api/users/me/2fa", tags=["users"])


@router.post("/setup")
async def setup(
    data: TwoFactorSetupRequest, user: CurrentUser, services: ServicesDep
) -> TwoFactorSetup:
    """A new secret for the authenticator app (as text and as an otpauth:// URI for a QR
    code). Nothing changes at sign-in until `enable` gets a code made from it. 409
    `totp_enabled` if two-step verification is on already."""
    return await service.setup(services, user, data.password)


@router.post("/enable")
async def enable(data: TwoFactorEnable, user: CurrentUser, services: ServicesDep) -> RecoveryCodes:
    """Turn two-step verification on with a first code from the app; answers the ten
    recovery codes, which are never shown again."""
    return await service.enable(services, user, data.code)


@router.post("/disable", status_code=status.HTTP_204_NO_CONTENT)
async def disable(data: TwoFactorProof, user: CurrentUser, services: ServicesDep) -> None:
    """Turn two-step verification off: the password and a code (or a recovery code)."""
    await service.disable(services, user, data.password, data.code)


@router.post("/recovery-codes")
async def new_recovery_codes(
    data: TwoFactorProof, user: CurrentUser, services: ServicesDep
) -> RecoveryCodes:
    """Ten new recovery codes; the old ones stop working."""
    return await service.new_recovery_codes(services, user, data.password, data.code)
