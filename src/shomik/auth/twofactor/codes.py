"""The codes of two-step verification, with no database: RFC 6238 time-based codes (pyotp)
and one-time recovery codes, kept only as sha256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

import pyotp

ISSUER = "Shomik"
RECOVERY_CODE_COUNT = 10
# 10 characters from 31 (no 0/o, 1/l/i): ~50 bits each, far beyond what the per-account
# sign-in limit lets anyone guess, yet short enough to type from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
# Authenticator apps show "123 456"; recovery codes are printed "abcde-fghjk".
_SEPARATORS = re.compile(r"[\s-]+")
_TOTP_SHAPE = re.compile(r"\d{6}")


def new_secret() -> str:
    """A fresh 160-bit base32 secret (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def normalize(code: str) -> str:
    return _SEPARATORS.sub("", code).lower()


def is_totp_shaped(code: str) -> bool:
    """Six digits: an authenticator's code. Anything else is taken for a recovery code."""
    return _TOTP_SHAPE.fullmatch(normalize(code)) is not None


def totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to if it is good now (the previous, current or next
    30 s step: one step of clock drift either way) and newer than the last accepted one;
    else None. A step is accepted once: that is what makes a code single-use."""
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(normalize(code), valid_window=1)
    except pyotp.OTPVerificationError:
        return None
    return step if last_step is None or step > last_step else None


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """Fresh codes to show once ("abcde-fghjk"), and their hashes to store."""
    plain = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        plain.append(f"{raw[:5]}-{raw[5:]}")
    return plain, [hash_recovery_code(code) for code in plain]


def hash_recovery_code(code: str) -> str:
    # A plain hash, not a password hash: the codes are random with ~50 bits, not chosen.
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def match_recovery_code(hashes: Sequence[str], code: str) -> str | None:
    """The stored hash `code` matches, if any."""
    digest = hash_recovery_code(code)
    return next((h for h in hashes if hmac.compare_digest(h, digest)), None)
