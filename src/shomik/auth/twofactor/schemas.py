"""Requests and answers of two-step verification (/api/users/me/2fa)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shomik.schemas import Model

# An authenticator's six digits ("123 456" too) or a recovery code ("abcde-fghjk").
OneTimeCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="The 6-digit code of the authenticator app, or an unused recovery code",
    ),
]


class TwoFactorSetupRequest(Model):
    password: str = Field(max_length=256)


class TwoFactorSetup(Model):
    """A new secret, not in force until `enable` confirms a code made from it."""

    # Base32, for typing into an authenticator by hand.
    secret: str
    # otpauth://totp/Shomik:<username>?secret=…&issuer=Shomik, for the QR code.
    otpauth_uri: str


class TwoFactorEnable(Model):
    code: OneTimeCode


class TwoFactorProof(Model):
    """What turning two-step verification off, or new recovery codes, take: the password
    and a code (from the app, or a recovery code)."""

    password: str = Field(max_length=256)
    code: OneTimeCode


class RecoveryCodes(Model):
    """Shown once: the server keeps only their hashes. Each signs in once in place of a
    code from the app."""

    recovery_codes: list[str]
