from __future__ import annotations

from pydantic import Field

from shomik.schemas import Model


class PushKey(Model):
    # The VAPID public key, an uncompressed P-256 point in base64url: the browser's
    # `applicationServerKey` for `pushManager.subscribe`.
    public_key: str


class SubscriptionKeys(Model):
    # As `PushSubscription.toJSON().keys` gives them: base64url.
    # Named as the Push API names it (the camelCase generator would say p256Dh).
    p256dh: str = Field(max_length=128, alias="p256dh")
    auth: str = Field(max_length=64)


class SubscriptionIn(Model):
    endpoint: str = Field(max_length=2048)
    keys: SubscriptionKeys


class SubscriptionRemove(Model):
    endpoint: str = Field(max_length=2048)
