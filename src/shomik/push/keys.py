"""The server's VAPID key pair (RFC 8292): configured, or generated once into the data dir."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shomik.settings import Settings

KEY_FILE = "vapid_private_key"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey
    subject: str

    @property
    def public_key(self) -> str:
        """The uncompressed P-256 point, base64url: the browser's applicationServerKey."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)


def _parse(text: str) -> ec.EllipticCurvePrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) != 32:
            raise ValueError("SHOMIK_VAPID_PRIVATE_KEY: a PEM or 32 bytes in base64url")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("SHOMIK_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return key


def load(settings: Settings) -> VapidKeys:
    """The configured key, or the one in the data dir, made on first start. Kept across
    restarts: a new key would silently orphan every browser's subscription."""
    if settings.vapid_private_key:
        return VapidKeys(_parse(settings.vapid_private_key), settings.vapid_subject)
    path = settings.data_dir / KEY_FILE
    if path.exists():
        return VapidKeys(_parse(path.read_text()), settings.vapid_subject)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return VapidKeys(key, settings.vapid_subject)
